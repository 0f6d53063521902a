#include "server/shell/http_session.hpp"

#include <chrono>
#include <string>
#include <utility>

#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "server/shell/websocket_session.hpp"

namespace resync::server::shell {

namespace beast = boost::beast;
namespace http = boost::beast::http;

namespace {

// How long a closing connection keeps reading what the client still sends (see do_close).
constexpr int lingering_close_ms = 2000;

}  // namespace

HttpSession::HttpSession(boost::asio::ip::tcp::socket&& socket, ConnectionSlot connection_slot, ShellContext& context)
    : stream_(std::move(socket)),
      connection_slot_(std::move(connection_slot)),
      remote_address_(remote_address_of(stream_.socket())),
      context_(context) {}

void HttpSession::run() { do_read(); }

void HttpSession::do_read() {
  parser_.emplace();
  apply_request_limits(*parser_, context_);
  stream_.expires_after(std::chrono::milliseconds(context_.limits.http_request_timeout_ms));
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code error, std::size_t /*bytes_read*/) {
  if (error == http::error::end_of_stream) return do_close();
  // A timeout has closed the socket already; other network errors leave nothing to answer.
  if (error && error.category() != beast::http::make_error_code(http::error::bad_method).category()) return;
  if (error) return send_response(response_to_unreadable_request(error));
  route_http_request(parser_->release(), context_, *this);
}

std::shared_ptr<host::PollResponder> HttpSession::hold_poll(unsigned version, bool keep_alive) {
  held_poll_ = HeldPoll{version, keep_alive};
  return shared_from_this();
}

void HttpSession::upgrade_to_websocket(HttpRequest&& request, protocol::engineio::HandshakeQuery query) {
  // The socket moves to the WebSocket session; this HTTP session ends when this returns.
  std::make_shared<WebSocketSession>(stream_.release_socket(), std::move(connection_slot_), context_, std::move(query))
      ->run(std::move(request));
}

void HttpSession::answer_poll(std::string payload) {
  if (!held_poll_) return;  // nothing held: the host's bookkeeping would be wrong
  HeldPoll held = *held_poll_;
  held_poll_.reset();
  send_response(poll_answer(held.version, held.keep_alive, std::move(payload)));
}

void HttpSession::send_response(HttpResponse&& response) {
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
