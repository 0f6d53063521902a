#pragma once
// A simulated cluster node's connection to the shared log: the node's real SharedLogClient
// (server/cluster) on the node's virtual-time scheduler, its three links carried by
// SimulatedRedis. It is the node's GroupCommitter and its table of lost sockets, as
// shell::SharedLogConnection is live; what the node reads from the log goes to the listener.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "server/cluster/shared_log_client.hpp"
#include "server/host/group_committer.hpp"
#include "server/host/log_sink.hpp"
#include "server/host/lost_socket_directory.hpp"
#include "sim/simulator/simulated_redis.hpp"
#include "sim/simulator/virtual_scheduler.hpp"

namespace resync::sim {

struct SimulatedSharedLogListener {
  std::function<void(std::vector<server::StoredMessage>)> on_entries;
  std::function<void(std::int64_t after_id, std::int64_t next_id)> on_gap;
  std::function<void(server::host::LogLevel, std::string)> on_log;
};

class SimulatedSharedLog final : public server::host::GroupCommitter, public server::host::LostSocketDirectory {
 public:
  SimulatedSharedLog(VirtualScheduler& scheduler, SimulatedRedis& redis, int node, server::cluster::SharedLogConfig config,
                     SimulatedSharedLogListener listener);
  // The node's process is gone: its links close, its timers are cancelled, nothing it
  // asked for is answered.
  ~SimulatedSharedLog() override;

  void start();

  // ---- GroupCommitter ----
  void submit(server::CommitRequest request, Completed completed) override;
  // A graceful stop does not wait for Redis in the simulator: the group in flight and what
  // is still pending fail (nothing of them is acknowledged; clients retry, and the script's
  // client_offset check stores a retry once, whatever Redis did with the first try).
  std::optional<server::CommitCompletion> finish_now() override;
  server::CommitCompletion commit_now(const server::CommitRequest& request) override;

  // ---- LostSocketDirectory ----
  void remember(const std::string& private_id, const server::DisconnectedSocket& socket, std::int64_t window_ms) override;
  void take(const std::string& private_id, Found found) override;

 private:
  std::int64_t now_ms() const { return scheduler_.now_us() / 1000; }
  void process();
  void carry_out(server::cluster::SharedLogAction& action);
  void rearm_timer();

  VirtualScheduler& scheduler_;
  SimulatedRedis& redis_;
  int node_ = 0;
  SimulatedSharedLogListener listener_;
  server::cluster::SharedLogClient client_;
  std::map<server::cluster::Link, std::uint64_t> connections_;  // the links open (or opening) at SimulatedRedis
  Completed completed_;
  std::optional<std::uint64_t> group_in_flight_;
  std::map<std::uint64_t, Found> lost_socket_answers_;
  std::optional<server::host::TimerId> wake_timer_;
  std::optional<std::int64_t> wake_ms_;
  // Expires with this object: link callbacks and posted work that come later do nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace resync::sim
