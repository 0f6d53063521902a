#pragma once
// The cluster's Redis in a simulated run: the sans-I/O InMemoryRedis (server/cluster) behind
// one simulated TCP connection per link of each node, through that node's fault proxy
// (SimulatedRedisLinkProxy: the toxics of `"link": "redis"` faults), with the simulator's
// link latency each way, and the faults a scenario puts on it: Redis down (restart_redis), a
// node's links stalled or dropped (partition_node). A stalled link behaves as TCP does on a path that
// drops everything for a while: nothing arrives, and what was sent (a SYN, a request, a
// reply) is retransmitted and arrives once the path is back, unless an end gave up first. The nodes' SharedLogClients speak RESP bytes to it, as
// they do to a real redis-server live.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "server/cluster/in_memory_redis.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/simulator/sim_world.hpp"
#include "sim/simulator/simulated_redis_link_proxy.hpp"

namespace resync::sim {

// What a node's end of one link hears; nothing more once it has heard `closed`.
struct SimRedisLinkEnds {
  std::function<void()> opened;
  std::function<void(std::string bytes)> bytes;
  std::function<void()> closed;  // refused, reset, or Redis went away
};

class SimulatedRedis final : private RedisLinkWire {
 public:
  SimulatedRedis(SimWorld& world, int nodes);
  SimulatedRedis(const SimulatedRedis&) = delete;
  SimulatedRedis& operator=(const SimulatedRedis&) = delete;

  // Node `node`'s fault proxy in front of Redis, for its control plane.
  SimulatedRedisLinkProxy& link_proxy(int node) { return *link_proxies_.at(static_cast<std::size_t>(node)); }

  // Node `node` connects; the answer (opened, or closed: refused) comes a round trip later.
  std::uint64_t connect(int node, SimRedisLinkEnds ends);
  void send(std::uint64_t connection, std::string bytes);
  // The node closes its end: nothing more reaches it.
  void close(std::uint64_t connection);

  bool running() const { return running_; }
  // The process goes (connections reset, data kept: the AOF with appendfsync always) and
  // comes back on the same data.
  void stop();
  void start();
  void partition(int node, PartitionMode mode);
  void heal(int node);

  std::vector<server::StoredMessage> log_entries() { return redis_.log_entries(); }
  std::int64_t log_last_id() { return redis_.log_last_id(); }
  std::int64_t trim_keeping_last(std::int64_t keep_last) { return redis_.trim_keeping_last(keep_last); }

 private:
  struct Link {
    int node = 0;
    SimRedisLinkEnds ends;
    bool open_at_redis = false;  // Redis accepted it (connection_opened)
    bool resetting = false;      // reset: the node hears `closed` one latency later, Redis never opens it
    bool node_closed = false;    // the node closed its end: it hears nothing more
  };
  // Traffic of a stalled node's links, in the order it was sent, for when the path is back.
  struct HeldTraffic {
    std::uint64_t connection = 0;
    std::function<void()> resume;
  };
  bool stalled(int node) const;
  bool dropped(int node) const;
  // After one link latency, unless the link is gone by then.
  void to_node(std::uint64_t connection, std::function<void(Link&)> deliver);
  // The link ends at both sides; the node hears `closed` one latency later.
  void reset(std::uint64_t connection);
  void deliver_outputs();
  void rearm_timer();
  void open_at_redis(std::uint64_t connection);
  void hold(int node, std::uint64_t connection, std::function<void()> resume);
  // The node's close reaches Redis: the connection is gone there and here.
  void close_at_redis(std::uint64_t connection);

  // ---- RedisLinkWire: what leaves a node's proxy ----
  void toward_redis(std::uint64_t connection, std::string bytes) override;
  void end_toward_redis(std::uint64_t connection) override;
  void toward_node(std::uint64_t connection, std::string bytes) override;
  void end_toward_node(std::uint64_t connection) override;
  void reset_from_proxy(std::uint64_t connection) override { reset(connection); }
  SimulatedRedisLinkProxy& proxy_of(const Link& link) { return link_proxy(link.node); }

  SimWorld& world_;
  std::vector<std::unique_ptr<SimulatedRedisLinkProxy>> link_proxies_;  // by node
  server::cluster::InMemoryRedis redis_;
  bool running_ = true;
  std::map<int, PartitionMode> partitions_;
  std::map<int, std::vector<HeldTraffic>> held_;  // by node, while it is stalled
  std::map<std::uint64_t, Link> links_;  // ordered: a stop resets them in a fixed order
  std::uint64_t next_connection_ = 1;
  std::optional<std::int64_t> armed_wake_ms_;
};

}  // namespace resync::sim
