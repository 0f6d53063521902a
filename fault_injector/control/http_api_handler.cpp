#include "fault_injector/control/http_api_handler.hpp"

#include <vector>

#include "protocol/percent_decoding.hpp"
#include "protocol/socketio_packet.hpp"

namespace resync::fault_injector {
namespace {

HttpApiResponse json_response(int status, const nlohmann::json& body) {
  return {status, "application/json", body.dump()};
}

HttpApiResponse error_response(const ApiError& error) {
  return json_response(error.status, {{"error", error.message}, {"status", error.status}});
}

HttpApiResponse no_content() { return {204, "application/json", ""}; }

std::vector<std::string> path_segments(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::vector<std::string> segments;
  while (!target.empty()) {
    if (target.front() == '/') {
      target.remove_prefix(1);
      continue;
    }
    const std::size_t slash = target.find('/');
    segments.push_back(protocol::percent_decode(target.substr(0, slash), protocol::PlusSign::literal));
    if (slash == std::string_view::npos) break;
    target.remove_prefix(slash);
  }
  return segments;
}

// Toxiproxy decodes with Go's json.Decoder; an unparsable body is "bad request body: ...".
Result<nlohmann::json> parse_body(std::string_view body) {
  if (body.empty()) return bad_request("EOF");
  // Copying or writing a parsed value recurses once per level: refuse what the server's
  // Socket.IO reader refuses, before anything is built.
  if (!protocol::socketio::json_nesting_within(body)) {
    return bad_request("JSON nested deeper than " + std::to_string(protocol::socketio::json_nesting_depth_max) + " levels");
  }
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return bad_request("malformed JSON");
  return parsed;
}

template <typename Value, typename Render>
HttpApiResponse respond(const Result<Value>& result, int status, Render render) {
  if (!result.ok()) return error_response(result.error());
  return json_response(status, render(result.value()));
}

nlohmann::json toxics_json(const std::vector<ToxicSpec>& toxics) {
  nlohmann::json array = nlohmann::json::array();
  for (const ToxicSpec& toxic : toxics) array.push_back(to_json(toxic));
  return array;
}

HttpApiResponse method_not_allowed() { return {405, "text/plain; charset=utf-8", ""}; }
HttpApiResponse not_found() { return {404, "text/plain; charset=utf-8", "404 page not found\n"}; }

HttpApiResponse handle_proxies(ControlPlane& control_plane, const HttpApiRequest& request) {
  if (request.method == "GET") {
    nlohmann::json all = nlohmann::json::object();
    for (const ProxyState& proxy : control_plane.proxies()) all[proxy.definition.name] = to_json(proxy);
    return json_response(200, all);
  }
  if (request.method != "POST") return method_not_allowed();
  Result<nlohmann::json> body = parse_body(request.body);
  if (!body.ok()) return error_response(body.error());
  Result<ProxyDefinition> definition = parse_proxy_definition(body.value());
  if (!definition.ok()) return error_response(definition.error());
  return respond(control_plane.create_proxy(std::move(definition).value()), 201,
                 [](const ProxyState& proxy) { return to_json(proxy); });
}

HttpApiResponse handle_populate(ControlPlane& control_plane, const HttpApiRequest& request) {
  if (request.method != "POST") return method_not_allowed();
  Result<nlohmann::json> body = parse_body(request.body);
  if (!body.ok()) return error_response(body.error());
  Result<std::vector<ProxyState>> populated = control_plane.populate(body.value());
  if (!populated.ok()) {
    return json_response(populated.error().status, {{"error", populated.error().message},
                                                    {"status", populated.error().status},
                                                    {"proxies", nullptr}});
  }
  nlohmann::json proxies = nlohmann::json::array();
  for (const ProxyState& proxy : populated.value()) proxies.push_back(to_json(proxy));
  return json_response(201, {{"proxies", proxies}});
}

HttpApiResponse handle_proxy(ControlPlane& control_plane, const HttpApiRequest& request, const std::string& name) {
  if (request.method == "GET") {
    return respond(control_plane.proxy(name), 200, [](const ProxyState& proxy) { return to_json(proxy); });
  }
  if (request.method == "POST" || request.method == "PATCH") {
    if (!control_plane.proxy(name).ok()) return error_response(control_plane.proxy(name).error());
    Result<nlohmann::json> body = parse_body(request.body);
    if (!body.ok()) return error_response(body.error());
    return respond(control_plane.update_proxy(name, body.value()), 200,
                   [](const ProxyState& proxy) { return to_json(proxy); });
  }
  if (request.method == "DELETE") {
    Status deleted = control_plane.delete_proxy(name);
    return deleted.ok() ? no_content() : error_response(deleted.error());
  }
  return method_not_allowed();
}

HttpApiResponse handle_toxics(ControlPlane& control_plane, const HttpApiRequest& request, const std::string& proxy) {
  if (request.method == "GET") return respond(control_plane.toxics(proxy), 200, toxics_json);
  if (request.method != "POST") return method_not_allowed();
  if (!control_plane.proxy(proxy).ok()) return error_response(control_plane.proxy(proxy).error());
  Result<nlohmann::json> body = parse_body(request.body);
  if (!body.ok()) return error_response(body.error());
  // Toxiproxy answers a created toxic with 200, not 201.
  return respond(control_plane.add_toxic(proxy, body.value()), 200,
                 [](const ToxicSpec& toxic) { return to_json(toxic); });
}

HttpApiResponse handle_toxic(ControlPlane& control_plane, const HttpApiRequest& request, const std::string& proxy,
                             const std::string& toxic) {
  if (request.method == "GET") {
    return respond(control_plane.toxic(proxy, toxic), 200, [](const ToxicSpec& spec) { return to_json(spec); });
  }
  if (request.method == "POST" || request.method == "PATCH") {
    Result<ToxicSpec> existing = control_plane.toxic(proxy, toxic);
    if (!existing.ok()) return error_response(existing.error());
    Result<nlohmann::json> body = parse_body(request.body);
    if (!body.ok()) return error_response(body.error());
    return respond(control_plane.update_toxic(proxy, toxic, body.value()), 200,
                   [](const ToxicSpec& spec) { return to_json(spec); });
  }
  if (request.method == "DELETE") {
    Status removed = control_plane.remove_toxic(proxy, toxic);
    return removed.ok() ? no_content() : error_response(removed.error());
  }
  return method_not_allowed();
}

}  // namespace

HttpApiResponse handle_http_api_request(ControlPlane& control_plane, const HttpApiRequest& request) {
  // Like Toxiproxy: browsers are refused, so a web page cannot drive the API (CSRF).
  if (request.user_agent.starts_with("Mozilla/")) return {403, "text/plain; charset=utf-8", "User agent not allowed\n"};

  const std::vector<std::string> path = path_segments(request.target);
  if (path.size() == 1 && path[0] == "version") {
    if (request.method != "GET") return method_not_allowed();
    return {200, "application/json;charset=utf-8",
            nlohmann::json{{"version", kToxiproxyCompatibleVersion}}.dump() + "\n"};
  }
  if (path.size() == 1 && path[0] == "reset") {
    if (request.method != "POST") return method_not_allowed();
    Status reset = control_plane.reset();
    return reset.ok() ? no_content() : error_response(reset.error());
  }
  if (path.size() == 1 && path[0] == "populate") return handle_populate(control_plane, request);
  if (path.empty() || path[0] != "proxies") return not_found();
  if (path.size() == 1) return handle_proxies(control_plane, request);
  if (path.size() == 2) return handle_proxy(control_plane, request, path[1]);
  if (path.size() == 3 && path[2] == "toxics") return handle_toxics(control_plane, request, path[1]);
  if (path.size() == 3 && path[2] == "connections") {
    if (request.method != "GET") return method_not_allowed();
    return respond(control_plane.connections(path[1]), 200, [](const std::vector<ConnectionInfo>& connections) {
      nlohmann::json array = nlohmann::json::array();
      for (const ConnectionInfo& connection : connections) array.push_back(to_json(connection));
      return array;
    });
  }
  if (path.size() == 4 && path[2] == "toxics") return handle_toxic(control_plane, request, path[1], path[3]);
  return not_found();
}

}  // namespace resync::fault_injector
