#pragma once
// An embedded cluster for one live run (docs/SCENARIOS.md, "Clusters"): the harness's Redis,
// N `resync serve --redis` nodes, and the in-process fault proxy in front of each link: one
// listener per node for its clients and one per node in front of Redis (a scenario's fault
// acts on the link and node(s) it names; partition_node on its node's Redis listener). It routes each
// new client session to a node (NodeRouter), stops and starts nodes and Redis for the
// cluster steps, records their server_started / server_stopped lines with the node, and at
// the end reads the committed log from the stream. Every process it started is stopped by
// its destructor, whatever path the run took.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "sim/execution/fault_control.hpp"
#include "sim/execution/node_router.hpp"
#include "sim/history/history_event.hpp"
#include "sim/runner/redis_connection.hpp"
#include "sim/scenario/scenario.hpp"

namespace resync::sim {

class RedisProcess;
class RunProxy;
class ServerProcess;
class ServerLogRelay;

struct LiveClusterLaunch {
  std::string resync_executable;
  std::filesystem::path work_directory;  // node-K/server.stderr, redis/, redis.log
  std::uint64_t seed = 1;
  std::int64_t start_timeout_ms = 10000;  // each node's and Redis's start
  // An external cluster: each node is this shell command (--target-cmd), with NODE_INDEX,
  // PORT, REDIS_URL (its Redis listener) and RESYNC_RUN_DIR (run_directory, one for every
  // node: the tutorial cluster app keeps its one database there). "": `resync serve` nodes.
  std::string target_command = {};
  std::string run_directory = {};
};

struct LiveClusterHooks {
  std::function<void(history::EventPayload)> record;
  // From a node's stderr thread: ask the run's thread to call record_server_logs() soon.
  std::function<void()> wake_for_server_logs;
};

class LiveCluster {
 public:
  LiveCluster(boost::asio::io_context& io, const Scenario& scenario, LiveClusterLaunch launch, LiveClusterHooks hooks);
  ~LiveCluster();
  LiveCluster(const LiveCluster&) = delete;
  LiveCluster& operator=(const LiveCluster&) = delete;

  // Redis, its proxy listeners, the nodes and their client listeners; an error says what
  // did not start (naming the log to read).
  std::optional<std::string> start();
  // The scenario's faults, by place: every node's or one node's client listener, or the
  // Redis listeners (sim/execution/cluster_faults.hpp).
  FaultControl& faults();

  // Routing: the node of a client's new session (decided at its `connecting` line) and the
  // client listener of that node.
  int route_new_session(const std::string& client);
  std::uint16_t client_port(int node) const;
  void hop(const std::string& client, int node) { router_.hop(client, node); }

  // Nodes. A node asked to stop counts as down at once (a heal that follows starts it).
  bool node_running(int node) const;
  bool every_node_running() const;
  bool start_pending() const;
  std::optional<std::string> stop_node(int node, int signal);
  void start_node(int node);
  void start_every_node_down();
  // Looks for nodes that exited although nothing asked (a crash): their server_stopped line.
  void notice_unrequested_exits();

  // Redis and the stream.
  std::optional<std::string> stop_redis(int signal, std::string& error);
  std::optional<std::string> start_redis(std::string& error);
  bool redis_running() const;
  std::optional<std::string> trim_stream(std::int64_t keep_last, std::string& error);
  std::optional<std::string> partition_node(int node, PartitionMode mode, std::string& error);
  void heal_partition(int node);
  // Some running `resync serve` node read messages it has not committed yet (its answer to
  // GET /resync/status). An external cluster's nodes, and a node that does not answer within
  // a moment, count as holding nothing: the harness cannot wait for what it cannot see.
  bool some_node_holds_unsettled_writes();
  // The stream's newest id (0 when empty); when Redis cannot be read, a value no client
  // reaches, so nothing looks converged while the log is out of sight.
  std::int64_t committed_highest_id();

  void record_server_logs();
  // The end of the run: every node stopped (SIGTERM, recorded), for `resync serve` nodes the
  // stream read into the committed log (an external cluster's stream is its own: the runner
  // audits its catch-up instead), Redis stopped.
  void finish();
  bool external() const { return !launch_.target_command.empty(); }
  // Node 0's own port, for the audit of an external cluster's catch-up.
  std::uint16_t node_port(int node) const;
  // The caller's deadline: SIGKILL everything, record nothing more.
  void abandon();

 private:
  struct Node;
  std::optional<std::string> start_node_process(int node);
  void poll_stopping_nodes();
  void record_stopped(int node, std::optional<int> sent_signal);
  RedisConnection* redis_connection();
  // Runs `work` on the Redis links' thread and waits for it (their proxies are its objects).
  void on_redis_link_thread(const std::function<void()>& work);
  void stop_redis_link_thread();

  boost::asio::io_context& io_;
  const Scenario& scenario_;
  LiveClusterLaunch launch_;
  LiveClusterHooks hooks_;
  NodeRouter router_;
  std::unique_ptr<RedisProcess> redis_;
  // The nodes' Redis listeners run on a thread of their own: a node that connects to Redis
  // before it listens (the tutorial cluster app) must reach it while the run's thread is
  // blocked in that node's start. Declared before nodes_, so it outlives their listeners.
  boost::asio::io_context redis_link_io_;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> redis_link_work_;
  std::thread redis_link_thread_;
  std::optional<RedisConnection> redis_connection_;  // the harness's own link, straight to Redis
  std::vector<std::unique_ptr<Node>> nodes_;
  std::unique_ptr<FaultControl> every_node_client_faults_;
  std::vector<std::unique_ptr<FaultControl>> redis_listener_faults_;  // by node, on redis_link_io_'s thread
  std::unique_ptr<FaultControl> faults_;
  boost::asio::steady_timer stop_poll_timer_;
  // Entries trim_stream steps removed from the stream, by id: committed rows all the same.
  std::map<std::int64_t, history::CommittedMessage> trimmed_messages_;
};

}  // namespace resync::sim
