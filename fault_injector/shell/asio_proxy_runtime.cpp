#include "fault_injector/shell/asio_proxy_runtime.hpp"

namespace resync::fault_injector {

AsioProxyRuntime::~AsioProxyRuntime() { stop_all(); }

Result<std::string> AsioProxyRuntime::start(const ProxyDefinition& proxy, const std::vector<ToxicSpec>& toxics) {
  stop(proxy.name);
  Result<std::shared_ptr<ProxyListener>> listener =
      ProxyListener::open(context_, proxy, toxics, accepted_counters_[proxy.name]);
  if (!listener.ok()) return listener.error();
  listener.value()->start_accepting();
  listeners_[proxy.name] = listener.value();
  return listener.value()->bound_address();
}

void AsioProxyRuntime::stop(const std::string& proxy_name) {
  auto found = listeners_.find(proxy_name);
  if (found == listeners_.end()) return;
  found->second->stop();
  listeners_.erase(found);
}

void AsioProxyRuntime::forget(const std::string& proxy_name) {
  stop(proxy_name);
  accepted_counters_.erase(proxy_name);
}

void AsioProxyRuntime::toxic_added(const std::string& proxy_name, const ToxicSpec& toxic) {
  if (auto found = listeners_.find(proxy_name); found != listeners_.end()) found->second->toxic_added(toxic);
}

void AsioProxyRuntime::toxic_updated(const std::string& proxy_name, const ToxicSpec& toxic) {
  if (auto found = listeners_.find(proxy_name); found != listeners_.end()) found->second->toxic_updated(toxic);
}

void AsioProxyRuntime::toxic_removed(const std::string& proxy_name, const std::string& toxic_name) {
  if (auto found = listeners_.find(proxy_name); found != listeners_.end()) found->second->toxic_removed(toxic_name);
}

std::uint64_t AsioProxyRuntime::connections_accepted(const std::string& proxy_name) const {
  auto found = accepted_counters_.find(proxy_name);
  return found == accepted_counters_.end() ? 0 : found->second;
}

std::vector<ConnectionInfo> AsioProxyRuntime::connections(const std::string& proxy_name) const {
  auto found = listeners_.find(proxy_name);
  return found == listeners_.end() ? std::vector<ConnectionInfo>{} : found->second->connections();
}

void AsioProxyRuntime::stop_all() {
  for (auto& [name, listener] : listeners_) listener->stop();
  listeners_.clear();
}

}  // namespace resync::fault_injector
