#pragma once
// One HTTP connection: reads requests within header/body limits and a timeout and answers
// each through route_http_request (a WebSocket upgrade hands the socket to a
// WebSocketSession). Internal to the shell.
#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "server/host/session_transport.hpp"
#include "server/shell/admission.hpp"
#include "server/shell/http_request_router.hpp"
#include "server/shell/shell_context.hpp"

namespace resync::server::shell {

class HttpSession final : public host::PollResponder,
                          private HttpExchange,
                          public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, ConnectionSlot connection_slot, ShellContext& context);
  void run();

  // A long-polling GET of this connection is answered; the next request is read afterwards.
  void answer_poll(std::string payload) override;

 private:
  // HttpExchange: what route_http_request does with this connection.
  void send_response(HttpResponse&& response) override;
  std::shared_ptr<host::PollResponder> hold_poll(unsigned version, bool keep_alive) override;
  void release_held_poll() override { held_poll_.reset(); }
  void upgrade_to_websocket(HttpRequest&& request, protocol::engineio::HandshakeQuery query) override;
  std::string_view remote_address() const override { return remote_address_; }

  void do_read();
  void on_read(boost::beast::error_code error, std::size_t bytes_read);
  void on_write(bool keep_alive, boost::beast::error_code error, std::size_t bytes_written);
  void do_close();
  void drain_until_peer_closes();

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  ConnectionSlot connection_slot_;
  std::string remote_address_;  // the client's IP address, for the per-address rate
  ShellContext& context_;
  // A fresh parser per request: limits apply to each request, not to the connection.
  std::optional<HttpRequestParser> parser_;
  // One response in flight; the next request is read once it is written.
  std::optional<HttpResponse> response_;
  // The long-polling GET the core holds, if any: what its answer needs from the request.
  struct HeldPoll {
    unsigned version = 11;
    bool keep_alive = true;
  };
  std::optional<HeldPoll> held_poll_;
  // Where a lingering close throws away what the client still sends.
  std::array<char, 4096> drain_buffer_{};
};

}  // namespace resync::server::shell
