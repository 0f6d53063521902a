#include "sim/simulator/simulated_server.hpp"

#include <utility>

#include "server/core/planted_bug.hpp"
#include "server/host/scheduled_group_committer.hpp"
#include "sim/execution/scenario_execution.hpp"
#include "sim/simulator/sim_server_socket.hpp"

namespace resync::sim {

SimulatedServer::SimulatedServer(SimWorld& world, SimulatedNetwork& network, const Scenario& scenario,
                                 server::MessageStore& store, Record record)
    : world_(world), network_(network), scenario_(scenario), store_(&store), record_(std::move(record)),
      scheduler_(world.clock) {}

SimulatedServer::SimulatedServer(SimWorld& world, SimulatedNetwork& network, const Scenario& scenario,
                                 SimulatedRedis& redis, int node, Record record)
    : world_(world), network_(network), scenario_(scenario), redis_(&redis), node_(node), record_(std::move(record)),
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
  if (redis_) {
    config.shared_log = true;
    // Every node draws other ids from its own seed (the nodes must not share socket ids).
    config.seed = derive_seed(world_.options.seed, 1000 + 100 * static_cast<std::uint64_t>(*node_ + 1) +
                                                       static_cast<std::uint64_t>(incarnation_));
    replica_ = std::make_unique<server::InMemoryLogReplica>();
    std::unique_ptr<SimulatedSharedLog> shared_log = make_shared_log(options);
    SimulatedSharedLog& started = *shared_log;
    host_ = std::make_unique<server::host::ServerHost>(scheduler_, *this, config, *replica_, std::move(shared_log), options);
    started.start();
    return;
  }
  // Simulated fsync: a commit group is durable this long after the core requested it; a stop
  // before then loses it, with the host.
  auto committer = std::make_unique<server::host::ScheduledGroupCommitter>(scheduler_, *store_,
                                                                           world_.options.commit_latency_us);
  host_ = std::make_unique<server::host::ServerHost>(scheduler_, *this, config, *store_, std::move(committer), options);
}

std::unique_ptr<SimulatedSharedLog> SimulatedServer::make_shared_log(server::host::HostOptions& options) {
  server::cluster::SharedLogConfig log_config;
  log_config.node_id = "node-" + std::to_string(*node_);
  SimulatedSharedLogListener listener;
  // What the node reads goes into its copy first, so a catch-up the core starts on hearing
  // of an entry finds it there.
  listener.on_entries = [this](std::vector<server::StoredMessage> entries) {
    if (!host_) return;
    replica_->append(entries);
    host_->on_log_entries(entries);
  };
  listener.on_gap = [this](std::int64_t after_id, std::int64_t next_id) {
    if (host_) host_->on_log_gap(after_id, next_id);
  };
  listener.on_log = [this](server::host::LogLevel level, std::string text) { log(level, text); };
  auto shared_log = std::make_unique<SimulatedSharedLog>(scheduler_, *redis_, *node_, log_config, std::move(listener));
  // The host owns it as its committer (destroyed first of the host's parts) and asks it as
  // its table of lost sockets.
  options.lost_sockets = shared_log.get();
  return shared_log;
}

void SimulatedServer::commit_for_graceful_stop() {
  if (host_) host_->commit_now();
}

void SimulatedServer::stop() {
  if (!host_) return;
  host_.reset();
  replica_.reset();
  sockets_.clear();
  // The kernel closes the server's sockets: the proxy sees the upstream end.
  network_.for_each([&](SimConnection& connection) {
    if (connection.node == node_.value_or(0) && connection.upstream_connected && connection.server_end_open) {
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
  history::ServerLog line{std::string(server::host::log_level_name(level)), std::string(text), incarnation_};
  if (node_) line.node = *node_;
  record_(std::move(line));
}

}  // namespace resync::sim
