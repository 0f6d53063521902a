#include "server/shell/http_session.hpp"

#include <chrono>
#include <string>
#include <utility>

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "server/shell/shell_log.hpp"
#include "server/shell/static_pages.hpp"
#include "server/shell/websocket_session.hpp"

namespace resync::server::shell {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace engineio = protocol::engineio;

namespace {

constexpr std::string_view client_bundle_path = "/socket.io/socket.io.js";
constexpr std::string_view engineio_path_prefix = "/socket.io/";  // engine.io matches by prefix too
constexpr std::string_view polling_content_type = "text/plain; charset=UTF-8";  // as engine.io sends it
// How long a closing connection keeps reading what the client still sends (see do_close).
constexpr int lingering_close_ms = 2000;

http::response<http::string_body> make_response(unsigned version, bool keep_alive, unsigned status,
                                                 std::string_view content_type, std::string body) {
  http::response<http::string_body> response;
  response.version(version);
  response.result(status);  // an unsigned keeps any code the pure Engine.IO functions choose
  response.set(http::field::server, "resync");
  response.set(http::field::content_type, content_type);
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

template <typename Request>
http::response<http::string_body> make_response(const Request& request, unsigned status,
                                                 std::string_view content_type, std::string body) {
  return make_response(request.version(), request.keep_alive(), status, content_type, std::move(body));
}

template <typename Request>
http::response<http::string_body> make_engineio_error(const Request& request, const engineio::HandshakeError& error) {
  return make_response(request, static_cast<unsigned>(error.http_status), "application/json", error.json_body());
}

template <typename Request>
http::response<http::string_body> make_text(const Request& request, http::status status, std::string text) {
  return make_response(request, static_cast<unsigned>(status), "text/plain; charset=utf-8", std::move(text));
}

}  // namespace

HttpSession::HttpSession(boost::asio::ip::tcp::socket&& socket, ConnectionSlot connection_slot, ShellContext& context)
    : stream_(std::move(socket)),
      connection_slot_(std::move(connection_slot)),
      remote_address_(remote_address_of(stream_.socket())),
      context_(context) {}

void HttpSession::run() { do_read(); }

void HttpSession::do_read() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(context_.limits.http_header_bytes_max));
  // Only the long-polling POST has a body, and it carries at most maxPayload bytes (413 above).
  parser_->body_limit(static_cast<std::uint64_t>(context_.host.config().payload_bytes_max));
  stream_.expires_after(std::chrono::milliseconds(context_.limits.http_request_timeout_ms));
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code error, std::size_t /*bytes_read*/) {
  if (error == http::error::end_of_stream) return do_close();
  // A timeout has closed the socket already; other network errors leave nothing to answer.
  if (error && error.category() != beast::http::make_error_code(http::error::bad_method).category()) return;
  if (error) {
    // The request is malformed or over a limit: answer once, then close, because the rest of
    // the byte stream can no longer be trusted to start a new request.
    const unsigned version = 11;
    if (error == http::error::body_limit) {
      return send_response(make_response(version, false, 413, "text/plain; charset=utf-8",
                                         "Request body larger than maxPayload.\n"));
    }
    if (error == http::error::header_limit) {
      return send_response(make_response(version, false, 431, "text/plain; charset=utf-8",
                                         "Request headers too large.\n"));
    }
    return send_response(make_response(version, false, 400, "text/plain; charset=utf-8",
                                       "Malformed HTTP request: " + error.message() + "\n"));
  }
  handle_request(parser_->release());
}

void HttpSession::handle_request(Request&& request) {
  std::string_view target = request.target();
  std::size_t query_start = target.find('?');
  std::string_view path = target.substr(0, query_start);
  // A copy: the request is moved on below, and the view would point into it.
  std::string query = query_start == std::string_view::npos ? std::string() : std::string(target.substr(query_start + 1));

  if (path == client_bundle_path || path == "/" || path == "/index.html") {
    if (request.method() != http::verb::get) {
      auto response = make_text(request, http::status::method_not_allowed, "Only GET is supported here.\n");
      response.set(http::field::allow, "GET");
      return send_response(std::move(response));
    }
    if (path == client_bundle_path) {
      if (!context_.client_bundle.javascript) {
        return send_response(
            make_text(request, http::status::not_found, client_bundle_missing_text(context_.client_bundle)));
      }
      return send_response(make_response(request, 200, "application/javascript; charset=utf-8",
                                         *context_.client_bundle.javascript));
    }
    return send_response(make_response(request, 200, "text/html; charset=utf-8", std::string(chat_page_html())));
  }
  if (path.starts_with(engineio_path_prefix)) return handle_engineio_request(std::move(request), query);
  return send_response(make_text(request, http::status::not_found, "Not found.\n"));
}

void HttpSession::handle_engineio_request(Request&& request, std::string_view query) {
  engineio::HandshakeParseResult handshake = engineio::parse_handshake_query(query);
  if (!handshake.ok) return send_response(make_engineio_error(request, handshake.error));
  // Admission: every Engine.IO request's Origin; for one that opens a session (no sid), the
  // session cap and the per-address rate too.
  std::optional<std::string_view> origin;
  if (auto found = request.find(http::field::origin); found != request.end()) origin = found->value();
  if (std::optional<engineio::HandshakeError> refusal =
          admit_engineio_request(context_, origin, remote_address_, handshake.query.session_id.empty())) {
    return send_response(make_engineio_error(request, *refusal));
  }
  // One branch per Engine.IO transport; both end in a transport the host drives.
  switch (handshake.query.transport) {
    case engineio::Transport::websocket:
      return handle_websocket_transport(std::move(request), std::move(handshake.query));
    case engineio::Transport::polling:
      return handle_polling_transport(std::move(request), handshake.query);
  }
  // Unreachable while the parser knows two transports; a third one must be routed above.
  send_response(make_engineio_error(request, engineio::make_handshake_error(engineio::ErrorCode::transport_unknown)));
}

void HttpSession::handle_websocket_transport(Request&& request, engineio::HandshakeQuery query) {
  if (!query.session_id.empty()) {
    // A sid asks to upgrade that long-polling session; the WebSocket attaches once open.
    if (std::optional<engineio::HandshakeError> error = context_.host.check_upgrade(query.session_id)) {
      return send_response(make_engineio_error(request, *error));
    }
  }
  if (!beast::websocket::is_upgrade(request)) {
    // transport=websocket over plain HTTP: engine.io answers "Bad request" too.
    return send_response(make_engineio_error(request, engineio::make_handshake_error(engineio::ErrorCode::bad_request)));
  }
  // The socket moves to the WebSocket session; this HTTP session ends when this returns.
  std::make_shared<WebSocketSession>(stream_.release_socket(), std::move(connection_slot_), context_, std::move(query))
      ->run(std::move(request));
}

void HttpSession::handle_polling_transport(Request&& request, const engineio::HandshakeQuery& query) {
  const bool is_get = request.method() == http::verb::get;
  if (is_get) {
    // Set before the host runs: the core may answer this GET at once (the open packet).
    held_poll_ = HeldPoll{request.version(), request.keep_alive()};
    std::optional<engineio::HandshakeError> error =
        query.session_id.empty() ? context_.host.open_polling_session(shared_from_this(), query)
                                 : context_.host.poll(query.session_id, shared_from_this());
    if (error) {
      held_poll_.reset();
      send_response(make_engineio_error(request, *error));
    }
    return;  // answered through answer_poll
  }
  if (query.session_id.empty()) {
    // The handshake is a GET only (engine.io: "Bad handshake method").
    return send_response(
        make_engineio_error(request, engineio::make_handshake_error(engineio::ErrorCode::bad_handshake_method)));
  }
  if (request.method() != http::verb::post) {
    // engine.io answers other methods on a session with a bare 500; a 400 with the protocol's
    // "Bad request" tells the client the same thing without claiming a server fault.
    return send_response(make_engineio_error(request, engineio::make_handshake_error(engineio::ErrorCode::bad_request)));
  }
  if (std::optional<engineio::HandshakeError> error = context_.host.post(query.session_id, request.body())) {
    return send_response(make_engineio_error(request, *error));
  }
  send_response(make_response(request, 200, polling_content_type, "ok"));
}

void HttpSession::answer_poll(std::string payload) {
  if (!held_poll_) return;  // nothing held: the host's bookkeeping would be wrong
  HeldPoll held = *held_poll_;
  held_poll_.reset();
  send_response(make_response(held.version, held.keep_alive, 200, polling_content_type, std::move(payload)));
}

void HttpSession::send_response(Response&& response) {
  bool keep_alive = response.keep_alive();
  response_.emplace(std::move(response));
  // A client that does not read its answer is dropped like one that does not send.
  stream_.expires_after(std::chrono::milliseconds(context_.limits.http_request_timeout_ms));
  http::async_write(stream_, *response_,
                    beast::bind_front_handler(&HttpSession::on_write, shared_from_this(), keep_alive));
}

void HttpSession::on_write(bool keep_alive, beast::error_code error, std::size_t /*bytes_written*/) {
  response_.reset();
  if (error) return;  // the client is gone; nothing left to tell it
  if (!keep_alive) return do_close();
  do_read();
}

void HttpSession::do_close() {
  beast::error_code ignored;
  stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ignored);
  // A lingering close: closing a socket with unread input makes the kernel send a reset,
  // which can destroy the response before the client reads it (a 413 while the client is
  // still sending its body). Read and discard until the client closes, bounded in time.
  stream_.expires_after(std::chrono::milliseconds(lingering_close_ms));
  drain_until_peer_closes();
}

void HttpSession::drain_until_peer_closes() {
  stream_.async_read_some(boost::asio::buffer(drain_buffer_),
                          [self = shared_from_this()](beast::error_code error, std::size_t /*bytes_read*/) {
                            // End of stream, a reset or the deadline: the session ends here.
                            if (!error) self->drain_until_peer_closes();
                          });
}

}  // namespace resync::server::shell
