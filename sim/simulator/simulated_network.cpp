#include "sim/simulator/simulated_network.hpp"

#include "common/invariant.hpp"
#include "sim/execution/scenario_execution.hpp"
#include "sim/simulator/node_client_listener.hpp"

namespace resync::sim {

namespace fi = fault_injector;
using fi::Direction;

SimulatedNetwork::SimulatedNetwork(SimWorld& world, NetworkEnds& ends) : world_(world), ends_(ends) {}

SimulatedNetwork::~SimulatedNetwork() = default;

void SimulatedNetwork::add_node_listeners(int nodes) {
  RESYNC_ASSERT(node_listeners_.empty() && connections_.empty(), "a cluster's listeners exist before its first connection");
  for (int node = 0; node < nodes; ++node) node_listeners_.push_back(std::make_unique<NodeClientListener>(*this, node));
}

SimConnection& SimulatedNetwork::accept(ChatClient& client, TransportId transport, int node) {
  const std::uint64_t id = ++accepted_;
  auto connection = std::make_unique<SimConnection>(derive_seed(world_.options.seed, 10000 + id), id);
  connection->client = &client;
  connection->transport = transport;
  connection->node = node;
  SimConnection* accepted = connection.get();
  connection->pipeline.set_trigger_listener(
      [this, accepted](const fi::TriggerFiring& firing) { on_trigger_fired(*accepted, firing); });
  for (const auto& toxic : toxics_) connection->pipeline.attach(toxic, instant());
  SimConnection& added = *connection;
  connections_[id] = std::move(connection);
  by_transport_[{client.name(), transport}] = id;
  if (!node_listeners_.empty()) node_listener(node).accept(added);
  return added;
}

void SimulatedNetwork::on_trigger_fired(const SimConnection& connection, const fi::TriggerFiring& firing) {
  if (!node_listeners_.empty() && node_listener(connection.node).fired(connection, firing)) return;
  if (trigger_listener_) trigger_listener_(firing);
}

SimConnection* SimulatedNetwork::find(const ChatClient& client, TransportId transport) {
  const auto found = by_transport_.find({client.name(), transport});
  return found == by_transport_.end() ? nullptr : connections_.at(found->second).get();
}

void SimulatedNetwork::client_write(SimConnection& connection, const std::string& bytes) {
  if (connection.finished || !connection.client_end.open) return;
  write_through_proxy(connection, Direction::upstream, bytes);
}

void SimulatedNetwork::server_write(SimConnection& connection, const std::string& bytes) {
  if (connection.finished || !connection.server_end_open) return;
  write_through_proxy(connection, Direction::downstream, bytes);
}

void SimulatedNetwork::write_through_proxy(SimConnection& connection, Direction direction, const std::string& bytes) {
  const auto forwarding = connection.pipeline.on_bytes(
      direction, {reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()}, instant());
  if (forwarding == fi::ConnectionPipeline::Forwarding::write_directly) {
    deliver(connection, direction, bytes, /*end_of_stream=*/false);
  }
  after_pipeline_change(connection);
}

void SimulatedNetwork::client_closes(SimConnection& connection) {
  if (!connection.client_end.open) return;
  connection.client_end.open = false;
  connection.pipeline.on_end_of_stream(Direction::upstream, instant());
  after_pipeline_change(connection);
}

void SimulatedNetwork::client_socket_closed(SimConnection& connection) {
  connection.pipeline.on_end_of_stream(Direction::upstream, instant());
  after_pipeline_change(connection);
}

void SimulatedNetwork::server_closes(SimConnection& connection) {
  connection.pipeline.on_end_of_stream(Direction::downstream, instant());
  after_pipeline_change(connection);
}

// The order of the clock events queued here decides same-instant ties on the virtual clock,
// so it stays as it has been: each direction's drain wake, then the reset in an event of its
// own at reset_at, then the after_ms trigger wake (CONTRACT NOTES, pipeline 07:33).
void SimulatedNetwork::after_pipeline_change(SimConnection& connection) {
  drain(connection, Direction::upstream);
  drain(connection, Direction::downstream);
  if (const auto reset_at = connection.pipeline.reset_at();
      reset_at && (!connection.reset_scheduled_us || reset_at->count() < *connection.reset_scheduled_us)) {
    // A later toxic can move the reset earlier (a heal resets at once): schedule again.
    connection.reset_scheduled_us = reset_at->count();
    const std::uint64_t id = connection.id;
    world_.clock.at_us(reset_at->count(), [this, id] {
      if (!world_.finished) reset_connection(*connections_.at(id), "transport error (connection reset)");
    });
  }
  if (const auto deadline = connection.pipeline.next_trigger_deadline()) {
    const std::int64_t wake_us = deadline->count();
    if (!connection.trigger_wake_us || wake_us < *connection.trigger_wake_us) {
      connection.trigger_wake_us = wake_us;
      const std::uint64_t id = connection.id;
      world_.clock.at_us(wake_us, [this, id] {
        SimConnection& woken = *connections_.at(id);
        woken.trigger_wake_us.reset();
        if (world_.finished || woken.finished) return;
        woken.pipeline.on_timer(instant());
        after_pipeline_change(woken);
      });
    }
  }
}

// Writes out what the pipeline allows now; comes back when the next piece is due.
void SimulatedNetwork::drain(SimConnection& connection, Direction direction) {
  if (connection.finished) return;
  bool took_downstream = false;
  while (auto piece = connection.pipeline.take_due(instant(), direction)) {
    took_downstream = direction == Direction::downstream;
    deliver(connection, direction, std::move(piece->bytes), piece->end_of_stream);
  }
  if (const auto at = connection.pipeline.next_write_deadline(direction)) {
    const std::int64_t due_us = at->count();
    auto& scheduled = connection.drain_scheduled_us[fi::index_of(direction)];
    if (!scheduled || due_us < *scheduled) {
      scheduled = due_us;
      const std::uint64_t id = connection.id;
      world_.clock.at_us(due_us, [this, id, direction] {
        SimConnection& woken = *connections_.at(id);
        woken.drain_scheduled_us[fi::index_of(direction)].reset();
        if (!world_.finished) after_pipeline_change(woken);
      });
    }
  }
  if (took_downstream) ends_.downstream_room(connection);
}

// Bytes leave the proxy and arrive at the other end one link latency later.
void SimulatedNetwork::deliver(SimConnection& connection, Direction direction, std::string bytes, bool end_of_stream) {
  const std::uint64_t id = connection.id;
  world_.clock.at_us(world_.clock.now_us() + world_.options.link_latency_us,
                     [this, id, direction, bytes = std::move(bytes), end_of_stream] {
                       if (world_.finished) return;
                       SimConnection& target = *connections_.at(id);
                       if (direction == Direction::upstream) {
                         ends_.arrive_at_server(target, bytes, end_of_stream);
                       } else {
                         ends_.arrive_at_client(target, bytes, end_of_stream);
                       }
                     });
}

void SimulatedNetwork::reset_connection(SimConnection& connection, const std::string& reason) {
  if (connection.finished) return;
  connection.finished = true;
  connection.pipeline.discard_unwritten();
  ends_.connection_reset(connection, reason);
}

// ---- fault_injector::ProxyRuntime ----

fi::Result<std::string> SimulatedNetwork::start(const fi::ProxyDefinition& /*proxy*/,
                                                const std::vector<fi::ToxicSpec>& toxics) {
  accepting_ = true;
  toxics_ = toxics;
  return std::string("127.0.0.1:1");
}

void SimulatedNetwork::stop(const std::string& /*proxy_name*/) {
  accepting_ = false;
  for (auto& [id, connection] : connections_) reset_connection(*connection, "proxy disabled");
}

void SimulatedNetwork::toxic_added(const std::string& /*proxy_name*/, const fi::ToxicSpec& toxic) {
  change_toxics(ToxicListChange::added(toxic));
}

void SimulatedNetwork::toxic_updated(const std::string& /*proxy_name*/, const fi::ToxicSpec& toxic) {
  change_toxics(ToxicListChange::updated(toxic));
}

void SimulatedNetwork::toxic_removed(const std::string& /*proxy_name*/, const std::string& toxic_name) {
  change_toxics(ToxicListChange::removed(toxic_name));
}

void SimulatedNetwork::change_toxics(const ToxicListChange& change) {
  change.apply_to(toxics_);
  for (auto& [id, connection] : connections_) {
    if (connection->finished) continue;
    change.apply_to(connection->pipeline, instant());
    after_pipeline_change(*connection);
  }
}

std::vector<fi::ConnectionInfo> SimulatedNetwork::connections(const std::string& /*proxy_name*/) const {
  std::vector<fi::ConnectionInfo> live;
  for (const auto& [id, connection] : connections_) {
    if (connection->finished) continue;
    fi::ConnectionInfo info;
    info.id = id;
    info.tag = connection->pipeline.tag();
    info.client_address = "client:" + connection->client->name();
    info.bytes_upstream = connection->pipeline.bytes_read(Direction::upstream);
    info.bytes_downstream = connection->pipeline.bytes_read(Direction::downstream);
    info.toxics = connection->pipeline.toxics();
    live.push_back(std::move(info));
  }
  return live;
}

}  // namespace resync::sim
