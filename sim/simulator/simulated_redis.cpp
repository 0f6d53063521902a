#include "sim/simulator/simulated_redis.hpp"

#include <utility>
#include <vector>

namespace resync::sim {

SimulatedRedis::SimulatedRedis(SimWorld& world, int nodes) : world_(world) {
  for (int node = 0; node < nodes; ++node) {
    RedisLinkWire& wire = *this;
    link_proxies_.push_back(std::make_unique<SimulatedRedisLinkProxy>(world_, node, wire));
  }
}

bool SimulatedRedis::stalled(int node) const {
  const auto found = partitions_.find(node);
  return found != partitions_.end() && found->second == PartitionMode::stall;
}

bool SimulatedRedis::dropped(int node) const {
  const auto found = partitions_.find(node);
  return found != partitions_.end() && found->second == PartitionMode::drop;
}

void SimulatedRedis::to_node(std::uint64_t connection, std::function<void(Link&)> deliver) {
  world_.clock.at_us(world_.clock.now_us() + world_.options.link_latency_us, [this, connection, deliver = std::move(deliver)] {
    if (world_.finished) return;
    const auto found = links_.find(connection);
    if (found != links_.end() && !found->second.node_closed) deliver(found->second);
  });
}

std::uint64_t SimulatedRedis::connect(int node, SimRedisLinkEnds ends) {
  const std::uint64_t connection = next_connection_++;
  links_.emplace(connection, Link{node, std::move(ends)});
  // The node's proxy accepts at once, as a listener does; Redis answers a round trip later.
  link_proxy(node).accept(connection);
  if (stalled(node)) {
    hold(node, connection, [this, connection] { open_at_redis(connection); });
    return connection;
  }
  world_.clock.at_us(world_.clock.now_us() + world_.options.link_latency_us, [this, connection] {
    if (!world_.finished) open_at_redis(connection);
  });
  return connection;
}

void SimulatedRedis::open_at_redis(std::uint64_t connection) {
  const auto found = links_.find(connection);
  if (found == links_.end() || found->second.resetting) return;
  if (!running_ || dropped(found->second.node)) return reset(connection);
  if (stalled(found->second.node)) {
    return hold(found->second.node, connection, [this, connection] { open_at_redis(connection); });
  }
  found->second.open_at_redis = true;
  redis_.connection_opened(connection);
  to_node(connection, [](Link& link) { link.ends.opened(); });
}

void SimulatedRedis::hold(int node, std::uint64_t connection, std::function<void()> resume) {
  held_[node].push_back(HeldTraffic{connection, std::move(resume)});
}

void SimulatedRedis::send(std::uint64_t connection, std::string bytes) {
  const auto found = links_.find(connection);
  if (found == links_.end()) return;
  proxy_of(found->second).from_node(connection, bytes);
}

void SimulatedRedis::toward_redis(std::uint64_t connection, std::string bytes) {
  const auto found = links_.find(connection);
  if (found == links_.end()) return;
  auto arrive = [this, connection, bytes = std::move(bytes)] {
    if (world_.finished) return;
    const auto link = links_.find(connection);
    if (link == links_.end() || !link->second.open_at_redis) return;
    redis_.on_bytes(connection, bytes, world_.now_ms());
    deliver_outputs();
  };
  if (stalled(found->second.node)) return hold(found->second.node, connection, std::move(arrive));
  world_.clock.at_us(world_.clock.now_us() + world_.options.link_latency_us, std::move(arrive));
}

void SimulatedRedis::close(std::uint64_t connection) {
  const auto found = links_.find(connection);
  if (found == links_.end()) return;
  found->second.node_closed = true;
  // With a toxic holding bytes (or the end itself) back, the close follows them out of the
  // proxy and across the link, as TCP's FIN follows the data: end_toward_redis.
  if (proxy_of(found->second).node_closes(connection)) close_at_redis(connection);
}

void SimulatedRedis::close_at_redis(std::uint64_t connection) {
  const auto found = links_.find(connection);
  if (found == links_.end()) return;
  if (found->second.open_at_redis) redis_.connection_closed(connection);
  proxy_of(found->second).connection_gone(connection);
  links_.erase(found);
  deliver_outputs();  // a blocked read's connection going away changes nothing, but keep in step
}

void SimulatedRedis::end_toward_redis(std::uint64_t connection) {
  const auto found = links_.find(connection);
  if (found == links_.end()) return;
  auto arrive = [this, connection] {
    if (world_.finished) return;
    const auto link = links_.find(connection);
    if (link == links_.end()) return;
    if (link->second.node_closed) return close_at_redis(connection);
    // A toxic's end (close, limit_data) while the node's end is open: redis-server reads the
    // EOF and closes the connection, and its FIN goes back through the proxy, so the node
    // hears the link close and reconnects, as live. Without this the node would write into a
    // link nobody reads and wait out its commit timeout.
    if (link->second.open_at_redis && redis_.has_connection(connection)) redis_.connection_closed(connection);
    link->second.open_at_redis = false;
    proxy_of(link->second).redis_closes(connection);
  };
  if (stalled(found->second.node)) return hold(found->second.node, connection, std::move(arrive));
  world_.clock.at_us(world_.clock.now_us() + world_.options.link_latency_us, std::move(arrive));
}

void SimulatedRedis::toward_node(std::uint64_t connection, std::string bytes) {
  const auto found = links_.find(connection);
  if (found == links_.end()) return;
  auto deliver = [this, connection, bytes = std::move(bytes)]() mutable {
    to_node(connection, [bytes = std::move(bytes)](Link& link) { link.ends.bytes(bytes); });
  };
  if (stalled(found->second.node)) return hold(found->second.node, connection, std::move(deliver));  // retransmitted once the path is back
  deliver();
}

// Redis's close after its reply: the reply first, then the connection ends (both held while
// the path is stalled, in that order).
void SimulatedRedis::end_toward_node(std::uint64_t connection) {
  const auto found = links_.find(connection);
  if (found == links_.end()) return;
  if (stalled(found->second.node)) return hold(found->second.node, connection, [this, connection] { reset(connection); });
  reset(connection);
}

void SimulatedRedis::reset(std::uint64_t connection) {
  const auto found = links_.find(connection);
  if (found == links_.end()) return;
  if (found->second.open_at_redis && redis_.has_connection(connection)) redis_.connection_closed(connection);
  found->second.open_at_redis = false;
  found->second.resetting = true;
  proxy_of(found->second).connection_gone(connection);
  // The node hears of it one latency later, unless it closed its end first.
  world_.clock.at_us(world_.clock.now_us() + world_.options.link_latency_us, [this, connection] {
    if (world_.finished) return;
    const auto link = links_.find(connection);
    if (link == links_.end()) return;
    SimRedisLinkEnds ends = std::move(link->second.ends);
    const bool node_listening = !link->second.node_closed;
    links_.erase(link);
    if (node_listening) ends.closed();
  });
}

void SimulatedRedis::deliver_outputs() {
  for (server::cluster::RedisOutput& output : redis_.take_outputs()) {
    const std::uint64_t connection = output.connection;
    const bool close_after = output.close_after;
    const auto found = links_.find(connection);
    if (found == links_.end()) continue;
    SimulatedRedisLinkProxy& proxy = proxy_of(found->second);
    proxy.from_redis(connection, output.bytes);
    if (close_after) proxy.redis_closes(connection);
  }
  rearm_timer();
}

void SimulatedRedis::rearm_timer() {
  const std::optional<std::int64_t> deadline = redis_.next_deadline_ms();
  if (!deadline || (armed_wake_ms_ && *armed_wake_ms_ <= *deadline)) return;
  armed_wake_ms_ = *deadline;
  world_.clock.at_us(*deadline * 1000, [this, deadline = *deadline] {
    if (world_.finished || armed_wake_ms_ != deadline) return;
    armed_wake_ms_.reset();
    redis_.on_timer(world_.now_ms());
    deliver_outputs();
  });
}

void SimulatedRedis::stop() {
  if (!running_) return;
  running_ = false;
  redis_.restart();  // every connection is gone, the data stays
  std::vector<std::uint64_t> connections;
  for (const auto& [connection, link] : links_) connections.push_back(connection);
  for (const std::uint64_t connection : connections) {
    links_.at(connection).open_at_redis = false;
    reset(connection);
  }
  armed_wake_ms_.reset();
}

void SimulatedRedis::start() { running_ = true; }

void SimulatedRedis::partition(int node, PartitionMode mode) {
  partitions_[node] = mode;
  if (mode != PartitionMode::drop) return;
  std::vector<std::uint64_t> connections;
  for (const auto& [connection, link] : links_) {
    if (link.node == node) connections.push_back(connection);
  }
  for (const std::uint64_t connection : connections) reset(connection);
}

void SimulatedRedis::heal(int node) {
  partitions_.erase(node);
  // What waited is retransmitted in the order it was sent; a link an end closed meanwhile
  // takes nothing more.
  std::vector<HeldTraffic> held = std::move(held_[node]);
  held_.erase(node);
  for (HeldTraffic& traffic : held) {
    if (links_.contains(traffic.connection)) traffic.resume();
  }
}

}  // namespace resync::sim
