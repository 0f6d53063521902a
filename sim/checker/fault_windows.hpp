#pragma once
// When each fault of a history was active, and whether it could eat what a given client
// sends (docs/HISTORY.md, "When a send counts as read"). Built from `fault` lines alone:
// the checker does not link the fault injector, so it reads the few toxic fields it needs
// (type, stream, target) from the line's detail JSON itself.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/history/history.hpp"

namespace resync::checker {

struct FaultWindow {
  std::string name;
  std::string toxic;  // the toxic type
  std::int64_t start_t_ms = 0;
  std::optional<std::int64_t> heal_t_ms;  // nullopt: never healed before the history ended
  // Whether it can lose what a client sends: its stream includes upstream, or it closes the
  // connection (reset_peer, close). A downstream latency cannot eat an upstream send.
  bool eats_upstream = false;
  std::string target_tag;   // "" = every connection (no target, "all", or a connection number)
  bool target_known = true;  // false when the detail could not be read: assumed to hit everyone
  // A fault on one node's links (partition_node, or a `fault` with a `node`): only sessions
  // on that node. nullopt: every node (a proxy fault on every node, a storage fault, Redis down).
  std::optional<std::int64_t> node = {};
  // A `fault` on the nodes' links to Redis ("" for a fault on the clients' link, and for the
  // windows of other lines): said in the description.
  std::string place = {};

  bool applies_to(std::string_view client) const { return !target_known || target_tag.empty() || target_tag == client; }
  bool active_during(std::int64_t from_t_ms, std::int64_t to_t_ms) const {
    return start_t_ms <= to_t_ms && (!heal_t_ms || *heal_t_ms >= from_t_ms);
  }
  // "timeout \"bob-link\" (started at 900 ms, healed at 3000 ms)".
  std::string description() const;
};

// Where a `fault` line says its toxic acted, for people: "" on the default place (the clients'
// link of every node), else " on node 1's link to Redis", " on every node's link to Redis",
// " on node 2's client link".
std::string fault_place_text(const history::FaultChanged& fault);

// Every `fault` line with action "start" becomes one window. A fault on the nodes' links to
// Redis is judged as a partition_node of the same node(s) is (any client on them, as if it
// ate upstream): it stands between a node and the shared log, not between a client and the
// node, so no target narrows it to one client; a `noop` there acts on nothing and excuses
// nothing. It ends at the first later
// `heal` naming it (or "*"), or at the `heal` phase, which heals everything. A
// `storage_fault` start is a window too (every client, eats upstream: the server read the
// send but could not store it), ended by its `end` line or the `heal` phase, and so is a
// `cluster_fault` start of restart_redis (every node) or partition_node (its node): the node
// read the send but could not put it in the shared log.
std::vector<FaultWindow> collect_fault_windows(const history::History& history);

// The first window that could eat `client`'s upstream bytes at some time in [from, to].
// `node`: the node the client's connection went to (0 for a single server).
const FaultWindow* fault_that_could_eat(const std::vector<FaultWindow>& windows, std::string_view client,
                                        std::int64_t from_t_ms, std::int64_t to_t_ms, std::int64_t node = 0);

}  // namespace resync::checker
