#include "sim/simulator/simulated_redis_link_proxy.hpp"

#include "common/invariant.hpp"
#include "sim/execution/scenario_execution.hpp"

namespace resync::sim {

namespace fi = fault_injector;
using fi::Direction;

namespace {

// derive_seed's components of the simulator's Redis link pipelines: node K's Nth connection
// is (K + 1) * 2^32 + N, apart from the client connections' 10000 + id and the live
// proxies' small numbers.
std::uint64_t seed_component(int node, std::uint64_t number) {
  return ((static_cast<std::uint64_t>(node) + 1) << 32) + number;
}

}  // namespace

SimulatedRedisLinkProxy::SimulatedRedisLinkProxy(SimWorld& world, int node, RedisLinkWire& wire)
    : world_(world), node_(node), name_(proxy_name(node)), wire_(wire) {}

SimulatedRedisLinkProxy::ProxiedConnection* SimulatedRedisLinkProxy::live(std::uint64_t connection) {
  const auto found = connections_.find(connection);
  if (found == connections_.end() || found->second->gone) return nullptr;
  return found->second.get();
}

void SimulatedRedisLinkProxy::accept(std::uint64_t connection) {
  RESYNC_ASSERT(!connections_.contains(connection), "SimulatedRedis gives each connection its own id");
  const std::uint64_t number = ++accepted_;
  auto proxied = std::make_unique<ProxiedConnection>(derive_seed(world_.options.seed, seed_component(node_, number)),
                                                     name_, number, connection);
  proxied->pipeline.set_trigger_listener([this](const fi::TriggerFiring& firing) {
    if (trigger_listener_) trigger_listener_(firing);
  });
  ProxiedConnection& added = *proxied;
  connections_[connection] = std::move(proxied);
  for (const auto& toxic : toxics_) added.pipeline.attach(toxic, instant());
  after_pipeline_change(added);
}

void SimulatedRedisLinkProxy::from_node(std::uint64_t connection, const std::string& bytes) {
  if (ProxiedConnection* proxied = live(connection)) write_through(*proxied, Direction::upstream, bytes);
}

void SimulatedRedisLinkProxy::from_redis(std::uint64_t connection, const std::string& bytes) {
  if (ProxiedConnection* proxied = live(connection)) write_through(*proxied, Direction::downstream, bytes);
}

void SimulatedRedisLinkProxy::write_through(ProxiedConnection& proxied, Direction direction, const std::string& bytes) {
  const auto forwarding =
      proxied.pipeline.on_bytes(direction, {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, instant());
  if (forwarding == fi::ConnectionPipeline::Forwarding::write_directly) {
    pass_on(proxied, direction, bytes, /*end_of_stream=*/false);
  }
  if (!proxied.gone) after_pipeline_change(proxied);
}

bool SimulatedRedisLinkProxy::node_closes(std::uint64_t connection) {
  ProxiedConnection* proxied = live(connection);
  if (proxied == nullptr) return true;
  proxied->pipeline.on_end_of_stream(Direction::upstream, instant());
  // Nothing held and no toxic in the way: the end is the first thing due, now.
  auto first = proxied->pipeline.take_due(instant(), Direction::upstream);
  if (first && first->end_of_stream) return true;
  if (first) pass_on(*proxied, Direction::upstream, std::move(first->bytes), false);
  if (!proxied->gone) after_pipeline_change(*proxied);
  return false;
}

void SimulatedRedisLinkProxy::redis_closes(std::uint64_t connection) {
  ProxiedConnection* proxied = live(connection);
  if (proxied == nullptr) return;
  proxied->pipeline.on_end_of_stream(Direction::downstream, instant());
  after_pipeline_change(*proxied);
}

void SimulatedRedisLinkProxy::connection_gone(std::uint64_t connection) {
  ProxiedConnection* proxied = live(connection);
  if (proxied == nullptr) return;
  proxied->gone = true;
  proxied->pipeline.discard_unwritten();
}

// As SimulatedNetwork's: each direction's drain wake, then the reset in an event of its own
// at reset_at, then the after_ms trigger wake.
void SimulatedRedisLinkProxy::after_pipeline_change(ProxiedConnection& proxied) {
  drain(proxied, Direction::upstream);
  if (proxied.gone) return;
  drain(proxied, Direction::downstream);
  if (proxied.gone) return;
  const std::uint64_t connection = proxied.connection;
  if (const auto reset_at = proxied.pipeline.reset_at();
      reset_at && (!proxied.reset_scheduled_us || reset_at->count() < *proxied.reset_scheduled_us)) {
    proxied.reset_scheduled_us = reset_at->count();
    world_.clock.at_us(reset_at->count(), [this, connection] {
      if (world_.finished || live(connection) == nullptr) return;
      wire_.reset_from_proxy(connection);  // SimulatedRedis tells connection_gone
    });
  }
  if (const auto deadline = proxied.pipeline.next_trigger_deadline()) {
    const std::int64_t wake_us = deadline->count();
    if (!proxied.trigger_wake_us || wake_us < *proxied.trigger_wake_us) {
      proxied.trigger_wake_us = wake_us;
      world_.clock.at_us(wake_us, [this, connection] {
        ProxiedConnection* woken = live(connection);
        if (woken == nullptr) return;
        woken->trigger_wake_us.reset();
        if (world_.finished) return;
        woken->pipeline.on_timer(instant());
        after_pipeline_change(*woken);
      });
    }
  }
}

// Passes on what the pipeline allows now; comes back when the next piece is due.
void SimulatedRedisLinkProxy::drain(ProxiedConnection& proxied, Direction direction) {
  while (!proxied.gone) {
    auto piece = proxied.pipeline.take_due(instant(), direction);
    if (!piece) break;
    pass_on(proxied, direction, std::move(piece->bytes), piece->end_of_stream);
  }
  if (proxied.gone) return;
  const auto at = proxied.pipeline.next_write_deadline(direction);
  if (!at) return;
  const std::int64_t due_us = at->count();
  auto& scheduled = proxied.drain_scheduled_us[fi::index_of(direction)];
  if (scheduled && *scheduled <= due_us) return;
  scheduled = due_us;
  const std::uint64_t connection = proxied.connection;
  world_.clock.at_us(due_us, [this, connection, direction] {
    ProxiedConnection* woken = live(connection);
    if (woken == nullptr) return;
    woken->drain_scheduled_us[fi::index_of(direction)].reset();
    if (!world_.finished) after_pipeline_change(*woken);
  });
}

// An end toward the node is Redis's close after its reply, which resets the connection
// (SimulatedRedis marks it gone from inside the call).
void SimulatedRedisLinkProxy::pass_on(ProxiedConnection& proxied, Direction direction, std::string bytes,
                                      bool end_of_stream) {
  const std::uint64_t connection = proxied.connection;
  if (direction == Direction::upstream) {
    if (end_of_stream) return wire_.end_toward_redis(connection);
    return wire_.toward_redis(connection, std::move(bytes));
  }
  if (end_of_stream) return wire_.end_toward_node(connection);
  wire_.toward_node(connection, std::move(bytes));
}

// ---- fault_injector::ProxyRuntime ----

fi::Result<std::string> SimulatedRedisLinkProxy::start(const fi::ProxyDefinition& /*proxy*/,
                                                       const std::vector<fi::ToxicSpec>& toxics) {
  toxics_ = toxics;
  return std::string("127.0.0.1:1");
}

void SimulatedRedisLinkProxy::stop(const std::string& /*proxy_name*/) {
  std::vector<std::uint64_t> open;
  for (const auto& [connection, proxied] : connections_) {
    if (!proxied->gone) open.push_back(connection);
  }
  for (const std::uint64_t connection : open) wire_.reset_from_proxy(connection);
}

void SimulatedRedisLinkProxy::toxic_added(const std::string& /*proxy_name*/, const fi::ToxicSpec& toxic) {
  change_toxics(ToxicListChange::added(toxic));
}

void SimulatedRedisLinkProxy::toxic_updated(const std::string& /*proxy_name*/, const fi::ToxicSpec& toxic) {
  change_toxics(ToxicListChange::updated(toxic));
}

void SimulatedRedisLinkProxy::toxic_removed(const std::string& /*proxy_name*/, const std::string& toxic_name) {
  change_toxics(ToxicListChange::removed(toxic_name));
}

void SimulatedRedisLinkProxy::change_toxics(const ToxicListChange& change) {
  change.apply_to(toxics_);
  for (auto& [connection, proxied] : connections_) {
    if (proxied->gone) continue;
    change.apply_to(proxied->pipeline, instant());
    after_pipeline_change(*proxied);
  }
}

std::vector<fi::ConnectionInfo> SimulatedRedisLinkProxy::connections(const std::string& /*proxy_name*/) const {
  std::vector<fi::ConnectionInfo> open;
  for (const auto& [connection, proxied] : connections_) {
    if (proxied->gone) continue;
    fi::ConnectionInfo info;
    info.id = proxied->pipeline.connection_id();
    info.client_address = "node-" + std::to_string(node_);
    info.bytes_upstream = proxied->pipeline.bytes_read(Direction::upstream);
    info.bytes_downstream = proxied->pipeline.bytes_read(Direction::downstream);
    info.toxics = proxied->pipeline.toxics();
    open.push_back(std::move(info));
  }
  return open;
}

}  // namespace resync::sim
