#include "sim/simulator/simulator.hpp"

#include <signal.h>

#include <array>
#include <memory>
#include <set>
#include <sstream>

#include "fault_injector/control/control_plane.hpp"
#include "fault_injector/core/connection_pipeline.hpp"
#include "fault_injector/core/websocket_frame_parser.hpp"
#include "protocol/engineio_packet.hpp"
#include "protocol/websocket_frame_writer.hpp"
#include "server/core/chat_server_core.hpp"
#include "server/core/planted_bug.hpp"
#include "server/core/sqlite_message_store.hpp"
#include "server/core/storage_fault_store.hpp"
#include "sim/execution/control_plane_faults.hpp"
#include "sim/execution/scenario_execution.hpp"
#include "sim/simulator/virtual_clock.hpp"

namespace resync::sim {

namespace {

namespace fi = fault_injector;
namespace websocket = protocol::websocket;
using fi::Direction;

constexpr const char* proxy_name = "resync";
constexpr std::string_view end_of_http_head = "\r\n\r\n";
// A run that has not finished after this much virtual time beyond its own bounds is cut off.
constexpr std::int64_t run_overtime_ms = 60000;
constexpr std::uint64_t events_per_run_max = 50'000'000;

// Collects whole frames out of the observing parser.
class FrameCollector final : public fi::WebSocketFrameListener {
 public:
  struct Frame {
    std::uint8_t opcode = 0;
    std::string payload;
  };
  void on_frame_start(const fi::WebSocketFrameHeader& /*header*/) override { payload_.clear(); }
  void on_frame_payload(std::span<const std::uint8_t> unmasked) override {
    payload_.append(reinterpret_cast<const char*>(unmasked.data()), unmasked.size());
  }
  void on_frame_end(const fi::WebSocketFrameHeader& header, std::size_t /*end_offset*/) override {
    frames.push_back({header.opcode, std::move(payload_)});
    payload_.clear();
  }
  std::vector<Frame> frames;

 private:
  std::string payload_;
};

// One end of a simulated TCP connection that speaks HTTP upgrade, then WebSocket frames.
struct Endpoint {
  bool open = true;
  bool handshake_done = false;
  std::string http_head;  // bytes before the end of the HTTP head
  fi::WebSocketFrameParser parser;
  FrameCollector frames;

  // Feeds bytes; returns the HTTP head once it is complete (then frames follow).
  std::optional<std::string> feed(std::string_view bytes) {
    std::optional<std::string> head;
    if (!handshake_done) {
      http_head.append(bytes);
      const auto end = http_head.find(end_of_http_head);
      if (end == std::string::npos) return std::nullopt;
      handshake_done = true;
      head = http_head.substr(0, end);
      const std::string rest = http_head.substr(end + end_of_http_head.size());
      http_head.clear();
      observe(rest);
      return head;
    }
    observe(bytes);
    return std::nullopt;
  }

 private:
  void observe(std::string_view bytes) {
    if (bytes.empty()) return;
    parser.observe({reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, frames, /*want_payload=*/true);
  }
};

struct SimConnection {
  SimConnection(std::uint64_t seed, std::uint64_t connection_id) : pipeline(seed, proxy_name, connection_id) {}
  std::uint64_t id = 0;
  ChatClient* client = nullptr;
  TransportId transport = 0;
  fi::ConnectionPipeline pipeline;
  Endpoint client_end;
  Endpoint server_end;
  bool upstream_connected = false;
  int server_incarnation = 0;
  std::optional<server::SessionId> session;
  std::optional<std::int64_t> reset_scheduled_us;
  std::array<std::optional<std::int64_t>, 2> drain_scheduled_us;
  std::optional<std::int64_t> trigger_wake_us;
  bool finished = false;  // both ends gone
};

class SimulatedEnvironment final : public RunEnvironment, public fi::ProxyRuntime {
 public:
  SimulatedEnvironment(const Scenario& scenario, const SimulationOptions& options)
      : scenario_(scenario),
        options_(options),
        store_({":memory:", server::Durability::full}),
        control_(*this),
        faults_(control_, *this, proxy_name) {}

  std::string run() {
    if (scenario_.server.preload_messages > 0) {
      for (std::int64_t index = 0; index < scenario_.server.preload_messages; ++index) {
        store_.insert("preloaded-" + std::to_string(index + 1), std::nullopt);
      }
      store_.commit();
    }
    fi::ProxyDefinition proxy;
    proxy.name = proxy_name;
    proxy.listen = "127.0.0.1:0";
    proxy.upstream = "server:1";
    control_.create_proxy(proxy);

    ExecutionOptions execution_options;
    execution_options.seed = options_.seed;
    execution_options.mode = "sim";
    execution_options.target = "embedded";
    execution_options.delivery = scenario_.server.delivery;
    execution_options.replay = options_.replay;
    ScenarioExecution execution(scenario_, execution_options, *this);
    execution.record_run_started();
    start_server();
    execution.start();

    std::int64_t last_step_ms = 0;
    for (const Step& step : scenario_.timeline) last_step_ms = std::max(last_step_ms, step.at_ms);
    const std::int64_t cut_off_ms = last_step_ms + scenario_.converge_within_ms + run_overtime_ms;
    std::uint64_t events = 0;
    while (!finished_ && clock_.run_next()) {
      if (++events > events_per_run_max || clock_.now_ms() > cut_off_ms) {
        record({{"type", "run_finished"}, {"converged", false},
                {"detail", "the simulation was cut off after " + std::to_string(events) + " events at " +
                               std::to_string(clock_.now_ms()) + " ms of virtual time"}});
        break;
      }
    }
    return history_.str();
  }

  // ---- RunEnvironment ----

  std::int64_t now_ms() const override { return clock_.now_ms(); }
  void schedule(std::int64_t time_ms, std::function<void()> work) override {
    clock_.at_us(time_ms * 1000, [this, work = std::move(work)] {
      if (!finished_) work();
    });
  }
  void record(nlohmann::json event) override {
    nlohmann::json line = {{"t_ms", clock_.now_ms()}};
    line.update(event);
    history_ << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
  }

  void pump(ChatClient& client) override {
    for (auto& action : client.take_actions()) {
      if (auto* open = std::get_if<OpenTransport>(&action)) {
        open_connection(client, *open);
      } else if (auto* frame = std::get_if<SendFrame>(&action)) {
        if (SimConnection* connection = find_connection(client, frame->transport)) {
          client_write(*connection, websocket::encode_frame(websocket::Opcode::text, frame->text, next_mask_key()));
        }
      } else if (auto* close = std::get_if<CloseTransport>(&action)) {
        if (SimConnection* connection = find_connection(client, close->transport)) client_closes(*connection);
      } else if (auto* event = std::get_if<RecordEvent>(&action)) {
        record(std::move(event->event));
      }
    }
    wake_client(client);
  }

  FaultControl& faults() override { return faults_; }
  bool controls_server() const override { return true; }
  bool server_running() const override { return core_ != nullptr; }

  void stop_server(int signal) override {
    if (!core_) return;
    if (signal == SIGTERM) {
      core_->commit_pending(now_ms());  // a graceful stop commits what it holds
      process_core_actions();
    } else {
      // SIGKILL loses exactly the open transaction: nothing in it was acknowledged.
      store_.rollback();
    }
    // The simulated server ends as the real one does when nothing goes wrong: exit 0 after
    // SIGTERM, death by SIGKILL (the fields of a live server_stopped, docs/HISTORY.md).
    record({{"type", "server_stopped"},
            {"signal", signal == SIGTERM ? "SIGTERM" : "SIGKILL"},
            {"incarnation", incarnation_},
            {"requested", true},
            {"exit_status", signal == SIGTERM ? nlohmann::json(0) : nlohmann::json()},
            {"exit_signal", signal == SIGTERM ? nlohmann::json() : nlohmann::json("SIGKILL")},
            {"sanitizer_report", false},
            {"escalated", false},
            {"detail", ""}});
    core_.reset();
    commit_scheduled_ = false;
    sessions_.clear();
    // The kernel closes the server's sockets: the proxy sees the upstream end.
    for (auto& [id, connection] : connections_) {
      if (connection->upstream_connected && connection->server_end.open) {
        connection->server_end.open = false;
        connection->session.reset();
        server_closes(*connection);
      }
    }
  }

  // Always through the virtual clock, at the same instant for delay 0: the firing is inside a
  // pipeline's on_bytes, and a stop closes the server's sockets, which feeds that pipeline.
  void stop_server_on_trigger(int signal, std::int64_t delay_us, std::function<void()> on_signal_sent) override {
    clock_.at_us(clock_.now_us() + delay_us, [this, signal, on_signal_sent = std::move(on_signal_sent)] {
      if (finished_ || !server_running()) return;
      on_signal_sent();  // the signal is sent and the stop not yet recorded, as live
      stop_server(signal);
    });
  }

  void start_server() override {
    if (core_) return;
    ++incarnation_;
    server::ServerConfig config;
    config.delivery = scenario_.server.delivery == "tutorial" ? server::DeliveryMode::tutorial : server::DeliveryMode::strict;
    config.ping_interval_ms = scenario_.server.ping_interval_ms;
    config.ping_timeout_ms = scenario_.server.ping_timeout_ms;
    config.chat_event_name = scenario_.server.chat_event;
    config.recovery_enabled = scenario_.server.recovery;
    config.recovery.window_ms = scenario_.server.recovery_window_ms;
    // The loader accepts known names only; the live-only bugs do nothing in the core.
    config.planted_bug = server::parse_planted_bug(scenario_.server.planted_bug).value_or(server::PlantedBug::none);
    config.seed = derive_seed(options_.seed, 1000 + static_cast<std::uint64_t>(incarnation_));
    core_ = std::make_unique<server::ChatServerCore>(config, faulty_store_);
    record({{"type", "server_started"}, {"port", 0}, {"pid", 0}, {"incarnation", incarnation_}});
  }

  std::optional<std::int64_t> committed_highest_id() override { return store_.last_committed_id(); }

  // The simulated database fails at once where the live one may first stall: a held lock
  // is SQLITE_BUSY without the embedded server's 5 s busy_timeout (docs/SCENARIOS.md).
  StorageFaultAttempt start_storage_fault(StorageFaultKind kind) override {
    switch (kind) {
      case StorageFaultKind::lock_database: faulty_store_.set_mode(server::StorageFaultMode::busy); break;
      case StorageFaultKind::read_only: faulty_store_.set_mode(server::StorageFaultMode::read_only); break;
      case StorageFaultKind::full: faulty_store_.set_mode(server::StorageFaultMode::full); break;
    }
    return {StorageFaultAttempt::Outcome::started,
            "simulated store: writes fail with \"" + server::storage_fault_error_text(faulty_store_.mode()) + "\""};
  }
  void end_storage_fault() override { faulty_store_.set_mode(server::StorageFaultMode::none); }

  void finish() override {
    finished_ = true;
    nlohmann::json messages = nlohmann::json::array();
    for (const auto& row : store_.read_range(0, store_.last_committed_id(), static_cast<std::size_t>(-1) >> 1)) {
      messages.push_back({{"id", row.id},
                          {"content", row.content},
                          {"client_offset", row.client_offset ? nlohmann::json(*row.client_offset) : nlohmann::json()}});
    }
    record({{"type", "committed_log"}, {"source", "database"}, {"messages", std::move(messages)}});
  }

  // ---- fi::ProxyRuntime (the simulated network behind the control plane) ----

  fi::Result<std::string> start(const fi::ProxyDefinition& /*proxy*/, const std::vector<fi::ToxicSpec>& toxics) override {
    accepting_ = true;
    toxics_ = toxics;
    return std::string("127.0.0.1:1");
  }
  void stop(const std::string& /*proxy_name*/) override {
    accepting_ = false;
    for (auto& [id, connection] : connections_) reset_connection(*connection, "proxy disabled");
  }
  void forget(const std::string& /*proxy_name*/) override {}
  void toxic_added(const std::string& /*proxy_name*/, const fi::ToxicSpec& toxic) override {
    toxics_.push_back(toxic);
    for (auto& [id, connection] : connections_) {
      if (connection->finished) continue;
      connection->pipeline.attach(toxic, instant());
      after_pipeline_change(*connection);
    }
  }
  void toxic_updated(const std::string& /*proxy_name*/, const fi::ToxicSpec& toxic) override {
    for (auto& existing : toxics_) {
      if (existing.name == toxic.name) existing = toxic;
    }
    for (auto& [id, connection] : connections_) {
      if (connection->finished) continue;
      connection->pipeline.update(toxic, instant());
      after_pipeline_change(*connection);
    }
  }
  void toxic_removed(const std::string& /*proxy_name*/, const std::string& toxic_name) override {
    std::erase_if(toxics_, [&](const fi::ToxicSpec& toxic) { return toxic.name == toxic_name; });
    for (auto& [id, connection] : connections_) {
      if (connection->finished) continue;
      connection->pipeline.detach(toxic_name, instant());
      after_pipeline_change(*connection);
    }
  }
  std::uint64_t connections_accepted(const std::string& /*proxy_name*/) const override { return accepted_; }
  void set_trigger_listener(fi::TriggerListener listener) override { trigger_listener_ = std::move(listener); }
  std::vector<fi::ConnectionInfo> connections(const std::string& /*proxy_name*/) const override {
    std::vector<fi::ConnectionInfo> live;
    for (const auto& [id, connection] : connections_) {
      if (connection->finished) continue;
      fi::ConnectionInfo info;
      info.id = id;
      info.tag = connection->pipeline.tag();
      info.client_address = "client:" + connection->client->name();
      info.bytes_upstream = connection->pipeline.bytes_read(Direction::upstream);
      info.bytes_downstream = connection->pipeline.bytes_read(Direction::downstream);
      info.toxics = connection->pipeline.toxics();
      live.push_back(std::move(info));
    }
    return live;
  }

 private:
  fi::Instant instant() const { return fi::Instant(clock_.now_us()); }

  // One line per WebSocket text frame that arrives, for debugging a reproducer.
  void trace(const SimConnection& connection, std::string_view arrow, const std::string& payload) {
    if (!options_.trace) return;
    *options_.trace << clock_.now_us() << " us  connection " << connection.id << " (" << connection.client->name()
                    << ")  " << arrow << " " << payload << "\n";
  }

  std::array<std::uint8_t, 4> next_mask_key() {
    // Clients must mask; a deterministic key keeps the bytes (and so the run) reproducible.
    const std::uint32_t key = static_cast<std::uint32_t>(derive_seed(options_.seed, 5000 + mask_counter_++));
    return {static_cast<std::uint8_t>(key), static_cast<std::uint8_t>(key >> 8), static_cast<std::uint8_t>(key >> 16),
            static_cast<std::uint8_t>(key >> 24)};
  }

  SimConnection* find_connection(const ChatClient& client, TransportId transport) {
    const auto found = by_transport_.find({client.name(), transport});
    return found == by_transport_.end() ? nullptr : connections_.at(found->second).get();
  }

  // ---- connections ----

  void open_connection(ChatClient& client, const OpenTransport& open) {
    if (!accepting_) {
      // Nothing listens: the connect fails at once.
      ChatClient* client_pointer = &client;
      const TransportId transport = open.transport;
      clock_.at_us(clock_.now_us() + options_.link_latency_us, [this, client_pointer, transport] {
        if (finished_) return;
        client_pointer->on_transport_closed(transport, "transport error (connection refused)", now_ms());
        pump(*client_pointer);
      });
      return;
    }
    const std::uint64_t id = ++accepted_;
    auto connection = std::make_unique<SimConnection>(derive_seed(options_.seed, 10000 + id), id);
    connection->id = id;
    connection->client = &client;
    connection->transport = open.transport;
    connection->pipeline.set_trigger_listener([this](const fi::TriggerFiring& firing) {
      if (trigger_listener_) trigger_listener_(firing);
    });
    for (const auto& toxic : toxics_) connection->pipeline.attach(toxic, instant());
    SimConnection& added = *connection;
    connections_[id] = std::move(connection);
    by_transport_[{client.name(), open.transport}] = id;
    // The proxy dials the server; with no server, it closes the client's connection.
    if (core_) {
      added.upstream_connected = true;
      added.server_incarnation = incarnation_;
    } else {
      added.server_end.open = false;
      clock_.at_us(clock_.now_us() + options_.link_latency_us, [this, id] {
        if (!finished_) reset_connection(*connections_.at(id), "transport close");
      });
    }
    client_write(added, websocket::encode_upgrade_request("127.0.0.1", "/socket.io/?" + open.query));
  }

  void client_write(SimConnection& connection, const std::string& bytes) {
    if (connection.finished || !connection.client_end.open) return;
    write_through_proxy(connection, Direction::upstream, bytes);
  }

  void server_write(SimConnection& connection, const std::string& bytes) {
    if (connection.finished || !connection.server_end.open) return;
    write_through_proxy(connection, Direction::downstream, bytes);
  }

  void write_through_proxy(SimConnection& connection, Direction direction, const std::string& bytes) {
    const auto forwarding = connection.pipeline.on_bytes(
        direction, {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, instant());
    if (forwarding == fi::ConnectionPipeline::Forwarding::write_directly) {
      deliver(connection, direction, bytes, /*end_of_stream=*/false);
    }
    after_pipeline_change(connection);
  }

  void client_closes(SimConnection& connection) {
    if (!connection.client_end.open) return;
    connection.client_end.open = false;
    connection.pipeline.on_end_of_stream(Direction::upstream, instant());
    after_pipeline_change(connection);
  }

  void server_closes(SimConnection& connection) {
    connection.pipeline.on_end_of_stream(Direction::downstream, instant());
    after_pipeline_change(connection);
  }

  void after_pipeline_change(SimConnection& connection) {
    drain(connection, Direction::upstream);
    drain(connection, Direction::downstream);
    if (const auto reset_at = connection.pipeline.reset_at();
        reset_at && (!connection.reset_scheduled_us || reset_at->count() < *connection.reset_scheduled_us)) {
      // A later toxic can move the reset earlier (a heal resets at once): schedule again.
      connection.reset_scheduled_us = reset_at->count();
      const std::uint64_t id = connection.id;
      clock_.at_us(reset_at->count(), [this, id] {
        if (!finished_) reset_connection(*connections_.at(id), "transport error (connection reset)");
      });
    }
    if (const auto deadline = connection.pipeline.next_trigger_deadline()) {
      const std::int64_t wake_us = deadline->count();
      if (!connection.trigger_wake_us || wake_us < *connection.trigger_wake_us) {
        connection.trigger_wake_us = wake_us;
        const std::uint64_t id = connection.id;
        clock_.at_us(wake_us, [this, id] {
          SimConnection& woken = *connections_.at(id);
          woken.trigger_wake_us.reset();
          if (finished_ || woken.finished) return;
          woken.pipeline.on_timer(instant());
          after_pipeline_change(woken);
        });
      }
    }
  }

  // Writes out what the pipeline allows now; comes back when the next piece is due.
  void drain(SimConnection& connection, Direction direction) {
    if (connection.finished) return;
    fi::Outbox& outbox = connection.pipeline.outbox(direction);
    while (!outbox.empty()) {
      const std::int64_t due_us = outbox.front().at.count();
      if (due_us > clock_.now_us()) {
        auto& scheduled = connection.drain_scheduled_us[fi::index_of(direction)];
        if (!scheduled || due_us < *scheduled) {
          scheduled = due_us;
          const std::uint64_t id = connection.id;
          clock_.at_us(due_us, [this, id, direction] {
            SimConnection& woken = *connections_.at(id);
            woken.drain_scheduled_us[fi::index_of(direction)].reset();
            if (!finished_) after_pipeline_change(woken);
          });
        }
        return;
      }
      if (outbox.front().end_of_stream) {
        outbox.pop_front();
        deliver(connection, direction, {}, /*end_of_stream=*/true);
      } else {
        const std::string bytes(outbox.front_unwritten());
        outbox.consume_front(bytes.size());
        deliver(connection, direction, bytes, /*end_of_stream=*/false);
      }
    }
  }

  // Bytes leave the proxy and arrive at the other end one link latency later.
  void deliver(SimConnection& connection, Direction direction, std::string bytes, bool end_of_stream) {
    const std::uint64_t id = connection.id;
    clock_.at_us(clock_.now_us() + options_.link_latency_us, [this, id, direction, bytes = std::move(bytes), end_of_stream] {
      if (finished_) return;
      SimConnection& target = *connections_.at(id);
      if (direction == Direction::upstream) {
        server_receives(target, bytes, end_of_stream);
      } else {
        client_receives(target, bytes, end_of_stream);
      }
    });
  }

  void server_receives(SimConnection& connection, const std::string& bytes, bool end_of_stream) {
    if (connection.finished || !connection.upstream_connected || !connection.server_end.open) return;
    if (!core_ || connection.server_incarnation != incarnation_) return;
    if (end_of_stream) {
      // The client went away: the server closes its side too.
      server_session_ends(connection);
      process_core_actions();
      return;
    }
    if (const auto head = connection.server_end.feed(bytes)) {
      const auto target_start = head->find(' ');
      const auto query_start = head->find('?');
      const auto target_end = head->find(' ', target_start + 1);
      const auto handshake = query_start == std::string::npos || query_start > target_end
                                 ? protocol::engineio::HandshakeParseResult{}
                                 : protocol::engineio::parse_handshake_query(head->substr(query_start + 1, target_end - query_start - 1));
      if (!handshake.ok || handshake.query.transport != protocol::engineio::Transport::websocket) {
        server_write(connection, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        connection.server_end.open = false;
        server_closes(connection);
        return;
      }
      server_write(connection, websocket::encode_upgrade_response());
      const server::SessionId session = next_session_++;
      connection.session = session;
      sessions_[session] = connection.id;
      core_->on_session_opened(session, handshake.query, now_ms());
    }
    auto frames = std::move(connection.server_end.frames.frames);
    connection.server_end.frames.frames.clear();
    for (auto& frame : frames) {
      if (!connection.session || !core_) break;
      if (frame.opcode == fi::WebSocketFrameHeader::kText) {
        trace(connection, "server <-", frame.payload);
        core_->on_text_frame(*connection.session, frame.payload, now_ms());
      } else if (frame.opcode == fi::WebSocketFrameHeader::kBinary) {
        core_->on_binary_frame(*connection.session, frame.payload.size(), now_ms());
      } else if (frame.opcode == fi::WebSocketFrameHeader::kClose) {
        server_session_ends(connection);
      }
    }
    process_core_actions();
  }

  // The server learns its peer is gone (EOF or a close frame) and closes its socket.
  void server_session_ends(SimConnection& connection) {
    if (connection.session) {
      sessions_.erase(*connection.session);
      core_->on_session_closed(*connection.session, now_ms());
      connection.session.reset();
    }
    connection.server_end.open = false;
    server_closes(connection);
  }

  void client_receives(SimConnection& connection, const std::string& bytes, bool end_of_stream) {
    if (connection.finished || !connection.client_end.open) return;
    ChatClient& client = *connection.client;
    if (end_of_stream) {
      connection.client_end.open = false;
      client.on_transport_closed(connection.transport, "transport close", now_ms());
      // The client's socket closes too.
      connection.pipeline.on_end_of_stream(Direction::upstream, instant());
      after_pipeline_change(connection);
      pump(client);
      return;
    }
    if (const auto head = connection.client_end.feed(bytes)) {
      if (head->rfind("HTTP/1.1 101", 0) != 0) {
        connection.client_end.open = false;
        client.on_transport_closed(connection.transport, "transport error (upgrade refused)", now_ms());
        pump(client);
        return;
      }
      client.on_transport_open(connection.transport, now_ms());
    }
    auto frames = std::move(connection.client_end.frames.frames);
    connection.client_end.frames.frames.clear();
    for (auto& frame : frames) {
      if (frame.opcode == fi::WebSocketFrameHeader::kText) {
        trace(connection, "client <-", frame.payload);
        client.on_text_frame(connection.transport, frame.payload, now_ms());
      }
    }
    pump(client);
  }

  // An abortive close (RST): both ends learn at once, nothing in flight arrives.
  void reset_connection(SimConnection& connection, const std::string& reason) {
    if (connection.finished) return;
    connection.finished = true;
    connection.pipeline.outbox(Direction::upstream).clear();
    connection.pipeline.outbox(Direction::downstream).clear();
    if (connection.session && core_ && connection.server_incarnation == incarnation_) {
      sessions_.erase(*connection.session);
      core_->on_session_closed(*connection.session, now_ms());
      process_core_actions();
    }
    connection.session.reset();
    if (connection.client_end.open) {
      connection.client_end.open = false;
      connection.client->on_transport_closed(connection.transport, reason, now_ms());
      pump(*connection.client);
    }
  }

  // ---- the server core ----

  void process_core_actions() {
    if (!core_) return;
    for (auto& action : core_->take_actions()) {
      if (auto* send = std::get_if<server::SendPacket>(&action)) {
        const auto found = sessions_.find(send->session);
        if (found == sessions_.end()) continue;
        SimConnection& connection = *connections_.at(found->second);
        const std::string frame = websocket::encode_frame(websocket::Opcode::text, send->text, std::nullopt);
        server_write(connection, frame);
        schedule_output_drained(send->session, frame.size());
      } else if (auto* close = std::get_if<server::CloseSession>(&action)) {
        const auto found = sessions_.find(close->session);
        if (found == sessions_.end()) continue;
        SimConnection& connection = *connections_.at(found->second);
        sessions_.erase(found);
        connection.session.reset();
        connection.server_end.open = false;
        server_closes(connection);
      }
    }
    if (core_ && core_->has_pending_commit() && !commit_scheduled_) {
      commit_scheduled_ = true;
      const int incarnation = incarnation_;
      clock_.at_us(clock_.now_us() + options_.commit_latency_us, [this, incarnation] {
        if (finished_ || !core_ || incarnation != incarnation_) return;
        commit_scheduled_ = false;
        core_->commit_pending(now_ms());
        process_core_actions();
      });
    }
    wake_core();
  }

  // The server's socket buffer drains at the link's rate: a big catch-up batch takes a
  // while to leave, and live messages can arrive meanwhile, as on a real link.
  void schedule_output_drained(server::SessionId session, std::size_t bytes) {
    std::size_t& pending_bytes = drain_pending_bytes_[session];
    pending_bytes += bytes;
    if (!drain_pending_.insert(session).second) return;
    const int incarnation = incarnation_;
    const std::int64_t transfer_us = static_cast<std::int64_t>(pending_bytes) * 1000 / options_.link_bytes_per_ms;
    clock_.at_us(clock_.now_us() + options_.link_latency_us + transfer_us, [this, session, incarnation] {
      drain_pending_.erase(session);
      drain_pending_bytes_.erase(session);
      if (finished_ || !core_ || incarnation != incarnation_ || !sessions_.count(session)) return;
      core_->on_output_drained(session, now_ms());
      process_core_actions();
    });
  }

  void wake_core() {
    if (!core_) return;
    const auto deadline = core_->next_deadline_ms();
    if (!deadline) return;
    const std::int64_t wake_us = std::max(*deadline * 1000, clock_.now_us());
    if (core_wake_us_ && *core_wake_us_ <= wake_us) return;
    core_wake_us_ = wake_us;
    clock_.at_us(wake_us, [this] {
      core_wake_us_.reset();
      if (finished_ || !core_) return;
      core_->on_timer(now_ms());
      process_core_actions();
    });
  }

  void wake_client(ChatClient& client) {
    const auto deadline = client.next_deadline_ms();
    if (!deadline) return;
    const std::int64_t wake_us = std::max(*deadline * 1000, clock_.now_us());
    auto& scheduled = client_wake_us_[client.name()];
    if (scheduled && *scheduled <= wake_us && *scheduled >= clock_.now_us()) return;
    scheduled = wake_us;
    ChatClient* client_pointer = &client;
    clock_.at_us(wake_us, [this, client_pointer] {
      client_wake_us_[client_pointer->name()].reset();
      if (finished_) return;
      client_pointer->on_timer(now_ms());
      pump(*client_pointer);
    });
  }

  const Scenario& scenario_;
  SimulationOptions options_;
  VirtualClock clock_;
  std::ostringstream history_;
  server::SqliteMessageStore store_;
  // What the core writes through: storage faults switch its mode (the preload, the
  // committed log and SIGKILL's rollback use store_ directly, as the harness would).
  server::StorageFaultStore faulty_store_{store_};
  std::unique_ptr<server::ChatServerCore> core_;
  int incarnation_ = 0;
  bool commit_scheduled_ = false;
  std::optional<std::int64_t> core_wake_us_;
  std::map<std::string, std::optional<std::int64_t>> client_wake_us_;
  std::set<server::SessionId> drain_pending_;
  std::map<server::SessionId, std::size_t> drain_pending_bytes_;
  server::SessionId next_session_ = 1;
  std::map<server::SessionId, std::uint64_t> sessions_;  // session -> connection id

  // Before faults_, which installs itself here when it is constructed.
  fi::TriggerListener trigger_listener_;
  fi::ControlPlane control_;
  ControlPlaneFaults faults_;
  bool accepting_ = true;
  std::vector<fi::ToxicSpec> toxics_;
  std::uint64_t accepted_ = 0;
  std::map<std::uint64_t, std::unique_ptr<SimConnection>> connections_;
  std::map<std::pair<std::string, TransportId>, std::uint64_t> by_transport_;
  std::uint64_t mask_counter_ = 0;
  bool finished_ = false;
};

}  // namespace

std::string simulate_scenario(const Scenario& scenario, const SimulationOptions& options) {
  SimulatedEnvironment environment(scenario, options);
  return environment.run();
}

}  // namespace resync::sim
