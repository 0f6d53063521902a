#pragma once
// The scenario's faults on one live cluster node's Redis listener (`"link": "redis"`), seen
// from the run's thread. The listener's proxy runs on the Redis links' thread of its own
// (sim/runner/live_cluster.hpp says why), so every call is carried out there and waited for,
// and a trigger's firing, heard there, is posted back to the run's thread, where the
// history is written. The harness's own toxic on the same listener (partition_node's) is
// not one of these: heal_all heals only what was added here.
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "sim/execution/fault_control.hpp"

namespace boost::asio {
class io_context;
}

namespace resync::sim {

class RunProxy;

class RedisListenerFaults final : public FaultControl {
 public:
  // Runs `work` on the Redis links' thread and returns once it ran.
  using OnLinkThread = std::function<void(const std::function<void()>& work)>;

  RedisListenerFaults(RunProxy& listener, OnLinkThread on_link_thread, boost::asio::io_context& run_io);
  RedisListenerFaults(const RedisListenerFaults&) = delete;
  RedisListenerFaults& operator=(const RedisListenerFaults&) = delete;

  std::optional<std::string> add_fault(const std::string& name, const nlohmann::json& toxic) override;
  void heal(const std::string& name) override;
  void heal_all() override;
  // Process faults on a trigger watch the clients' Socket.IO traffic, not a Redis link.
  std::optional<std::string> add_watch(const std::string&, const nlohmann::json&, WatchFired) override {
    return "process faults on a trigger watch the clients' link, not a node's link to Redis";
  }
  void remove_watch(const std::string&) override {}
  void set_fault_fired_listener(WatchFired listener) override { fired_listener_ = std::move(listener); }

 private:
  RunProxy& listener_;
  OnLinkThread on_link_thread_;
  std::set<std::string> added_;  // the faults added here and not healed yet
  WatchFired fired_listener_;    // read on the run's thread only
  // Expires with this object: a firing posted to the run's thread afterwards does nothing.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace resync::sim
