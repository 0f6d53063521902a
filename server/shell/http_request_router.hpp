#pragma once
// How the server answers one HTTP request, apart from the socket it came on: the chat page and
// the client bundle, the node's status (/resync/status), and /socket.io/ routed to an Engine.IO transport through the host. The
// HttpSession runs it on a connection; the server_http fuzz target (input_fuzzing/) runs the
// same routing on requests parsed from its bytes.
#include <cstdint>
#include <memory>
#include <string_view>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "protocol/engineio_packet.hpp"
#include "server/host/session_transport.hpp"
#include "server/shell/shell_context.hpp"

namespace resync::server::shell {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using HttpRequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// What a routed request can do with the connection it came on.
class HttpExchange {
 public:
  virtual ~HttpExchange() = default;
  virtual void send_response(HttpResponse&& response) = 0;
  // A long-polling GET that the host may hold: the responder it answers through later. What
  // the answer needs from the request (its version, keep-alive) is kept by the exchange.
  virtual std::shared_ptr<host::PollResponder> hold_poll(unsigned version, bool keep_alive) = 0;
  // The host refused the GET offered through hold_poll; an error response follows.
  virtual void release_held_poll() = 0;
  // A valid WebSocket handshake: the connection becomes a WebSocket session for `query`.
  virtual void upgrade_to_websocket(HttpRequest&& request, protocol::engineio::HandshakeQuery query) = 0;
  // The client's IP address, for the per-address session rate (empty when unknown).
  virtual std::string_view remote_address() const = 0;
};

// A fresh parser per request, with the shell's limits: headers within http_header_bytes_max,
// a body (only the long-polling POST has one) within maxPayload.
void apply_request_limits(HttpRequestParser& parser, const ShellContext& context);

void route_http_request(HttpRequest&& request, ShellContext& context, HttpExchange& exchange);

// The answer to a request that could not be read: malformed (400), headers over the limit
// (431) or a body over maxPayload (413). The connection closes after it, because the rest of
// the byte stream can no longer be trusted to start a new request.
HttpResponse response_to_unreadable_request(const boost::beast::error_code& error);

// The answer to a long-polling GET the host held.
HttpResponse poll_answer(unsigned version, bool keep_alive, std::string payload);

}  // namespace resync::server::shell
