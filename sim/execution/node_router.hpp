#pragma once
// Which node of a cluster a client's new Engine.IO session goes to: the load balancer in
// front of the nodes, as a pure function of the scenario's routing, the hop steps so far and
// which nodes are up (docs/SCENARIOS.md, "Clusters"). One decision per session: a polling
// session's several HTTP connections all go where its session went.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sim/scenario/scenario.hpp"

namespace resync::sim {

class NodeRouter {
 public:
  // `clients` in the scenario's order (after count): under sticky routing client i starts on
  // node i mod nodes, so the clients spread over the cluster from the first session on.
  NodeRouter(int nodes, NodeRouting routing, const std::vector<std::string>& clients);

  // The client's next session goes to `node`; under sticky routing the ones after it too.
  void hop(const std::string& client, int node);

  // The node for a new session of `client`. The chosen node (home, hop or next in turn) when
  // it is up, else the next node up after it, as a balancer's health check passes a dead node
  // over; with every node down, the chosen node (the session then fails like any connection
  // to a server that is down). Under sticky routing the client stays where it went.
  int route_new_session(const std::string& client, const std::function<bool(int node)>& node_up);

  int nodes() const { return nodes_; }

 private:
  int first_up_from(int start, const std::function<bool(int node)>& node_up) const;

  int nodes_ = 1;
  NodeRouting routing_ = NodeRouting::sticky;
  std::map<std::string, int, std::less<>> home_;          // sticky: where each client's sessions go
  std::map<std::string, int, std::less<>> pending_hop_;   // round_robin: a hop's one session
  int next_in_turn_ = 0;                                  // round_robin: the next session's node
};

}  // namespace resync::sim
