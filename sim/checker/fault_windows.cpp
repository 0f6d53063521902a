#include "sim/checker/fault_windows.hpp"

#include <map>

#include "fault_injector/core/toxic_spec.hpp"

namespace resync::checker {
namespace {

// A toxic on the downstream only delays or drops what the server sends; these types also
// close the connection, which loses whatever the client had in flight.
bool closes_the_connection(std::string_view toxic) { return toxic == "reset_peer" || toxic == "close"; }

// The toxic is read with the fault injector's own parser, so "which connections, which
// stream" means here exactly what it meant to the proxy.
FaultWindow window_of(const history::FaultChanged& fault, std::int64_t t_ms) {
  FaultWindow window;
  window.name = fault.name;
  window.toxic = fault.toxic;
  window.start_t_ms = t_ms;
  window.node = fault.node;
  window.place = fault_place_text(fault);
  if (fault.link == sim::FaultLink::redis) {
    // Whatever the toxic does to a node's RESP bytes (delays a reply past the commit timeout,
    // drops a request, resets the link), the node may have read a send it could not put in
    // the log: as under a partition of that node, and no more.
    window.eats_upstream = fault.toxic != "noop";
    return window;
  }
  const fault_injector::Result<fault_injector::ToxicSpec> spec =
      fault.detail.is_object() ? fault_injector::parse_toxic_spec(fault.detail)
                               : fault_injector::Result<fault_injector::ToxicSpec>(fault_injector::bad_request("no toxic"));
  if (!spec.ok()) {
    // Nothing to go by: assume the worst a fault can do, so no send is blamed on the server.
    window.target_known = false;
    window.eats_upstream = true;
    return window;
  }
  window.eats_upstream = spec->in(fault_injector::Direction::upstream) || closes_the_connection(spec->type);
  // connection_id and nth_connection name a connection, not a client: any client's.
  if (spec->target.kind == fault_injector::Target::Kind::tag) window.target_tag = spec->target.tag;
  return window;
}

void heal(std::vector<FaultWindow>& windows, std::map<std::string, std::size_t, std::less<>>& active,
          std::string_view name, std::int64_t t_ms) {
  for (auto it = active.begin(); it != active.end();) {
    if (name == "*" || it->first == name) {
      windows[it->second].heal_t_ms = t_ms;
      it = active.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace

std::string fault_place_text(const history::FaultChanged& fault) {
  if (fault.link == sim::FaultLink::clients && !fault.node) return "";
  const std::string node = fault.node ? "node " + std::to_string(*fault.node) + "'s" : std::string("every node's");
  return " on " + node + (fault.link == sim::FaultLink::redis ? " link to Redis" : " client link");
}

std::string FaultWindow::description() const {
  std::string text = (toxic.empty() ? std::string("fault") : toxic) + " \"" + name + "\"" + place + " (started at " +
                     std::to_string(start_t_ms) + " ms, ";
  text += heal_t_ms ? "healed at " + std::to_string(*heal_t_ms) + " ms)" : std::string("never healed)");
  return text;
}

std::vector<FaultWindow> collect_fault_windows(const history::History& history) {
  std::vector<FaultWindow> windows;
  std::map<std::string, std::size_t, std::less<>> active;  // name -> index into windows
  // Storage faults apart: a `heal` step names proxy faults only, and their names are the user's.
  std::map<std::string, std::size_t, std::less<>> storage_active;  // kind -> index into windows
  std::map<std::string, std::size_t, std::less<>> cluster_active;  // kind[-node] -> index into windows
  for (const history::HistoryEvent& event : history.events) {
    if (const auto* fault = event.as<history::FaultChanged>()) {
      if (fault->action == "start") {
        heal(windows, active, fault->name, event.t_ms);  // a name started twice replaces itself
        active[fault->name] = windows.size();
        windows.push_back(window_of(*fault, event.t_ms));
      } else if (fault->action == "heal") {
        heal(windows, active, fault->name, event.t_ms);
      }
    } else if (const auto* storage = event.as<history::StorageFaultChanged>()) {
      // A plain send the server read while its database refused writes was never stored
      // and never promised: like a send a fault ate, it is sent_unknown, not lost.
      if (storage->action == "start") {
        heal(windows, storage_active, storage->kind, event.t_ms);
        storage_active[storage->kind] = windows.size();
        windows.push_back(FaultWindow{storage->kind, "storage fault", event.t_ms, std::nullopt, true, "", true});
      } else if (storage->action == "end") {
        heal(windows, storage_active, storage->kind, event.t_ms);
      }
    } else if (const auto* cluster = event.as<history::ClusterFault>();
               cluster != nullptr && cluster->kind != "trim_stream") {
      const std::string key = cluster->kind + (cluster->node ? "-" + std::to_string(*cluster->node) : std::string());
      if (cluster->action == "start") {
        heal(windows, cluster_active, key, event.t_ms);
        cluster_active[key] = windows.size();
        FaultWindow window{cluster->kind, "cluster fault", event.t_ms, std::nullopt, true, "", true};
        if (cluster->kind == "partition_node") window.node = cluster->node;
        windows.push_back(std::move(window));
      } else if (cluster->action == "end") {
        heal(windows, cluster_active, key, event.t_ms);
      }
    } else if (const auto* phase = event.as<history::PhaseChanged>(); phase != nullptr && phase->phase == "heal") {
      heal(windows, active, "*", event.t_ms);
      heal(windows, storage_active, "*", event.t_ms);
      heal(windows, cluster_active, "*", event.t_ms);
    }
  }
  return windows;
}

const FaultWindow* fault_that_could_eat(const std::vector<FaultWindow>& windows, std::string_view client,
                                        std::int64_t from_t_ms, std::int64_t to_t_ms, std::int64_t node) {
  for (const FaultWindow& window : windows) {
    if (window.node && *window.node != node) continue;
    if (window.eats_upstream && window.applies_to(client) && window.active_during(from_t_ms, to_t_ms)) return &window;
  }
  return nullptr;
}

}  // namespace resync::checker
