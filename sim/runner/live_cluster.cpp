#include "sim/runner/live_cluster.hpp"

#include <signal.h>

#include <future>
#include <limits>

#include <boost/asio/post.hpp>

#include "common/invariant.hpp"
#include "server/cluster/stream_tail_read.hpp"
#include "sim/checker/server_exits.hpp"
#include "sim/execution/scenario_execution.hpp"
#include "sim/execution/cluster_faults.hpp"
#include "sim/runner/node_status_reader.hpp"
#include "sim/runner/redis_listener_faults.hpp"
#include "sim/runner/redis_process.hpp"
#include "sim/runner/redis_stream_log.hpp"
#include "sim/runner/run_proxy.hpp"
#include "sim/runner/server_exit.hpp"
#include "sim/runner/server_log_relay.hpp"
#include "sim/runner/server_process.hpp"

namespace resync::sim {
namespace {

namespace asio = boost::asio;

constexpr std::int64_t redis_command_timeout_ms = 2000;
constexpr int node_stop_poll_interval_ms = 2;
// A node that has not exited this long after SIGTERM is SIGKILLed (its exit says escalated).
constexpr auto node_stop_grace_max = std::chrono::seconds(10);
// partition_node's toxic on a node's Redis listener, beside the scenario's own faults there:
// the ':' keeps it out of the names a scenario can give (sim/scenario's fault names).
constexpr const char* partition_fault_name = "harness:partition_node";
// A node's status is a local HTTP round trip; one that takes longer is not waited for.
constexpr auto node_status_read_max = std::chrono::milliseconds(500);

// A fault on the clients' link of every node: each listener is a proxy of its own, so a
// fault is added to all of them (a toxic's nth_connection and connection_id count per node).
// Watches (process faults on a trigger) are for single servers: the loader refuses
// kill_server in a cluster.
class EveryNodeFaults final : public FaultControl {
 public:
  explicit EveryNodeFaults(std::vector<FaultControl*> proxies) : proxies_(std::move(proxies)) {}

  std::optional<std::string> add_fault(const std::string& name, const nlohmann::json& toxic) override {
    for (std::size_t index = 0; index < proxies_.size(); ++index) {
      if (auto refused = proxies_[index]->add_fault(name, toxic)) {
        for (std::size_t added = 0; added < index; ++added) proxies_[added]->heal(name);
        return refused;
      }
    }
    return std::nullopt;
  }
  void heal(const std::string& name) override {
    for (FaultControl* proxy : proxies_) proxy->heal(name);
  }
  void heal_all() override {
    for (FaultControl* proxy : proxies_) proxy->heal_all();
  }
  std::optional<std::string> add_watch(const std::string&, const nlohmann::json&, WatchFired) override {
    return "process faults on a trigger are for single servers, not clusters";
  }
  void remove_watch(const std::string&) override {}
  void set_fault_fired_listener(WatchFired listener) override {
    for (FaultControl* proxy : proxies_) proxy->set_fault_fired_listener(listener);
  }

 private:
  std::vector<FaultControl*> proxies_;
};

std::vector<std::string> client_names(const Scenario& scenario) {
  std::vector<std::string> names;
  for (const ClientSpec& client : scenario.clients) names.push_back(client.name);
  return names;
}

}  // namespace

struct LiveCluster::Node {
  int index = 0;
  std::string node_id;
  std::uint16_t port = 0;  // the node's own port, kept across restarts (its client listener points there)
  std::unique_ptr<ServerProcess> process;
  std::shared_ptr<ServerLogRelay> log_relay;
  std::unique_ptr<RunProxy> client_listener;
  std::unique_ptr<RunProxy> redis_listener;
  struct Stopping {
    int signal = 0;
    int incarnation = 0;
    std::chrono::steady_clock::time_point since;
  };
  std::optional<Stopping> stopping;
  bool restart_when_stopped = false;
};

LiveCluster::LiveCluster(asio::io_context& io, const Scenario& scenario, LiveClusterLaunch launch, LiveClusterHooks hooks)
    : io_(io),
      scenario_(scenario),
      launch_(std::move(launch)),
      hooks_(std::move(hooks)),
      router_(scenario.server.nodes, scenario.server.routing, client_names(scenario)),
      stop_poll_timer_(io) {}

LiveCluster::~LiveCluster() {
  for (auto& node : nodes_) {
    if (node->log_relay) node->log_relay->close();
    if (node->process && node->process->running()) node->process->stop(SIGKILL);
  }
  stop_redis_link_thread();
  nodes_.clear();  // their listeners, while redis_link_io_ still exists
  redis_connection_.reset();
  if (redis_) redis_->stop(SIGKILL);
}

void LiveCluster::stop_redis_link_thread() {
  if (!redis_link_thread_.joinable()) return;
  redis_link_work_.reset();
  redis_link_io_.stop();
  redis_link_thread_.join();
}

void LiveCluster::on_redis_link_thread(const std::function<void()>& work) {
  if (!redis_link_thread_.joinable()) return work();
  std::promise<void> done;
  asio::post(redis_link_io_, [&] {
    work();
    done.set_value();
  });
  done.get_future().wait();
}

std::optional<std::string> LiveCluster::start() {
  RedisLaunch redis_launch;
  redis_launch.directory = (launch_.work_directory / "redis").string();
  redis_launch.log_path = (launch_.work_directory / "redis.log").string();
  redis_launch.fsync = scenario_.server.durability == "full" ? RedisFsync::always : RedisFsync::everysec;
  redis_launch.start_timeout_ms = launch_.start_timeout_ms;
  std::error_code ignored;
  std::filesystem::remove_all(redis_launch.directory, ignored);
  std::filesystem::remove(redis_launch.log_path, ignored);
  redis_ = std::make_unique<RedisProcess>(redis_launch);
  if (auto error = redis_->start()) return error;

  for (int index = 0; index < scenario_.server.nodes; ++index) {
    auto node = std::make_unique<Node>();
    node->index = index;
    node->node_id = "node-" + std::to_string(index);
    std::string error;
    node->redis_listener = start_run_proxy(redis_link_io_, "127.0.0.1", redis_->port(),
                                           derive_seed(launch_.seed, 2000 + static_cast<std::uint64_t>(index)), error);
    if (!node->redis_listener) return "the fault proxy in front of Redis for " + node->node_id + " did not start: " + error;
    nodes_.push_back(std::move(node));
  }
  redis_link_work_.emplace(redis_link_io_.get_executor());
  redis_link_thread_ = std::thread([this] { redis_link_io_.run(); });

  ClusterFaultLinks links;
  std::vector<FaultControl*> client_proxies;
  for (int index = 0; index < scenario_.server.nodes; ++index) {
    std::string error;
    if (auto start_error = start_node_process(index)) return start_error;
    Node& started = *nodes_[static_cast<std::size_t>(index)];
    // Node 0's client listener draws from the seed a single server's proxy has.
    const std::uint64_t seed = index == 0 ? derive_seed(launch_.seed, 0) : derive_seed(launch_.seed, 1000 + static_cast<std::uint64_t>(index));
    started.client_listener = start_run_proxy(io_, "127.0.0.1", started.port, seed, error);
    if (!started.client_listener) return "the fault proxy in front of " + started.node_id + " did not start: " + error;
    client_proxies.push_back(started.client_listener.get());
    redis_listener_faults_.push_back(std::make_unique<RedisListenerFaults>(
        *started.redis_listener, [this](const std::function<void()>& work) { on_redis_link_thread(work); }, io_));
    links.node_redis.push_back(redis_listener_faults_.back().get());
  }
  links.node_clients = client_proxies;
  every_node_client_faults_ = std::make_unique<EveryNodeFaults>(std::move(client_proxies));
  links.every_node_clients = every_node_client_faults_.get();
  faults_ = std::make_unique<ClusterFaults>(std::move(links));
  return std::nullopt;
}

std::optional<std::string> LiveCluster::start_node_process(int index) {
  Node& node = *nodes_.at(static_cast<std::size_t>(index));
  if (!node.process) {
    const std::filesystem::path directory = launch_.work_directory / node.node_id;
    std::error_code ignored;
    std::filesystem::remove_all(directory, ignored);
    std::filesystem::create_directories(directory, ignored);
    node.log_relay = std::make_shared<ServerLogRelay>(hooks_.wake_for_server_logs);
    ServerLaunch launch;
    launch.stderr_path = (directory / "server.stderr").string();
    launch.start_timeout_ms = launch_.start_timeout_ms;
    const std::string redis_url = "redis://127.0.0.1:" + std::to_string(node.redis_listener->port());
    if (external()) {
      launch.shell_command = launch_.target_command;
      launch.run_directory = launch_.run_directory;
      launch.extra_environment = {"NODE_INDEX=" + std::to_string(index), "REDIS_URL=" + redis_url};
      node.process = std::make_unique<ServerProcess>(launch);
      return start_node_process(index);
    }
    launch.on_stderr_line = [relay = node.log_relay](int incarnation, std::string line) { relay->push(incarnation, line); };
    const ServerSpec& server = scenario_.server;
    // A cluster node keeps its messages in the shared log (resync serve refuses --db with
    // --redis); its link to Redis goes through its own proxy listener.
    launch.serve_arguments = {launch_.resync_executable, "serve", "--host", "127.0.0.1",
                              "--redis", redis_url,
                              "--node-id", node.node_id, "--delivery", server.delivery,
                              "--durability", server.durability,
                              "--ping-interval-ms", std::to_string(server.ping_interval_ms),
                              "--ping-timeout-ms", std::to_string(server.ping_timeout_ms),
                              "--recovery-window-ms", std::to_string(server.recovery_window_ms)};
    if (!server.recovery) launch.serve_arguments.push_back("--no-recovery");
    if (server.write_queue_bytes_max != ServerSpec{}.write_queue_bytes_max) {
      launch.serve_arguments.insert(launch.serve_arguments.end(),
                                    {"--write-queue-bytes-max", std::to_string(server.write_queue_bytes_max)});
    }
    if (!server.planted_bug.empty()) {
      launch.serve_arguments.insert(launch.serve_arguments.end(), {"--planted-bug", server.planted_bug});
    }
    node.process = std::make_unique<ServerProcess>(launch);
  }
  if (auto error = node.process->start(node.port)) return node.node_id + ": " + *error;
  node.port = node.process->port();
  history::ServerStarted started{node.process->port(), node.process->pid(), node.process->incarnation()};
  started.node = index;
  hooks_.record(std::move(started));
  return std::nullopt;
}

FaultControl& LiveCluster::faults() {
  RESYNC_ASSERT(faults_ != nullptr, "faults are put on a cluster between its start and its finish");
  return *faults_;
}

int LiveCluster::route_new_session(const std::string& client) {
  return router_.route_new_session(client, [this](int node) { return node_running(node); });
}

std::uint16_t LiveCluster::client_port(int node) const {
  return nodes_.at(static_cast<std::size_t>(node))->client_listener->port();
}

bool LiveCluster::node_running(int index) const {
  if (index < 0 || static_cast<std::size_t>(index) >= nodes_.size()) return false;
  const Node& node = *nodes_[static_cast<std::size_t>(index)];
  return node.process && node.process->running() && !node.stopping;
}

bool LiveCluster::every_node_running() const {
  for (int index = 0; index < static_cast<int>(nodes_.size()); ++index) {
    if (!node_running(index)) return false;
  }
  return true;
}

bool LiveCluster::start_pending() const {
  for (const auto& node : nodes_) {
    if (node->restart_when_stopped) return true;
  }
  return false;
}

// A node already down stops nothing, as kill_server on a stopped server.
std::optional<std::string> LiveCluster::stop_node(int index, int signal) {
  if (!node_running(index)) return std::nullopt;
  Node& node = *nodes_.at(static_cast<std::size_t>(index));
  node.stopping = Node::Stopping{signal, node.process->incarnation(), std::chrono::steady_clock::now()};
  node.process->signal(signal);
  poll_stopping_nodes();
  return std::nullopt;
}

void LiveCluster::start_node(int index) {
  Node& node = *nodes_.at(static_cast<std::size_t>(index));
  if (node.stopping) {
    node.restart_when_stopped = true;  // the old process still holds the port
    return;
  }
  if (node.process->running()) return;
  node.restart_when_stopped = false;
  if (auto error = start_node_process(index)) hooks_.record(history::ServerFailed{*error});
}

void LiveCluster::start_every_node_down() {
  for (int index = 0; index < static_cast<int>(nodes_.size()); ++index) {
    if (!node_running(index)) start_node(index);
  }
}

void LiveCluster::poll_stopping_nodes() {
  bool still_stopping = false;
  for (auto& node : nodes_) {
    if (!node->stopping) continue;
    if (node->process->try_reap()) {
      record_stopped(node->index, node->stopping->signal);
      node->stopping.reset();
      if (node->restart_when_stopped) start_node(node->index);
      continue;
    }
    if (std::chrono::steady_clock::now() - node->stopping->since > node_stop_grace_max) node->process->escalate();
    still_stopping = true;
  }
  if (!still_stopping) return;
  stop_poll_timer_.expires_after(std::chrono::milliseconds(node_stop_poll_interval_ms));
  stop_poll_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) poll_stopping_nodes();
  });
}

void LiveCluster::notice_unrequested_exits() {
  for (auto& node : nodes_) {
    if (node->stopping || !node->process || !node->process->running() || !node->process->try_reap()) continue;
    record_stopped(node->index, std::nullopt);
  }
}

// As the single server's line: the stderr goes in only when the checker calls the stop a
// crash (sim/checker/server_exits has the rule).
void LiveCluster::record_stopped(int index, std::optional<int> sent_signal) {
  record_server_logs();
  Node& node = *nodes_.at(static_cast<std::size_t>(index));
  const ServerExit exit = node.process->last_exit().value_or(ServerExit{});
  history::ServerStopped stopped;
  stopped.signal = sent_signal ? signal_name(*sent_signal) : "exit";
  stopped.incarnation = node.stopping ? node.stopping->incarnation : node.process->incarnation();
  stopped.requested = sent_signal.has_value();
  if (exit.exit_status) stopped.exit_status = *exit.exit_status;
  if (exit.exit_signal) stopped.exit_signal = signal_name(*exit.exit_signal);
  stopped.sanitizer_report = exit.sanitizer_report;
  stopped.escalated = exit.escalated;
  stopped.node = index;
  if (checker::why_server_stop_is_a_crash(stopped)) stopped.detail = exit_detail(exit);
  hooks_.record(std::move(stopped));
}

std::optional<std::string> LiveCluster::stop_redis(int signal, std::string& error) {
  if (!redis_->running()) {
    error = "Redis is not running";
    return std::nullopt;
  }
  const pid_t pid = redis_->pid();
  redis_connection_.reset();
  redis_->stop(signal);
  return signal_name(signal) + " to redis-server " + std::to_string(pid) + " on 127.0.0.1:" + std::to_string(redis_->port());
}

std::optional<std::string> LiveCluster::start_redis(std::string& error) {
  if (auto start_error = redis_->start()) {
    error = *start_error;
    return std::nullopt;
  }
  return "redis-server " + std::to_string(redis_->pid()) + " answers PING again on 127.0.0.1:" +
         std::to_string(redis_->port()) + " (same directory: its AOF replayed)";
}

bool LiveCluster::redis_running() const { return redis_ && redis_->running(); }

RedisConnection* LiveCluster::redis_connection() {
  if (!redis_connection_ && redis_running()) {
    std::string ignored;
    redis_connection_ = RedisConnection::open(redis_->port(), redis_command_timeout_ms, ignored);
  }
  return redis_connection_ ? &*redis_connection_ : nullptr;
}

bool LiveCluster::some_node_holds_unsettled_writes() {
  if (external()) return false;
  for (const auto& node : nodes_) {
    if (!node_running(node->index)) continue;
    const auto status = read_node_status("127.0.0.1", node->port, node_status_read_max);
    if (const auto* answered = std::get_if<NodeStatus>(&status); answered != nullptr && answered->pending_commit) return true;
  }
  return false;
}

std::uint16_t LiveCluster::node_port(int node) const { return nodes_.at(static_cast<std::size_t>(node))->port; }

std::optional<std::string> LiveCluster::trim_stream(std::int64_t keep_last, std::string& error) {
  if (external()) {
    error = "an external cluster's stream has its own key layout; trim_stream acts on resync serve's " + cluster_log_key();
    return std::nullopt;
  }
  RedisConnection* connection = redis_connection();
  if (connection == nullptr) {
    error = "Redis is not reachable";
    return std::nullopt;
  }
  // What the trim removes was committed all the same: it is kept here and joins the
  // committed log at the end, so the checker judges the clients against every committed row.
  auto before = read_stream_log(*connection, cluster_log_key(), error);
  if (!before) {
    redis_connection_.reset();
    return std::nullopt;
  }
  auto done = trim_stream_keep_last(*connection, cluster_log_key(), keep_last, error);
  if (!done) {
    redis_connection_.reset();
    return std::nullopt;
  }
  auto after = read_stream_log(*connection, cluster_log_key(), error);
  if (!after) {
    redis_connection_.reset();
    return std::nullopt;
  }
  const std::int64_t first_kept = after->empty() ? std::numeric_limits<std::int64_t>::max() : after->front().id;
  for (history::CommittedMessage& message : *before) {
    if (message.id < first_kept) trimmed_messages_.emplace(message.id, std::move(message));
  }
  return done;
}

std::optional<std::string> LiveCluster::partition_node(int index, PartitionMode mode, std::string& error) {
  Node& node = *nodes_.at(static_cast<std::size_t>(index));
  // stall: bytes both ways are swallowed and the connections stay open (timeout 0 never
  // closes); drop: every connection of the link, and each new one, is reset.
  const nlohmann::json toxic = mode == PartitionMode::stall
                                   ? nlohmann::json{{"type", "timeout"}, {"stream", "both"}, {"attributes", {{"timeout", 0}}}}
                                   : nlohmann::json{{"type", "reset_peer"}, {"stream", "both"}, {"attributes", {{"timeout", 0}}}};
  std::optional<std::string> refused;
  on_redis_link_thread([&] { refused = node.redis_listener->add_fault(partition_fault_name, toxic); });
  if (refused) {
    error = *refused;
    return std::nullopt;
  }
  return toxic.dump() + " on " + node.node_id + "'s Redis listener 127.0.0.1:" + std::to_string(node.redis_listener->port());
}

void LiveCluster::heal_partition(int index) {
  RunProxy& listener = *nodes_.at(static_cast<std::size_t>(index))->redis_listener;
  on_redis_link_thread([&] { listener.heal(partition_fault_name); });
}

std::int64_t LiveCluster::committed_highest_id() {
  constexpr std::int64_t out_of_sight = std::numeric_limits<std::int64_t>::max();
  RedisConnection* connection = redis_connection();
  if (connection == nullptr) return out_of_sight;
  std::string error;
  const auto reply = connection->command({"XREVRANGE", cluster_log_key(), "+", "-", "COUNT", "1"}, redis_command_timeout_ms, error);
  if (!reply || !reply->is_array()) {
    redis_connection_.reset();
    return out_of_sight;
  }
  if (reply->elements.empty()) return 0;
  const auto& entry = reply->elements.front();
  if (!entry.is_array() || entry.elements.empty()) return out_of_sight;
  return server::cluster::parse_log_entry_id(entry.elements.front().text).value_or(out_of_sight);
}

void LiveCluster::record_server_logs() {
  for (auto& node : nodes_) {
    for (history::ServerLog& log : node->log_relay->take()) {
      log.node = node->index;
      hooks_.record(std::move(log));
    }
  }
}

void LiveCluster::finish() {
  stop_poll_timer_.cancel();
  notice_unrequested_exits();
  // The client listeners go first, as a single server's proxy does: the clients have closed
  // their sockets, and nothing runs the listeners while this thread waits for the nodes, so
  // a node would otherwise wait out its sessions' close timeout before it exits.
  // The faults go with them (they hold the listeners); the Redis listeners stay until the end.
  faults_.reset();
  every_node_client_faults_.reset();
  for (auto& node : nodes_) node->client_listener.reset();
  // Every node gets its SIGTERM first, so they shut down side by side.
  for (auto& node : nodes_) {
    if (node_running(node->index)) {
      node->stopping = Node::Stopping{SIGTERM, node->process->incarnation(), std::chrono::steady_clock::now()};
      node->process->signal(SIGTERM);
    }
  }
  for (auto& node : nodes_) {
    if (!node->stopping) continue;
    node->process->wait_for_exit();
    record_stopped(node->index, node->stopping->signal);
    node->stopping.reset();
  }
  record_server_logs();
  if (external()) {
    redis_->stop(SIGTERM);
    return;
  }
  std::string error;
  if (!redis_running()) {
    std::string start_error;
    if (auto started = start_redis(start_error); !started) error = "Redis is down and did not start again: " + start_error;
  }
  RedisConnection* connection = error.empty() ? redis_connection() : nullptr;
  if (error.empty() && connection == nullptr) error = "cannot connect to Redis on 127.0.0.1:" + std::to_string(redis_->port());
  std::optional<std::vector<history::CommittedMessage>> messages;
  if (connection != nullptr) messages = read_stream_log(*connection, cluster_log_key(), error);
  if (messages) {
    history::CommittedLog log;
    log.source = history::CommittedLogSource::database;
    for (auto& [id, message] : trimmed_messages_) {
      if (messages->empty() || id < messages->front().id) log.messages.push_back(std::move(message));
    }
    log.messages.insert(log.messages.end(), std::make_move_iterator(messages->begin()), std::make_move_iterator(messages->end()));
    hooks_.record(std::move(log));
  } else {
    hooks_.record(history::CommittedLogUnavailable{history::CommittedLogSource::database, std::nullopt,
                                                   "the cluster's stream " + cluster_log_key() + " could not be read: " + error});
  }
  redis_connection_.reset();
  redis_->stop(SIGTERM);
}

void LiveCluster::abandon() {
  stop_poll_timer_.cancel();
  for (auto& node : nodes_) {
    if (node->process && node->process->running()) node->process->stop(SIGKILL);
  }
  redis_connection_.reset();
  if (redis_) redis_->stop(SIGKILL);
}

}  // namespace resync::sim
