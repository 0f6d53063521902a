#include "sim/simulator/simulated_environment.hpp"

#include <signal.h>

#include <algorithm>
#include <utility>

#include "sim/simulator/node_client_listener.hpp"

namespace resync::sim {

namespace {

// A run that has not finished after this much virtual time beyond its own bounds is cut off.
constexpr std::int64_t run_overtime_ms = 60000;
constexpr std::uint64_t events_per_run_max = 50'000'000;

}  // namespace

SimulatedEnvironment::SimulatedEnvironment(const Scenario& scenario, const SimulationOptions& options)
    : scenario_(scenario),
      world_(options),
      network_(world_, *this),
      clients_(world_, network_, *this, [this](history::EventPayload event) { record(std::move(event)); }),
      control_(network_),
      faults_(control_, network_, simulated_proxy_name) {
  auto record_event = [this](history::EventPayload event) { record(std::move(event)); };
  if (!scenario.server.is_cluster()) {
    servers_.push_back(std::make_unique<SimulatedServer>(world_, network_, scenario, faulty_store_, record_event));
    return;
  }
  redis_.emplace(world_, scenario.server.nodes);
  network_.add_node_listeners(scenario.server.nodes);
  ClusterFaultLinks links;
  links.every_node_clients = &faults_;
  for (int index = 0; index < scenario.server.nodes; ++index) {
    node_client_faults_.push_back(
        std::make_unique<SimulatedProxyFaults>(network_.node_listener(index), NodeClientListener::proxy_name(index)));
    node_redis_faults_.push_back(
        std::make_unique<SimulatedProxyFaults>(redis_->link_proxy(index), SimulatedRedisLinkProxy::proxy_name(index)));
    links.node_clients.push_back(&node_client_faults_.back()->faults);
    links.node_redis.push_back(&node_redis_faults_.back()->faults);
  }
  cluster_faults_.emplace(std::move(links));
  for (int index = 0; index < scenario.server.nodes; ++index) {
    servers_.push_back(std::make_unique<SimulatedServer>(world_, network_, scenario, *redis_, index, record_event));
  }
  std::vector<std::string> names;
  for (const ClientSpec& client : scenario.clients) names.push_back(client.name);
  router_.emplace(scenario.server.nodes, scenario.server.routing, names);
}

history::History SimulatedEnvironment::run() {
  if (scenario_.server.preload_messages > 0) {
    for (std::int64_t index = 0; index < scenario_.server.preload_messages; ++index) {
      store_.insert("preloaded-" + std::to_string(index + 1), std::nullopt);
    }
    store_.commit();
  }
  fault_injector::ProxyDefinition proxy;
  proxy.name = simulated_proxy_name;
  proxy.listen = "127.0.0.1:0";
  proxy.upstream = "server:1";
  control_.create_proxy(proxy);

  ExecutionOptions execution_options;
  execution_options.seed = world_.options.seed;
  execution_options.mode = "sim";
  execution_options.target = "embedded";
  execution_options.delivery = scenario_.server.delivery;
  execution_options.replay = world_.options.replay;
  ScenarioExecution execution(scenario_, execution_options, *this);
  execution.record_run_started();
  start_server();
  execution.start();

  std::int64_t last_step_ms = 0;
  for (const Step& step : scenario_.timeline) last_step_ms = std::max(last_step_ms, step.at_ms);
  const std::int64_t cut_off_ms = last_step_ms + scenario_.converge_within_ms + run_overtime_ms;
  std::uint64_t events = 0;
  while (!world_.finished && world_.clock.run_next()) {
    if (++events > events_per_run_max || world_.clock.now_ms() > cut_off_ms) {
      record(history::RunFinished{false, "the simulation was cut off after " + std::to_string(events) + " events at " +
                                             std::to_string(world_.clock.now_ms()) + " ms of virtual time"});
      break;
    }
  }
  return std::move(history_);
}

FaultControl& SimulatedEnvironment::faults() {
  if (cluster_faults_) return *cluster_faults_;
  return faults_;
}

void SimulatedEnvironment::schedule(std::int64_t time_ms, std::function<void()> work) {
  world_.clock.at_us(time_ms * 1000, [this, work = std::move(work)] {
    if (!world_.finished) work();
  });
}

void SimulatedEnvironment::record_run_started(history::RunStarted run) {
  history_.run_started_t_ms = world_.clock.now_ms();
  history_.run = std::move(run);
}

void SimulatedEnvironment::record(history::EventPayload event) {
  if (router_) note_session_node(event);
  history_.events.push_back(history::HistoryEvent{world_.clock.now_ms(), std::move(event), 0});
}

bool SimulatedEnvironment::server_running() const {
  return std::all_of(servers_.begin(), servers_.end(), [](const auto& server) { return server->running(); });
}

void SimulatedEnvironment::stop_server(int signal) {
  for (int index = 0; index < static_cast<int>(servers_.size()); ++index) stop_one(index, signal);
}

void SimulatedEnvironment::stop_one(int index, int signal) {
  SimulatedServer& server = node(index);
  if (!server.running()) return;
  if (signal == SIGTERM) {
    server.commit_for_graceful_stop();  // a graceful stop commits what it holds
  }
  // SIGKILL loses exactly the commit group in flight and the messages waiting for it, which
  // go with the host: nothing of them was acknowledged.
  // The simulated server ends as the real one does when nothing goes wrong: exit 0 after
  // SIGTERM, death by SIGKILL (the fields of a live server_stopped, docs/HISTORY.md).
  history::ServerStopped stopped;
  stopped.signal = signal == SIGTERM ? "SIGTERM" : "SIGKILL";
  stopped.incarnation = server.incarnation();
  if (signal == SIGTERM) stopped.exit_status = 0;
  if (signal != SIGTERM) stopped.exit_signal = "SIGKILL";
  if (router_) stopped.node = index;
  record(std::move(stopped));
  server.stop();
}

// Always through the virtual clock, at the same instant for delay 0: the firing is inside a
// pipeline's on_bytes, and a stop closes the server's sockets, which feeds that pipeline.
void SimulatedEnvironment::stop_server_on_trigger(int signal, std::int64_t delay_us,
                                                  std::function<void()> on_signal_sent) {
  world_.clock.at_us(world_.clock.now_us() + delay_us, [this, signal, on_signal_sent = std::move(on_signal_sent)] {
    if (world_.finished || !server_running()) return;
    on_signal_sent();  // the signal is sent and the stop not yet recorded, as live
    stop_server(signal);
  });
}

void SimulatedEnvironment::start_server() {
  for (int index = 0; index < static_cast<int>(servers_.size()); ++index) start_one(index);
}

void SimulatedEnvironment::start_one(int index) {
  SimulatedServer& server = node(index);
  if (server.running()) return;
  server.start();
  history::ServerStarted started{0, 0, server.incarnation()};
  if (router_) started.node = index;
  record(std::move(started));
}

std::optional<std::int64_t> SimulatedEnvironment::committed_highest_id() {
  // Asked at every convergence poll: the stream's last id, not a read of the whole log.
  return redis_ ? redis_->log_last_id() : store_.last_committed_id();
}

int SimulatedEnvironment::session_node(const ChatClient& client) {
  if (!router_) return 0;
  const auto found = session_nodes_.find(client.name());
  if (found != session_nodes_.end()) return found->second;
  const int chosen = router_->route_new_session(client.name(), [this](int index) { return node(index).running(); });
  session_nodes_[client.name()] = chosen;
  return chosen;
}

void SimulatedEnvironment::note_session_node(history::EventPayload& event) {
  if (auto* connecting = std::get_if<history::ClientConnecting>(&event)) {
    const int chosen =
        router_->route_new_session(connecting->client, [this](int index) { return node(index).running(); });
    session_nodes_[connecting->client] = chosen;
    connecting->node = chosen;
  } else if (auto* connected = std::get_if<history::ClientConnected>(&event)) {
    const auto found = session_nodes_.find(connected->client);
    if (found != session_nodes_.end()) connected->node = found->second;
  }
}

void SimulatedEnvironment::hop_client(const std::string& client, int index) {
  if (router_) router_->hop(client, index);
}

bool SimulatedEnvironment::node_running(int index) const {
  return index >= 0 && index < static_cast<int>(servers_.size()) && servers_[static_cast<std::size_t>(index)]->running();
}

std::optional<std::string> SimulatedEnvironment::stop_node(int index, int signal) {
  if (!router_) return no_cluster_reason();
  stop_one(index, signal);
  return std::nullopt;
}

void SimulatedEnvironment::start_node(int index) {
  if (router_) start_one(index);
}

std::optional<std::string> SimulatedEnvironment::stop_redis(int signal, std::string& error) {
  if (!redis_) return RunEnvironment::stop_redis(signal, error);
  redis_->stop();
  return std::string("simulated Redis ") + (signal == SIGTERM ? "SIGTERM" : "SIGKILL") +
         ": its connections reset, its data kept (AOF, appendfsync always)";
}

std::optional<std::string> SimulatedEnvironment::start_redis(std::string& error) {
  if (!redis_) return RunEnvironment::start_redis(error);
  redis_->start();
  return std::string("simulated Redis started again on its data");
}

std::optional<std::string> SimulatedEnvironment::trim_stream(std::int64_t keep_last, std::string& error) {
  if (!redis_) return RunEnvironment::trim_stream(keep_last, error);
  // What the trim takes was committed all the same: the run's committed log keeps it.
  std::vector<server::StoredMessage> before = redis_->log_entries();
  const std::int64_t trimmed = redis_->trim_keeping_last(keep_last);
  before.resize(static_cast<std::size_t>(trimmed));
  for (server::StoredMessage& row : before) trimmed_log_.push_back(std::move(row));
  return "XTRIM resync:log MINID: " + std::to_string(trimmed) + " entries trimmed, the newest " +
         std::to_string(keep_last) + " kept";
}

std::optional<std::string> SimulatedEnvironment::partition_node(int index, PartitionMode mode, std::string& error) {
  if (!redis_) return RunEnvironment::partition_node(index, mode, error);
  redis_->partition(index, mode);
  return std::string("node ") + std::to_string(index) + "'s links to the simulated Redis " +
         (mode == PartitionMode::stall ? "swallow every byte (a black hole)" : "are reset, and new ones refused");
}

bool SimulatedEnvironment::server_holds_unsettled_writes() const {
  if (!redis_) return false;
  return std::any_of(servers_.begin(), servers_.end(),
                     [](const auto& server) { return server->running() && server->host().has_pending_commit(); });
}

void SimulatedEnvironment::heal_partition(int index) {
  if (redis_) redis_->heal(index);
}

// The simulated database fails at once where the live one may first stall: a held lock
// is SQLITE_BUSY without the embedded server's 5 s busy_timeout (docs/SCENARIOS.md).
StorageFaultAttempt SimulatedEnvironment::start_storage_fault(StorageFaultKind kind) {
  switch (kind) {
    case StorageFaultKind::lock_database: faulty_store_.set_mode(server::StorageFaultMode::busy); break;
    case StorageFaultKind::read_only: faulty_store_.set_mode(server::StorageFaultMode::read_only); break;
    case StorageFaultKind::full: faulty_store_.set_mode(server::StorageFaultMode::full); break;
  }
  return {StorageFaultAttempt::Outcome::started,
          "simulated store: writes fail with \"" + server::storage_fault_error_text(faulty_store_.mode()) + "\""};
}

void SimulatedEnvironment::finish() {
  world_.finished = true;
  history::CommittedLog log;
  // A cluster's committed log is its stream, as the live harness reads it from Redis.
  std::vector<server::StoredMessage> rows;
  if (redis_) {
    rows = std::move(trimmed_log_);
    for (server::StoredMessage& row : redis_->log_entries()) rows.push_back(std::move(row));
  } else {
    rows = store_.read_range(0, store_.last_committed_id(), static_cast<std::size_t>(-1) >> 1);
  }
  for (auto& row : rows) log.messages.push_back({row.id, std::move(row.content), std::move(row.client_offset)});
  record(std::move(log));
}

}  // namespace resync::sim
