#pragma once
// The fault injector's operations, the same ones the Toxiproxy HTTP API exposes: proxies,
// their toxics, populate, reset, plus live connections. This is the C++ API; the HTTP layer
// is a thin translation over it. Every operation validates fully before it changes
// anything, so a rejected request leaves the state exactly as it was.
// Not thread-safe: it lives on the proxy's single io thread (FaultInjector posts to it).
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fault_injector/control/proxy_runtime.hpp"

namespace resync::fault_injector {

struct ProxyState {
  ProxyDefinition definition;
  std::vector<ToxicSpec> toxics;  // in chain order
};

class ControlPlane {
 public:
  static constexpr std::size_t kProxiesMax = 1024;
  static constexpr std::size_t kToxicsPerProxyMax = 64;

  explicit ControlPlane(ProxyRuntime& runtime) : runtime_(runtime) {}

  std::vector<ProxyState> proxies() const;
  Result<ProxyState> proxy(const std::string& name) const;
  Result<ProxyState> create_proxy(ProxyDefinition definition);
  // Toxiproxy's PATCH/POST /proxies/{name}: any of listen, upstream, enabled.
  Result<ProxyState> update_proxy(const std::string& name, const nlohmann::json& changes);
  Status delete_proxy(const std::string& name);
  // Creates or replaces many proxies at once (Toxiproxy's POST /populate). Entries may carry
  // a "toxics" array (Resync extension) that becomes the proxy's toxic list.
  Result<std::vector<ProxyState>> populate(const nlohmann::json& entries);
  // Enables every proxy and removes every toxic.
  Status reset();

  Result<std::vector<ToxicSpec>> toxics(const std::string& proxy_name) const;
  Result<ToxicSpec> toxic(const std::string& proxy_name, const std::string& toxic_name) const;
  Result<ToxicSpec> add_toxic(const std::string& proxy_name, ToxicSpec toxic);
  Result<ToxicSpec> add_toxic(const std::string& proxy_name, const nlohmann::json& body);
  Result<ToxicSpec> update_toxic(const std::string& proxy_name, const std::string& toxic_name,
                                 const nlohmann::json& changes);
  Status remove_toxic(const std::string& proxy_name, const std::string& toxic_name);

  Result<std::vector<ConnectionInfo>> connections(const std::string& proxy_name) const;

 private:
  ProxyState* find(const std::string& name);
  const ProxyState* find(const std::string& name) const;

  ProxyRuntime& runtime_;
  std::map<std::string, ProxyState> proxies_;  // ordered: listings are deterministic
};

Result<ProxyDefinition> parse_proxy_definition(const nlohmann::json& body);
nlohmann::json to_json(const ProxyState& proxy);
nlohmann::json to_json(const ConnectionInfo& connection);

}  // namespace resync::fault_injector
