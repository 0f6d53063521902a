#include "fault_injector/control/control_plane.hpp"

#include <set>

namespace resync::fault_injector {
namespace {

const ApiError kProxyNotFound{404, "proxy not found"};
const ApiError kProxyAlreadyExists{409, "proxy already exists"};
const ApiError kToxicNotFound{404, "toxic not found"};
const ApiError kToxicAlreadyExists{409, "toxic already exists"};

ApiError missing_field(const std::string& field) { return {400, "missing required field: " + field}; }

std::optional<ApiError> read_string(const nlohmann::json& body, const char* key, std::string& value) {
  auto found = body.find(key);
  if (found == body.end() || found->is_null()) return std::nullopt;
  if (!found->is_string()) return bad_request(std::string(key) + " must be a string");
  value = found->get<std::string>();
  return std::nullopt;
}

std::optional<ApiError> read_bool(const nlohmann::json& body, const char* key, bool& value) {
  auto found = body.find(key);
  if (found == body.end() || found->is_null()) return std::nullopt;
  if (!found->is_boolean()) return bad_request(std::string(key) + " must be a boolean");
  value = found->get<bool>();
  return std::nullopt;
}

}  // namespace

Result<ProxyDefinition> parse_proxy_definition(const nlohmann::json& body) {
  if (!body.is_object()) return bad_request("expected a JSON object");
  ProxyDefinition definition;
  if (auto error = read_string(body, "name", definition.name)) return *error;
  if (auto error = read_string(body, "listen", definition.listen)) return *error;
  if (auto error = read_string(body, "upstream", definition.upstream)) return *error;
  if (auto error = read_bool(body, "enabled", definition.enabled)) return *error;
  if (definition.name.empty()) return missing_field("name");
  if (definition.upstream.empty()) return missing_field("upstream");
  // Toxiproxy binds "" to every interface; Resync keeps the API's loopback-only default.
  if (definition.listen.empty()) definition.listen = "127.0.0.1:0";
  return definition;
}

nlohmann::json to_json(const ProxyState& proxy) {
  nlohmann::json toxics = nlohmann::json::array();
  for (const ToxicSpec& toxic : proxy.toxics) toxics.push_back(to_json(toxic));
  return {{"name", proxy.definition.name},
          {"listen", proxy.definition.listen},
          {"upstream", proxy.definition.upstream},
          {"enabled", proxy.definition.enabled},
          {"toxics", std::move(toxics)}};
}

nlohmann::json to_json(const ConnectionInfo& connection) {
  nlohmann::json toxics = nlohmann::json::array();
  for (const ToxicOnConnection& toxic : connection.toxics) toxics.push_back({{"name", toxic.name}, {"state", toxic.state}});
  return {{"id", connection.id},
          {"tag", connection.tag ? nlohmann::json(*connection.tag) : nlohmann::json(nullptr)},
          {"client", connection.client_address},
          {"bytes_upstream", connection.bytes_upstream},
          {"bytes_downstream", connection.bytes_downstream},
          {"toxics", std::move(toxics)}};
}

ProxyState* ControlPlane::find(const std::string& name) {
  auto found = proxies_.find(name);
  return found == proxies_.end() ? nullptr : &found->second;
}

const ProxyState* ControlPlane::find(const std::string& name) const {
  auto found = proxies_.find(name);
  return found == proxies_.end() ? nullptr : &found->second;
}

std::vector<ProxyState> ControlPlane::proxies() const {
  std::vector<ProxyState> result;
  for (const auto& [name, proxy] : proxies_) result.push_back(proxy);
  return result;
}

Result<ProxyState> ControlPlane::proxy(const std::string& name) const {
  const ProxyState* found = find(name);
  if (found == nullptr) return kProxyNotFound;
  return *found;
}

Result<ProxyState> ControlPlane::create_proxy(ProxyDefinition definition) {
  if (definition.name.empty()) return missing_field("name");
  if (definition.upstream.empty()) return missing_field("upstream");
  if (find(definition.name) != nullptr) return kProxyAlreadyExists;
  if (proxies_.size() >= kProxiesMax) return ApiError{400, "too many proxies"};
  ProxyState state{std::move(definition), {}};
  if (state.definition.enabled) {
    Result<std::string> bound = runtime_.start(state.definition, state.toxics);
    if (!bound.ok()) return bound.error();
    state.definition.listen = bound.value();
  }
  proxies_[state.definition.name] = state;
  return state;
}

Result<ProxyState> ControlPlane::update_proxy(const std::string& name, const nlohmann::json& changes) {
  ProxyState* proxy = find(name);
  if (proxy == nullptr) return kProxyNotFound;
  if (!changes.is_object()) return bad_request("expected a JSON object");
  ProxyDefinition updated = proxy->definition;
  if (auto error = read_string(changes, "listen", updated.listen)) return *error;
  if (auto error = read_string(changes, "upstream", updated.upstream)) return *error;
  if (auto error = read_bool(changes, "enabled", updated.enabled)) return *error;
  if (updated.upstream.empty()) return missing_field("upstream");

  const ProxyDefinition previous = proxy->definition;
  const bool address_changed = updated.listen != previous.listen || updated.upstream != previous.upstream;
  const bool must_stop = previous.enabled && (address_changed || !updated.enabled);
  const bool must_start = updated.enabled && (!previous.enabled || address_changed);
  if (must_stop) runtime_.stop(name);
  if (must_start) {
    Result<std::string> bound = runtime_.start(updated, proxy->toxics);
    if (!bound.ok()) {
      // Put the old listener back so a refused update changes nothing.
      if (previous.enabled) {
        Result<std::string> restored = runtime_.start(previous, proxy->toxics);
        if (!restored.ok()) proxy->definition.enabled = false;
      }
      return bound.error();
    }
    updated.listen = bound.value();
  }
  proxy->definition = updated;
  return *proxy;
}

Status ControlPlane::delete_proxy(const std::string& name) {
  ProxyState* proxy = find(name);
  if (proxy == nullptr) return kProxyNotFound;
  if (proxy->definition.enabled) runtime_.stop(name);
  runtime_.forget(name);
  proxies_.erase(name);
  return Done{};
}

Result<std::vector<ProxyState>> ControlPlane::populate(const nlohmann::json& entries) {
  if (!entries.is_array()) return bad_request("expected a JSON array of proxies");
  // Phase 1: validate the whole request before changing anything.
  struct Planned {
    ProxyDefinition definition;
    std::optional<std::vector<ToxicSpec>> toxics;
  };
  std::vector<Planned> planned;
  std::set<std::string> names;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const nlohmann::json& entry = entries[i];
    Result<ProxyDefinition> definition = parse_proxy_definition(entry);
    if (!definition.ok()) {
      ApiError error = definition.error();
      if (error.message.starts_with("missing required field")) error.message += " at proxy " + std::to_string(i + 1);
      return error;
    }
    if (!names.insert(definition->name).second) return bad_request("duplicate proxy name " + definition->name);
    Planned plan{std::move(definition).value(), std::nullopt};
    if (auto toxics = entry.find("toxics"); toxics != entry.end() && !toxics->is_null()) {
      if (!toxics->is_array() || toxics->size() > kToxicsPerProxyMax) return bad_request("toxics must be an array");
      plan.toxics.emplace();
      std::set<std::string> toxic_names;
      for (const nlohmann::json& body : *toxics) {
        Result<ToxicSpec> toxic = parse_toxic_spec(body);
        if (!toxic.ok()) return toxic.error();
        if (!toxic_names.insert(toxic->name).second) return kToxicAlreadyExists;
        plan.toxics->push_back(std::move(toxic).value());
      }
    }
    planned.push_back(std::move(plan));
  }
  if (proxies_.size() + planned.size() > kProxiesMax) return ApiError{400, "too many proxies"};

  // Phase 2: apply. Like Toxiproxy, a proxy whose listen and upstream are unchanged is kept.
  // Starting a proxy can still fail (its address is taken): then every proxy this call
  // touched goes back to what it was, so a refused populate changes nothing.
  const std::map<std::string, ProxyState> before = proxies_;
  std::vector<std::string> touched;
  const auto restore = [&] {
    for (auto name = touched.rbegin(); name != touched.rend(); ++name) {
      if (find(*name) != nullptr) delete_proxy(*name);
      const auto previous = before.find(*name);
      if (previous == before.end()) continue;
      // Its address was freed just now, so it binds again; were it not to, the proxy stays
      // deleted rather than half restored.
      if (!create_proxy(previous->second.definition).ok()) continue;
      for (const ToxicSpec& toxic : previous->second.toxics) add_toxic(*name, toxic);
    }
  };
  std::vector<ProxyState> applied;
  for (Planned& plan : planned) {
    ProxyState* existing = find(plan.definition.name);
    const bool keep = existing != nullptr && existing->definition.listen == plan.definition.listen &&
                      existing->definition.upstream == plan.definition.upstream;
    touched.push_back(plan.definition.name);
    if (!keep) {
      if (existing != nullptr) delete_proxy(plan.definition.name);
      Result<ProxyState> created = create_proxy(plan.definition);
      if (!created.ok()) {
        restore();
        return created.error();
      }
    }
    if (plan.toxics) {
      ProxyState& proxy = *find(plan.definition.name);
      while (!proxy.toxics.empty()) remove_toxic(proxy.definition.name, proxy.toxics.back().name);
      for (ToxicSpec& toxic : *plan.toxics) add_toxic(proxy.definition.name, std::move(toxic));
    }
    applied.push_back(*find(plan.definition.name));
  }
  return applied;
}

Status ControlPlane::reset() {
  // Starting a disabled proxy can fail (its address is taken): start them all first, and on
  // a failure stop the ones started here, so a refused reset changes nothing.
  std::vector<std::pair<std::string, std::string>> started;  // name, bound address
  for (auto& [name, proxy] : proxies_) {
    if (proxy.definition.enabled) continue;
    Result<std::string> bound = runtime_.start(proxy.definition, {});
    if (!bound.ok()) {
      for (const auto& [started_name, address] : started) runtime_.stop(started_name);
      return bound.error();
    }
    started.emplace_back(name, bound.value());
  }
  for (const auto& [name, address] : started) {
    ProxyState& proxy = proxies_.at(name);
    proxy.definition.enabled = true;
    proxy.definition.listen = address;
  }
  for (auto& [name, proxy] : proxies_) {
    while (!proxy.toxics.empty()) {
      runtime_.toxic_removed(name, proxy.toxics.back().name);
      proxy.toxics.pop_back();
    }
  }
  return Done{};
}

Result<std::vector<ToxicSpec>> ControlPlane::toxics(const std::string& proxy_name) const {
  const ProxyState* proxy = find(proxy_name);
  if (proxy == nullptr) return kProxyNotFound;
  return proxy->toxics;
}

Result<ToxicSpec> ControlPlane::toxic(const std::string& proxy_name, const std::string& toxic_name) const {
  const ProxyState* proxy = find(proxy_name);
  if (proxy == nullptr) return kProxyNotFound;
  for (const ToxicSpec& toxic : proxy->toxics) {
    if (toxic.name == toxic_name) return toxic;
  }
  return kToxicNotFound;
}

Result<ToxicSpec> ControlPlane::add_toxic(const std::string& proxy_name, ToxicSpec toxic) {
  ProxyState* proxy = find(proxy_name);
  if (proxy == nullptr) return kProxyNotFound;
  for (const ToxicSpec& existing : proxy->toxics) {
    if (existing.name == toxic.name) return kToxicAlreadyExists;
  }
  if (proxy->toxics.size() >= kToxicsPerProxyMax) return ApiError{400, "too many toxics on this proxy"};
  toxic.target.connections_accepted_before = runtime_.connections_accepted(proxy_name);
  proxy->toxics.push_back(toxic);
  if (proxy->definition.enabled) runtime_.toxic_added(proxy_name, toxic);
  return toxic;
}

Result<ToxicSpec> ControlPlane::add_toxic(const std::string& proxy_name, const nlohmann::json& body) {
  if (find(proxy_name) == nullptr) return kProxyNotFound;
  Result<ToxicSpec> toxic = parse_toxic_spec(body);
  if (!toxic.ok()) return toxic.error();
  return add_toxic(proxy_name, std::move(toxic).value());
}

Result<ToxicSpec> ControlPlane::update_toxic(const std::string& proxy_name, const std::string& toxic_name,
                                             const nlohmann::json& changes) {
  ProxyState* proxy = find(proxy_name);
  if (proxy == nullptr) return kProxyNotFound;
  for (ToxicSpec& toxic : proxy->toxics) {
    if (toxic.name != toxic_name) continue;
    Result<ToxicSpec> updated = apply_toxic_update(toxic, changes);
    if (!updated.ok()) return updated.error();
    toxic = std::move(updated).value();
    if (proxy->definition.enabled) runtime_.toxic_updated(proxy_name, toxic);
    return toxic;
  }
  return kToxicNotFound;
}

Status ControlPlane::remove_toxic(const std::string& proxy_name, const std::string& toxic_name) {
  ProxyState* proxy = find(proxy_name);
  if (proxy == nullptr) return kProxyNotFound;
  for (auto it = proxy->toxics.begin(); it != proxy->toxics.end(); ++it) {
    if (it->name != toxic_name) continue;
    proxy->toxics.erase(it);
    if (proxy->definition.enabled) runtime_.toxic_removed(proxy_name, toxic_name);
    return Done{};
  }
  return kToxicNotFound;
}

Result<std::vector<ConnectionInfo>> ControlPlane::connections(const std::string& proxy_name) const {
  if (find(proxy_name) == nullptr) return kProxyNotFound;
  return runtime_.connections(proxy_name);
}

}  // namespace resync::fault_injector
