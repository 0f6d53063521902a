#pragma once
// A simulated cluster node's own client listener: the ProxyRuntime behind the control plane
// of the faults on that node's client link (a `fault` step with "node"). Live, each node has
// a proxy listener of its own; here every client connection crosses the network's one proxy,
// and this listener's toxics join the pipelines of the connections routed to its node only.
// Its connection numbers count that node's connections (1, 2, ...), as the live listener's
// do: a toxic's nth_connection or connection_id is matched against that number, and a firing
// or a connection listing reports it.
#include <cstdint>
#include <string>
#include <vector>

#include "fault_injector/control/proxy_runtime.hpp"
#include "fault_injector/core/connection_pipeline.hpp"
#include "sim/simulator/toxic_list_change.hpp"

namespace resync::sim {

class SimulatedNetwork;
struct SimConnection;

class NodeClientListener final : public fault_injector::ProxyRuntime {
 public:
  NodeClientListener(SimulatedNetwork& network, int node) : network_(network), node_(node) {}

  static std::string proxy_name(int node) { return "resync-node-" + std::to_string(node); }

  // A connection routed to this node: numbered, and given this listener's toxics.
  void accept(SimConnection& connection);
  // A trigger fired on one of this node's connections: true when the toxic is this
  // listener's (then its listener heard of it, with the connection's number on this node).
  bool fired(const SimConnection& connection, const fault_injector::TriggerFiring& firing);

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
  // The toxic as the connection's pipeline must see it: a target by number names this
  // node's count, which the pipeline (numbered across every node) cannot know; it becomes
  // the connection's own id when the number is this connection's, else an id none has.
  fault_injector::ToxicSpec for_connection(const fault_injector::ToxicSpec& toxic, const SimConnection& connection) const;
  bool owns(const std::string& toxic_name) const;

  SimulatedNetwork& network_;
  int node_ = 0;
  fault_injector::TriggerListener trigger_listener_;
  std::vector<fault_injector::ToxicSpec> toxics_;
  std::uint64_t accepted_ = 0;
};

}  // namespace resync::sim
