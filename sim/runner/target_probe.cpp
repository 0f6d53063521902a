#include "sim/runner/target_probe.hpp"

#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "protocol/engineio_packet.hpp"
#include "sim/client/chat_client.hpp"
#include "sim/runner/websocket_client_connection.hpp"

namespace resync::sim {

namespace {

namespace asio = boost::asio;

// The probe polls its clients' timers and its own phase deadlines this often.
constexpr std::int64_t probe_tick_ms = 5;

class TargetProbe {
 public:
  TargetProbe(std::string host, std::uint16_t port, const std::string& chat_event, const std::string& offset_auth_field)
      : host_(std::move(host)), port_(port), nonce_(std::to_string(::getpid())),
        plain_(probe_client("resync-probe-plain-" + nonce_, SendMode::plain), {chat_event, offset_auth_field}, 1),
        acked_(probe_client("resync-probe-acked-" + nonce_, SendMode::acked), {chat_event, offset_auth_field}, 2) {}

  ProbeObservations run() {
    started_ = std::chrono::steady_clock::now();
    phase_deadline_ms_ = probe_connect_wait_ms;
    plain_.connect(0);
    acked_.connect(0);
    pump(plain_);
    pump(acked_);
    tick();
    io_.run();
    return seen_;
  }

 private:
  enum class Phase { connecting, awaiting_broadcast, awaiting_ack, done };

  static ClientSpec probe_client(std::string name, SendMode send_mode) {
    ClientSpec spec;
    spec.name = std::move(name);
    spec.policy = ClientPolicy::dedupe;
    spec.send_mode = send_mode;
    spec.ack_timeout_ms = probe_ack_wait_ms;
    spec.retries = 0;  // one try: a resend would only stretch the wait
    return spec;
  }

  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_).count();
  }

  std::string plain_content() const { return "resync probe " + nonce_ + " (plain)"; }
  std::string acked_content() const { return "resync probe " + nonce_ + " (acked)"; }

  void tick() {
    if (phase_ == Phase::done) return;
    const std::int64_t now = now_ms();
    for (ChatClient* client : {&plain_, &acked_}) {
      const auto deadline = client->next_deadline_ms();
      if (deadline && *deadline <= now) {
        client->on_timer(now);
        pump(*client);
      }
    }
    advance(now);
    if (phase_ == Phase::done) return;
    timer_.expires_after(std::chrono::milliseconds(probe_tick_ms));
    timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error) tick();
    });
  }

  // Moves on when the awaited answer came or its wait ran out; each phase has its own bound.
  void advance(std::int64_t now) {
    const bool waited_out = now >= phase_deadline_ms_;
    switch (phase_) {
      case Phase::connecting:
        if (plain_.connected() && acked_.connected()) {
          seen_.socketio_connected = true;
          plain_.send(plain_content(), now);
          pump(plain_);
          enter(Phase::awaiting_broadcast, now + probe_broadcast_wait_ms);
        } else if (waited_out) {
          finish();
        }
        return;
      case Phase::awaiting_broadcast:
        if (seen_.broadcast_with_id || waited_out) {
          acked_.send(acked_content(), now);
          pump(acked_);
          // The client's own ack timeout fires at the same bound; a little more lets it report.
          enter(Phase::awaiting_ack, now + probe_ack_wait_ms + probe_tick_ms * 4);
        }
        return;
      case Phase::awaiting_ack:
        if (seen_.acknowledged || ack_given_up_ || waited_out) finish();
        return;
      case Phase::done:
        return;
    }
  }

  void enter(Phase phase, std::int64_t deadline_ms) {
    phase_ = phase;
    phase_deadline_ms_ = deadline_ms;
  }

  void finish() {
    phase_ = Phase::done;
    timer_.cancel();
    for (auto& [transport, connection] : connections_) connection->close();
    connections_.clear();
    io_.stop();
  }

  void pump(ChatClient& client) {
    for (auto& action : client.take_actions()) {
      if (auto* open = std::get_if<OpenTransport>(&action)) {
        open_transport(client, *open);
      } else if (auto* frame = std::get_if<SendFrame>(&action)) {
        const auto found = connections_.find({&client, frame->transport});
        if (found != connections_.end()) found->second->send_text(std::move(frame->text));
      } else if (auto* close = std::get_if<CloseTransport>(&action)) {
        const auto found = connections_.find({&client, close->transport});
        if (found != connections_.end()) {
          found->second->close();
          connections_.erase(found);
        }
      } else if (auto* event = std::get_if<RecordEvent>(&action)) {
        observe(event->event);
      }
    }
  }

  // The clients' history records are what the probe learns from.
  void observe(const nlohmann::json& event) {
    const std::string type = event.value("type", "");
    if (type == "received" && event.value("content", "") == plain_content()) {
      seen_.broadcast_with_id = true;  // ChatClient reports only events whose third argument is an integer id
    } else if (type == "acked") {
      seen_.acknowledged = true;
    } else if (type == "send_abandoned") {
      ack_given_up_ = true;
    } else if ((type == "connect_error" || type == "disconnected") && !seen_.socketio_connected) {
      if (seen_.transport_problem.empty()) seen_.transport_problem = event.value("message", event.value("reason", ""));
    }
  }

  void open_transport(ChatClient& client, const OpenTransport& open) {
    ChatClient* client_pointer = &client;
    const TransportId transport = open.transport;
    auto first_frame = std::make_shared<bool>(true);
    WebSocketClientCallbacks callbacks;
    callbacks.on_open = [this, client_pointer, transport] {
      seen_.websocket_opened = true;
      client_pointer->on_transport_open(transport, now_ms());
      pump(*client_pointer);
    };
    callbacks.on_text = [this, client_pointer, transport, first_frame](std::string text) {
      if (*first_frame) {
        *first_frame = false;
        const auto packet = protocol::engineio::parse_packet(text);
        if (packet && packet->type == protocol::engineio::PacketType::open &&
            protocol::engineio::parse_open_packet_data(packet->data)) {
          seen_.engineio_open_packet = true;
        } else if (seen_.transport_problem.empty()) {
          seen_.transport_problem = "first frame: " + text.substr(0, first_frame_quote_bytes_max);
        }
      }
      client_pointer->on_text_frame(transport, text, now_ms());
      pump(*client_pointer);
      advance(now_ms());
    };
    callbacks.on_closed = [this, client_pointer, transport](std::string reason) {
      connections_.erase({client_pointer, transport});
      if (!seen_.socketio_connected && seen_.transport_problem.empty()) seen_.transport_problem = reason;
      client_pointer->on_transport_closed(transport, reason, now_ms());
      pump(*client_pointer);
    };
    connections_[{client_pointer, transport}] = WebSocketClientConnection::open(io_, host_, port_, open.query, std::move(callbacks));
  }

  static constexpr std::size_t first_frame_quote_bytes_max = 80;

  asio::io_context io_;
  asio::steady_timer timer_{io_};
  std::string host_;
  std::uint16_t port_;
  std::string nonce_;  // keeps this run's probe messages apart from earlier runs' in a long-lived target
  ChatClient plain_;
  ChatClient acked_;
  // Both clients' transports: ChatClient numbers them from 1 each, so keep them apart.
  using ConnectionKey = std::pair<const ChatClient*, TransportId>;
  std::map<ConnectionKey, std::shared_ptr<WebSocketClientConnection>> connections_;
  std::chrono::steady_clock::time_point started_;
  Phase phase_ = Phase::connecting;
  std::int64_t phase_deadline_ms_ = 0;
  bool ack_given_up_ = false;
  ProbeObservations seen_;
};

}  // namespace

TargetFindings probe_target(const std::string& host, std::uint16_t port, const std::string& target,
                            const std::string& chat_event, const std::string& offset_auth_field) {
  TargetProbe probe(host, port, chat_event, offset_auth_field);
  return decide_findings(target, chat_event, probe.run());
}

}  // namespace resync::sim
