#include "sim/runner/run_proxy.hpp"

#include "fault_injector/control/control_plane.hpp"
#include "fault_injector/shell/asio_proxy_runtime.hpp"
#include "fault_injector/shell/shell_context.hpp"
#include "sim/execution/control_plane_faults.hpp"

namespace resync::sim {

namespace {

constexpr const char* proxy_name = "resync";

// The fault injector's own proxy runtime and control plane, on the runner's io thread.
class InProcessProxy final : public RunProxy {
 public:
  InProcessProxy(boost::asio::io_context& io, std::uint64_t seed)
      : context_(io, seed), runtime_(context_), control_(runtime_), faults_(control_, runtime_, proxy_name) {}

  ~InProcessProxy() override { runtime_.stop_all(); }

  std::optional<std::string> start(const std::string& upstream_host, std::uint16_t upstream_port) {
    fault_injector::ProxyDefinition definition;
    definition.name = proxy_name;
    definition.listen = "127.0.0.1:0";
    definition.upstream = upstream_host + ":" + std::to_string(upstream_port);
    auto created = control_.create_proxy(definition);
    if (!created) return created.error().message;
    const std::string& bound = created->definition.listen;
    port_ = static_cast<std::uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1)));
    return std::nullopt;
  }

  std::uint16_t port() const override { return port_; }
  std::optional<std::string> add_fault(const std::string& name, const nlohmann::json& toxic) override {
    return faults_.add_fault(name, toxic);
  }
  void heal(const std::string& name) override { faults_.heal(name); }
  void heal_all() override { faults_.heal_all(); }
  std::optional<std::string> add_watch(const std::string& name, const nlohmann::json& toxic,
                                       WatchFired on_fired) override {
    return faults_.add_watch(name, toxic, std::move(on_fired));
  }
  void remove_watch(const std::string& name) override { faults_.remove_watch(name); }
  void set_fault_fired_listener(WatchFired listener) override { faults_.set_fault_fired_listener(std::move(listener)); }

 private:
  fault_injector::ShellContext context_;
  fault_injector::AsioProxyRuntime runtime_;
  fault_injector::ControlPlane control_;
  ControlPlaneFaults faults_;
  std::uint16_t port_ = 0;
};

}  // namespace

std::unique_ptr<RunProxy> start_run_proxy(boost::asio::io_context& io, const std::string& upstream_host,
                                          std::uint16_t upstream_port, std::uint64_t seed, std::string& error) {
  auto proxy = std::make_unique<InProcessProxy>(io, seed);
  if (auto problem = proxy->start(upstream_host, upstream_port)) {
    error = *problem;
    return nullptr;
  }
  return proxy;
}

}  // namespace resync::sim
