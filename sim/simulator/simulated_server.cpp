#include "sim/simulator/simulated_server.hpp"

#include <utility>

#include "server/core/planted_bug.hpp"
#include "server/host/scheduled_group_committer.hpp"
#include "sim/execution/scenario_execution.hpp"
#include "sim/simulator/sim_server_socket.hpp"

namespace resync::sim {

SimulatedServer::SimulatedServer(SimWorld& world, SimulatedNetwork& network, const Scenario& scenario,
                                 server::MessageStore& store, Record record)
    : world_(world), network_(network), scenario_(scenario), store_(store), record_(std::move(record)),
      scheduler_(world.clock) {}

SimulatedServer::~SimulatedServer() = default;

void SimulatedServer::start() {
  if (host_) return;
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
  config.seed = derive_seed(world_.options.seed, 1000 + static_cast<std::uint64_t>(incarnation_));
  server::host::HostOptions options;
  options.write_queue_bytes_max = scenario_.server.write_queue_bytes_max;
  // Simulated fsync: a commit group is durable this long after the core requested it; a stop
  // before then loses it, with the host.
  auto committer = std::make_unique<server::host::ScheduledGroupCommitter>(scheduler_, store_,
                                                                           world_.options.commit_latency_us);
  host_ = std::make_unique<server::host::ServerHost>(scheduler_, *this, config, store_, std::move(committer), options);
}

void SimulatedServer::commit_for_graceful_stop() {
  if (host_) host_->commit_now();
}

void SimulatedServer::stop() {
  if (!host_) return;
  host_.reset();
  sockets_.clear();
  // The kernel closes the server's sockets: the proxy sees the upstream end.
  network_.for_each([&](SimConnection& connection) {
    if (connection.upstream_connected && connection.server_end_open) {
      connection.server_end_open = false;
      network_.server_closes(connection);
    }
  });
}

void SimulatedServer::accept(SimConnection& connection) {
  if (host_) {
    connection.upstream_connected = true;
    sockets_[connection.id] = std::make_shared<SimServerSocket>(*this, connection);
    return;
  }
  // The proxy dials the server; with no server, it closes the client's connection.
  connection.server_end_open = false;
  const std::uint64_t id = connection.id;
  world_.clock.at_us(world_.clock.now_us() + world_.options.link_latency_us, [this, id] {
    if (!world_.finished) network_.reset_connection(network_.at(id), "transport close");
  });
}

void SimulatedServer::arrive(SimConnection& connection, const std::string& bytes, bool end_of_stream) {
  if (connection.finished || !connection.upstream_connected || !connection.server_end_open || !host_) return;
  const auto found = sockets_.find(connection.id);
  if (found == sockets_.end()) return;  // accepted by an earlier incarnation
  // The socket may end the session and be dropped by the host meanwhile: keep it alive.
  std::shared_ptr<SimServerSocket> socket = found->second;
  socket->receive(bytes, end_of_stream);
}

void SimulatedServer::connection_reset(SimConnection& connection) {
  if (!host_) return;
  const auto found = sockets_.find(connection.id);
  if (found == sockets_.end()) return;
  std::shared_ptr<SimServerSocket> socket = found->second;
  socket->reset();
}

void SimulatedServer::downstream_room(SimConnection& connection) {
  if (!host_) return;
  const auto found = sockets_.find(connection.id);
  if (found != sockets_.end()) found->second->flush();
}

void SimulatedServer::log(server::host::LogLevel level, std::string_view text) {
  // The level words are the live server's ("resync serve: warning: ..."), as the live runner
  // records them from its stderr.
  record_(history::ServerLog{std::string(server::host::log_level_name(level)), std::string(text), incarnation_});
}

}  // namespace resync::sim
