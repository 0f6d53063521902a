#pragma once
// One change to a simulated proxy's toxic list, as the live ProxyListener makes it
// (fault_injector/shell/proxy_listener.cpp): to the list new connections start with, and to
// every open connection's pipeline. The simulated proxies (the clients' network, a node's
// client listener, a node's Redis link proxy) differ only in which connections they own and
// what follows a change on one, so they share this and keep their own loops.
#include <algorithm>
#include <string>
#include <vector>

#include "fault_injector/core/connection_pipeline.hpp"

namespace resync::sim {

struct ToxicListChange {
  enum class Kind { added, updated, removed };
  Kind kind = Kind::added;
  fault_injector::ToxicSpec toxic;  // removed: only its name counts

  static ToxicListChange added(const fault_injector::ToxicSpec& toxic) { return {Kind::added, toxic}; }
  static ToxicListChange updated(const fault_injector::ToxicSpec& toxic) { return {Kind::updated, toxic}; }
  static ToxicListChange removed(const std::string& name) {
    ToxicListChange change{Kind::removed, {}};
    change.toxic.name = name;
    return change;
  }

  // The proxy's list: what connections accepted from now on start with.
  void apply_to(std::vector<fault_injector::ToxicSpec>& toxics) const {
    switch (kind) {
      case Kind::added: toxics.push_back(toxic); break;
      case Kind::updated:
        for (auto& existing : toxics) {
          if (existing.name == toxic.name) existing = toxic;
        }
        break;
      case Kind::removed:
        std::erase_if(toxics, [&](const fault_injector::ToxicSpec& existing) { return existing.name == toxic.name; });
        break;
    }
  }

  // One open connection's pipeline; `as_seen` is the toxic as that connection must see it
  // (a node's listener renumbers connection targets).
  void apply_to(fault_injector::ConnectionPipeline& pipeline, const fault_injector::ToxicSpec& as_seen,
                fault_injector::Instant now) const {
    switch (kind) {
      case Kind::added: pipeline.attach(as_seen, now); break;
      case Kind::updated: pipeline.update(as_seen, now); break;
      case Kind::removed: pipeline.detach(toxic.name, now); break;
    }
  }
  void apply_to(fault_injector::ConnectionPipeline& pipeline, fault_injector::Instant now) const {
    apply_to(pipeline, toxic, now);
  }
};

}  // namespace resync::sim
