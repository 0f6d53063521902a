#pragma once
// The fault proxy in front of one simulated cluster node's links to Redis, as the live
// harness has a proxy listener in front of Redis for each node: every connection the node
// opens to Redis runs through the fault injector's real ConnectionPipeline, so a scenario's
// toxic on `"link": "redis"` does to the RESP bytes what it does live. It is the
// ProxyRuntime behind that node's control plane; its connection numbers count that node's
// connections to Redis (1, 2, ...), as the live listener's do. What leaves it is carried by
// SimulatedRedis (link latency, partitions, Redis down), which also tells it what the node
// and Redis write and close.
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fault_injector/control/proxy_runtime.hpp"
#include "fault_injector/core/connection_pipeline.hpp"
#include "sim/simulator/toxic_list_change.hpp"
#include "sim/simulator/sim_world.hpp"

namespace resync::sim {

// Where what leaves the proxy goes (SimulatedRedis), by SimulatedRedis's connection id.
class RedisLinkWire {
 public:
  virtual ~RedisLinkWire() = default;
  virtual void toward_redis(std::uint64_t connection, std::string bytes) = 0;
  // The node's close, after everything it wrote before it (only when the proxy held it back:
  // a close with nothing ahead of it is SimulatedRedis's own, see node_closes).
  virtual void end_toward_redis(std::uint64_t connection) = 0;
  virtual void toward_node(std::uint64_t connection, std::string bytes) = 0;
  // Redis's close after its last reply (a protocol error), after that reply.
  virtual void end_toward_node(std::uint64_t connection) = 0;
  // A toxic reset the connection (TCP RST at the proxy): both ends lose it at once.
  virtual void reset_from_proxy(std::uint64_t connection) = 0;
};

class SimulatedRedisLinkProxy final : public fault_injector::ProxyRuntime {
 public:
  SimulatedRedisLinkProxy(SimWorld& world, int node, RedisLinkWire& wire);

  // The control plane's name for node `node`'s proxy.
  static std::string proxy_name(int node) { return "redis-node-" + std::to_string(node); }

  // The node opened connection `connection` to Redis: accepted with every toxic in force.
  void accept(std::uint64_t connection);
  void from_node(std::uint64_t connection, const std::string& bytes);
  void from_redis(std::uint64_t connection, const std::string& bytes);
  // The node closed its end. True when the close passed at once with nothing held ahead of
  // it (no toxic on that stream): the caller closes at Redis as it always did. False: the
  // end comes out later through end_toward_redis, after what the toxics still hold.
  bool node_closes(std::uint64_t connection);
  void redis_closes(std::uint64_t connection);
  // The connection is gone at both ends (reset, refused, Redis down, closed): nothing queued
  // for it is written any more.
  void connection_gone(std::uint64_t connection);

  // ---- fault_injector::ProxyRuntime ----
  fault_injector::Result<std::string> start(const fault_injector::ProxyDefinition& proxy,
                                            const std::vector<fault_injector::ToxicSpec>& toxics) override;
  void stop(const std::string& proxy_name) override;
  void forget(const std::string& /*proxy_name*/) override {}
  void toxic_added(const std::string& proxy_name, const fault_injector::ToxicSpec& toxic) override;
  void toxic_updated(const std::string& proxy_name, const fault_injector::ToxicSpec& toxic) override;
  void toxic_removed(const std::string& proxy_name, const std::string& toxic_name) override;
  std::uint64_t connections_accepted(const std::string& /*proxy_name*/) const override { return accepted_; }
  void set_trigger_listener(fault_injector::TriggerListener listener) override { trigger_listener_ = std::move(listener); }
  std::vector<fault_injector::ConnectionInfo> connections(const std::string& proxy_name) const override;

 private:
  // A change to the toxic list: to the list and to each open connection of this proxy.
  void change_toxics(const ToxicListChange& change);
  struct ProxiedConnection {
    ProxiedConnection(std::uint64_t seed, const std::string& name, std::uint64_t number, std::uint64_t connection_in)
        : connection(connection_in), pipeline(seed, name, number) {}
    std::uint64_t connection = 0;  // SimulatedRedis's id
    fault_injector::ConnectionPipeline pipeline;  // its connection id: the node's own count
    std::optional<std::int64_t> reset_scheduled_us;
    std::array<std::optional<std::int64_t>, 2> drain_scheduled_us;
    std::optional<std::int64_t> trigger_wake_us;
    bool gone = false;
  };

  fault_injector::Instant instant() const { return fault_injector::Instant(world_.clock.now_us()); }
  ProxiedConnection* live(std::uint64_t connection);
  void write_through(ProxiedConnection& proxied, fault_injector::Direction direction, const std::string& bytes);
  void after_pipeline_change(ProxiedConnection& proxied);
  void drain(ProxiedConnection& proxied, fault_injector::Direction direction);
  void pass_on(ProxiedConnection& proxied, fault_injector::Direction direction, std::string bytes, bool end_of_stream);

  SimWorld& world_;
  int node_ = 0;
  std::string name_;
  RedisLinkWire& wire_;
  fault_injector::TriggerListener trigger_listener_;
  std::vector<fault_injector::ToxicSpec> toxics_;
  std::uint64_t accepted_ = 0;
  // Kept after they are gone (as the client network keeps its connections): a clock event
  // that comes late finds one marked gone, never a freed one. A node opens a few per
  // reconnect; the run's event limit bounds them.
  std::map<std::uint64_t, std::unique_ptr<ProxiedConnection>> connections_;
};

}  // namespace resync::sim
