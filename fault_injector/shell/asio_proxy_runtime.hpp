#pragma once
// ProxyRuntime over real sockets: one ProxyListener per enabled proxy, all on one io thread.
#include <map>
#include <memory>
#include <string>

#include "fault_injector/control/proxy_runtime.hpp"
#include "fault_injector/shell/proxy_listener.hpp"

namespace resync::fault_injector {

class AsioProxyRuntime final : public ProxyRuntime {
 public:
  explicit AsioProxyRuntime(ShellContext& context) : context_(context) {}
  ~AsioProxyRuntime() override;

  Result<std::string> start(const ProxyDefinition& proxy, const std::vector<ToxicSpec>& toxics) override;
  void stop(const std::string& proxy_name) override;
  void forget(const std::string& proxy_name) override;
  void toxic_added(const std::string& proxy_name, const ToxicSpec& toxic) override;
  void toxic_updated(const std::string& proxy_name, const ToxicSpec& toxic) override;
  void toxic_removed(const std::string& proxy_name, const std::string& toxic_name) override;
  std::uint64_t connections_accepted(const std::string& proxy_name) const override;
  std::vector<ConnectionInfo> connections(const std::string& proxy_name) const override;
  void set_trigger_listener(TriggerListener listener) override { context_.on_trigger_fired = std::move(listener); }

  void stop_all();

 private:
  ShellContext& context_;
  std::map<std::string, std::shared_ptr<ProxyListener>> listeners_;
  std::map<std::string, std::uint64_t> accepted_counters_;  // node-stable: listeners hold references
};

}  // namespace resync::fault_injector
