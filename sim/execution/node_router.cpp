#include "sim/execution/node_router.hpp"

#include "common/invariant.hpp"

namespace resync::sim {

NodeRouter::NodeRouter(int nodes, NodeRouting routing, const std::vector<std::string>& clients)
    : nodes_(nodes), routing_(routing) {
  RESYNC_ASSERT(nodes_ >= 1, "a cluster has at least one node (the loader checks server.nodes)");
  for (std::size_t index = 0; index < clients.size(); ++index) {
    home_[clients[index]] = static_cast<int>(index % static_cast<std::size_t>(nodes_));
  }
}

void NodeRouter::hop(const std::string& client, int node) {
  RESYNC_ASSERT(node >= 0 && node < nodes_, "the loader checks a hop's node against server.nodes");
  if (routing_ == NodeRouting::sticky) {
    home_[client] = node;
  } else {
    pending_hop_[client] = node;
  }
}

int NodeRouter::first_up_from(int start, const std::function<bool(int node)>& node_up) const {
  for (int step = 0; step < nodes_; ++step) {
    const int node = (start + step) % nodes_;
    if (node_up(node)) return node;
  }
  return start;
}

int NodeRouter::route_new_session(const std::string& client, const std::function<bool(int node)>& node_up) {
  if (routing_ == NodeRouting::sticky) {
    const auto home = home_.find(client);
    const int start = home == home_.end() ? 0 : home->second;
    const int node = first_up_from(start, node_up);
    home_[client] = node;
    return node;
  }
  if (const auto hop = pending_hop_.find(client); hop != pending_hop_.end()) {
    const int node = first_up_from(hop->second, node_up);
    pending_hop_.erase(hop);
    return node;
  }
  const int node = first_up_from(next_in_turn_, node_up);
  next_in_turn_ = (node + 1) % nodes_;
  return node;
}

}  // namespace resync::sim
