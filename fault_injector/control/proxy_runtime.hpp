#pragma once
// What the control plane needs from the network side, and nothing more. The Asio shell
// implements it with real sockets; unit tests (and the step-4 simulator) use their own.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fault_injector/core/connection_pipeline.hpp"
#include "fault_injector/core/result.hpp"
#include "fault_injector/core/toxic_spec.hpp"

namespace resync::fault_injector {

struct ProxyDefinition {
  std::string name;
  std::string listen;    // "host:port"; port 0 picks a free one
  std::string upstream;  // "host:port"
  bool enabled = true;
};

struct ConnectionInfo {
  std::uint64_t id = 0;
  std::optional<std::string> tag;
  std::string client_address;
  std::uint64_t bytes_upstream = 0;    // read from the client
  std::uint64_t bytes_downstream = 0;  // read from the server
  std::vector<ToxicOnConnection> toxics;
};

class ProxyRuntime {
 public:
  virtual ~ProxyRuntime() = default;
  // Starts listening and accepting with `toxics` in place. Returns the bound address
  // ("127.0.0.1:40123"); 400 for an address that cannot be parsed, 500 when it cannot bind.
  virtual Result<std::string> start(const ProxyDefinition& proxy, const std::vector<ToxicSpec>& toxics) = 0;
  // Stops accepting and drops every live connection of the proxy.
  virtual void stop(const std::string& proxy_name) = 0;
  // The proxy is deleted: forget its connection counter too.
  virtual void forget(const std::string& proxy_name) = 0;
  // Changes to the toxics of a running proxy, applied to its live connections at once.
  virtual void toxic_added(const std::string& proxy_name, const ToxicSpec& toxic) = 0;
  virtual void toxic_updated(const std::string& proxy_name, const ToxicSpec& toxic) = 0;
  virtual void toxic_removed(const std::string& proxy_name, const std::string& toxic_name) = 0;
  // Connections accepted since the proxy was created (ids are 1, 2, 3, ...).
  virtual std::uint64_t connections_accepted(const std::string& proxy_name) const = 0;
  virtual std::vector<ConnectionInfo> connections(const std::string& proxy_name) const = 0;
  // Told of every trigger that fires on a connection of any proxy, under TriggerListener's
  // rules (synchronously, from inside the connection's byte handling). One listener; a new
  // one replaces the old.
  virtual void set_trigger_listener(TriggerListener listener) = 0;
};

}  // namespace resync::fault_injector
