#include "sim/simulator/node_client_listener.hpp"

#include <algorithm>

#include "sim/simulator/simulated_network.hpp"

namespace resync::sim {

namespace fi = fault_injector;

namespace {

// No connection has id 0 (the network counts from 1), so a target on it matches nothing.
constexpr std::uint64_t no_connection_id = 0;

}  // namespace

fi::ToxicSpec NodeClientListener::for_connection(const fi::ToxicSpec& toxic, const SimConnection& connection) const {
  fi::ToxicSpec seen = toxic;
  const fi::Target& target = toxic.target;
  bool matches = true;
  if (target.kind == fi::Target::Kind::nth_connection) {
    matches = connection.number_on_node == target.connections_accepted_before + target.number;
  } else if (target.kind == fi::Target::Kind::connection_id) {
    matches = connection.number_on_node == target.number;
  } else {
    return seen;
  }
  seen.target = fi::Target{};
  seen.target.kind = fi::Target::Kind::connection_id;
  seen.target.number = matches ? connection.id : no_connection_id;
  return seen;
}

bool NodeClientListener::owns(const std::string& toxic_name) const {
  return std::any_of(toxics_.begin(), toxics_.end(), [&](const fi::ToxicSpec& toxic) { return toxic.name == toxic_name; });
}

// Attached only, as the network's own toxics are at accept: the connection's first bytes
// bring the pipeline's schedule.
void NodeClientListener::accept(SimConnection& connection) {
  connection.number_on_node = ++accepted_;
  for (const fi::ToxicSpec& toxic : toxics_) connection.pipeline.attach(for_connection(toxic, connection), network_.instant());
}

bool NodeClientListener::fired(const SimConnection& connection, const fi::TriggerFiring& firing) {
  if (!owns(firing.toxic_name)) return false;
  fi::TriggerFiring on_node = firing;
  on_node.connection_id = connection.number_on_node;
  if (trigger_listener_) trigger_listener_(on_node);
  return true;
}

fi::Result<std::string> NodeClientListener::start(const fi::ProxyDefinition& /*proxy*/,
                                                  const std::vector<fi::ToxicSpec>& toxics) {
  toxics_ = toxics;
  return "127.0.0.1:" + std::to_string(2 + node_);
}

void NodeClientListener::stop(const std::string& /*proxy_name*/) {
  network_.for_each([&](SimConnection& connection) {
    if (connection.node == node_) network_.reset_connection(connection, "proxy disabled");
  });
}

void NodeClientListener::toxic_added(const std::string& /*proxy_name*/, const fi::ToxicSpec& toxic) {
  change_toxics(ToxicListChange::added(toxic));
}

void NodeClientListener::toxic_updated(const std::string& /*proxy_name*/, const fi::ToxicSpec& toxic) {
  change_toxics(ToxicListChange::updated(toxic));
}

void NodeClientListener::toxic_removed(const std::string& /*proxy_name*/, const std::string& toxic_name) {
  change_toxics(ToxicListChange::removed(toxic_name));
}

void NodeClientListener::change_toxics(const ToxicListChange& change) {
  change.apply_to(toxics_);
  network_.for_each([&](SimConnection& connection) {
    if (connection.finished || connection.node != node_) return;
    change.apply_to(connection.pipeline, for_connection(change.toxic, connection), network_.instant());
    network_.after_pipeline_change(connection);
  });
}

std::vector<fi::ConnectionInfo> NodeClientListener::connections(const std::string& /*proxy_name*/) const {
  std::vector<fi::ConnectionInfo> live;
  network_.for_each([&](SimConnection& connection) {
    if (connection.finished || connection.node != node_) return;
    fi::ConnectionInfo info;
    info.id = connection.number_on_node;
    info.tag = connection.pipeline.tag();
    info.client_address = "client:" + connection.client->name();
    info.bytes_upstream = connection.pipeline.bytes_read(fi::Direction::upstream);
    info.bytes_downstream = connection.pipeline.bytes_read(fi::Direction::downstream);
    // Only this listener's toxics, as a proxy of its own lists only its own.
    for (const fi::ToxicOnConnection& on : connection.pipeline.toxics()) {
      if (owns(on.name)) info.toxics.push_back(on);
    }
    live.push_back(std::move(info));
  });
  return live;
}

}  // namespace resync::sim
