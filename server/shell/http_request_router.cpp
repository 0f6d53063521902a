#include "server/shell/http_request_router.hpp"

#include <string>
#include <string_view>
#include <utility>

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "server/shell/admission.hpp"
#include "server/shell/static_pages.hpp"

namespace resync::server::shell {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace engineio = protocol::engineio;

namespace {

constexpr std::string_view client_bundle_path = "/socket.io/socket.io.js";
constexpr std::string_view engineio_path_prefix = "/socket.io/";  // engine.io matches by prefix too
// What the harness asks a node before it calls a run converged (docs/ARCHITECTURE.md): a
// node that read messages it has not committed yet (a cluster node waiting out its
// reconnect to Redis) will still deliver them, so clients that look settled are not done.
constexpr std::string_view status_path = "/resync/status";
constexpr std::string_view polling_content_type = "text/plain; charset=UTF-8";  // as engine.io sends it

HttpResponse make_response(unsigned version, bool keep_alive, unsigned status, std::string_view content_type,
                           std::string body) {
  HttpResponse response;
  response.version(version);
  response.result(status);  // an unsigned keeps any code the pure Engine.IO functions choose
  response.set(http::field::server, "resync");
  response.set(http::field::content_type, content_type);
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

HttpResponse make_response(const HttpRequest& request, unsigned status, std::string_view content_type,
                           std::string body) {
  return make_response(request.version(), request.keep_alive(), status, content_type, std::move(body));
}

HttpResponse make_engineio_error(const HttpRequest& request, const engineio::HandshakeError& error) {
  return make_response(request, static_cast<unsigned>(error.http_status), "application/json", error.json_body());
}

HttpResponse make_text(const HttpRequest& request, http::status status, std::string text) {
  return make_response(request, static_cast<unsigned>(status), "text/plain; charset=utf-8", std::move(text));
}

// Two numbers and a boolean: built by hand, no JSON library in the shell for it.
std::string node_status_json(const host::ServerHost& host) {
  return std::string("{\"pending_commit\":") + (host.has_pending_commit() ? "true" : "false") +
         ",\"sessions\":" + std::to_string(host.open_session_count()) + "}";
}

void route_websocket_transport(HttpRequest&& request, engineio::HandshakeQuery query, ShellContext& context,
                               HttpExchange& exchange) {
  if (!query.session_id.empty()) {
    // A sid asks to upgrade that long-polling session; the WebSocket attaches once open.
    if (std::optional<engineio::HandshakeError> error = context.host.check_upgrade(query.session_id)) {
      return exchange.send_response(make_engineio_error(request, *error));
    }
  }
  if (!beast::websocket::is_upgrade(request)) {
    // transport=websocket over plain HTTP: engine.io answers "Bad request" too.
    return exchange.send_response(
        make_engineio_error(request, engineio::make_handshake_error(engineio::ErrorCode::bad_request)));
  }
  exchange.upgrade_to_websocket(std::move(request), std::move(query));
}

void route_polling_transport(const HttpRequest& request, const engineio::HandshakeQuery& query, ShellContext& context,
                             HttpExchange& exchange) {
  if (request.method() == http::verb::get) {
    // Held before the host runs: the core may answer this GET at once (the open packet).
    std::shared_ptr<host::PollResponder> responder = exchange.hold_poll(request.version(), request.keep_alive());
    std::optional<engineio::HandshakeError> error = query.session_id.empty()
                                                        ? context.host.open_polling_session(responder, query)
                                                        : context.host.poll(query.session_id, responder);
    if (error) {
      exchange.release_held_poll();
      exchange.send_response(make_engineio_error(request, *error));
    }
    return;  // answered through the responder
  }
  if (query.session_id.empty()) {
    // The handshake is a GET only (engine.io: "Bad handshake method").
    return exchange.send_response(
        make_engineio_error(request, engineio::make_handshake_error(engineio::ErrorCode::bad_handshake_method)));
  }
  if (request.method() != http::verb::post) {
    // engine.io answers other methods on a session with a bare 500; a 400 with the protocol's
    // "Bad request" tells the client the same thing without claiming a server fault.
    return exchange.send_response(
        make_engineio_error(request, engineio::make_handshake_error(engineio::ErrorCode::bad_request)));
  }
  if (std::optional<engineio::HandshakeError> error = context.host.post(query.session_id, request.body())) {
    return exchange.send_response(make_engineio_error(request, *error));
  }
  exchange.send_response(make_response(request, 200, polling_content_type, "ok"));
}

void route_engineio_request(HttpRequest&& request, std::string_view query, ShellContext& context,
                            HttpExchange& exchange) {
  engineio::HandshakeParseResult handshake = engineio::parse_handshake_query(query);
  if (!handshake.ok) return exchange.send_response(make_engineio_error(request, handshake.error));
  // Admission: every Engine.IO request's Origin; for one that opens a session (no sid), the
  // session cap and the per-address rate too.
  std::optional<std::string_view> origin;
  if (auto found = request.find(http::field::origin); found != request.end()) origin = found->value();
  if (std::optional<engineio::HandshakeError> refusal = admit_engineio_request(
          context, origin, exchange.remote_address(), handshake.query.session_id.empty())) {
    return exchange.send_response(make_engineio_error(request, *refusal));
  }
  // One branch per Engine.IO transport; both end in a transport the host drives.
  switch (handshake.query.transport) {
    case engineio::Transport::websocket:
      return route_websocket_transport(std::move(request), std::move(handshake.query), context, exchange);
    case engineio::Transport::polling:
      return route_polling_transport(request, handshake.query, context, exchange);
  }
  // Unreachable while the parser knows two transports; a third one must be routed above.
  exchange.send_response(
      make_engineio_error(request, engineio::make_handshake_error(engineio::ErrorCode::transport_unknown)));
}

}  // namespace

void apply_request_limits(HttpRequestParser& parser, const ShellContext& context) {
  parser.header_limit(static_cast<std::uint32_t>(context.limits.http_header_bytes_max));
  parser.body_limit(static_cast<std::uint64_t>(context.host.config().payload_bytes_max));
}

void route_http_request(HttpRequest&& request, ShellContext& context, HttpExchange& exchange) {
  std::string_view target = request.target();
  std::size_t query_start = target.find('?');
  std::string_view path = target.substr(0, query_start);
  // A copy: the request is moved on below, and the view would point into it.
  std::string query = query_start == std::string_view::npos ? std::string() : std::string(target.substr(query_start + 1));

  if (path == client_bundle_path || path == "/" || path == "/index.html") {
    if (request.method() != http::verb::get) {
      HttpResponse response = make_text(request, http::status::method_not_allowed, "Only GET is supported here.\n");
      response.set(http::field::allow, "GET");
      return exchange.send_response(std::move(response));
    }
    if (path == client_bundle_path) {
      if (!context.client_bundle.javascript) {
        return exchange.send_response(
            make_text(request, http::status::not_found, client_bundle_missing_text(context.client_bundle)));
      }
      return exchange.send_response(
          make_response(request, 200, "application/javascript; charset=utf-8", *context.client_bundle.javascript));
    }
    return exchange.send_response(make_response(request, 200, "text/html; charset=utf-8", std::string(chat_page_html())));
  }
  if (path == status_path) {
    if (request.method() != http::verb::get) {
      HttpResponse response = make_text(request, http::status::method_not_allowed, "Only GET is supported here.\n");
      response.set(http::field::allow, "GET");
      return exchange.send_response(std::move(response));
    }
    return exchange.send_response(make_response(request, 200, "application/json", node_status_json(context.host)));
  }
  if (path.starts_with(engineio_path_prefix)) return route_engineio_request(std::move(request), query, context, exchange);
  exchange.send_response(make_text(request, http::status::not_found, "Not found.\n"));
}

HttpResponse response_to_unreadable_request(const beast::error_code& error) {
  const unsigned version = 11;
  if (error == http::error::body_limit) {
    return make_response(version, false, 413, "text/plain; charset=utf-8", "Request body larger than maxPayload.\n");
  }
  if (error == http::error::header_limit) {
    return make_response(version, false, 431, "text/plain; charset=utf-8", "Request headers too large.\n");
  }
  return make_response(version, false, 400, "text/plain; charset=utf-8",
                       "Malformed HTTP request: " + error.message() + "\n");
}

HttpResponse poll_answer(unsigned version, bool keep_alive, std::string payload) {
  return make_response(version, keep_alive, 200, polling_content_type, std::move(payload));
}

}  // namespace resync::server::shell
