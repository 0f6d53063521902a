#pragma once
// One simulated proxy's control plane and the scenario faults on it: a cluster node's client
// listener or its link to Redis, each a proxy of its own as live (sim/execution/cluster_faults.hpp
// puts a fault on the right ones). The runtime must outlive it.
#include <string>

#include "fault_injector/control/control_plane.hpp"
#include "sim/execution/control_plane_faults.hpp"

namespace resync::sim {

struct SimulatedProxyFaults {
  SimulatedProxyFaults(fault_injector::ProxyRuntime& runtime, const std::string& proxy_name)
      : control(runtime), faults(control, runtime, proxy_name) {
    fault_injector::ProxyDefinition proxy;
    proxy.name = proxy_name;
    proxy.listen = "127.0.0.1:0";
    proxy.upstream = proxy_name + ":1";
    control.create_proxy(proxy);
  }
  SimulatedProxyFaults(const SimulatedProxyFaults&) = delete;
  SimulatedProxyFaults& operator=(const SimulatedProxyFaults&) = delete;

  fault_injector::ControlPlane control;
  ControlPlaneFaults faults;
};

}  // namespace resync::sim
