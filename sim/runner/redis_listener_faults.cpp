#include "sim/runner/redis_listener_faults.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "sim/runner/run_proxy.hpp"

namespace resync::sim {

RedisListenerFaults::RedisListenerFaults(RunProxy& listener, OnLinkThread on_link_thread, boost::asio::io_context& run_io)
    : listener_(listener), on_link_thread_(std::move(on_link_thread)) {
  std::weak_ptr<bool> alive = alive_;
  // Set once, on the listener's thread: the proxy reads its listener there.
  on_link_thread_([&] {
    listener_.set_fault_fired_listener([this, alive, &run_io](const fault_injector::TriggerFiring& firing) {
      boost::asio::post(run_io, [this, alive, firing] {
        if (!alive.expired() && fired_listener_) fired_listener_(firing);
      });
    });
  });
}

std::optional<std::string> RedisListenerFaults::add_fault(const std::string& name, const nlohmann::json& toxic) {
  std::optional<std::string> refused;
  on_link_thread_([&] { refused = listener_.add_fault(name, toxic); });
  if (!refused) added_.insert(name);
  return refused;
}

// The proxy's heal: a timeout or reset_peer ends the connections it acted on (ControlPlaneFaults).
void RedisListenerFaults::heal(const std::string& name) {
  if (added_.erase(name) == 0) return;
  on_link_thread_([&] { listener_.heal(name); });
}

void RedisListenerFaults::heal_all() {
  const std::set<std::string> added = std::move(added_);
  added_.clear();
  on_link_thread_([&] {
    for (const std::string& name : added) listener_.heal(name);
  });
}

}  // namespace resync::sim
