#pragma once
// One HTTP connection: reads requests within header/body limits and a timeout, serves the
// chat page and the client bundle, and routes /socket.io/ to an Engine.IO transport (a
// WebSocket upgrade hands the socket to a WebSocketSession). Internal to the shell.
#include <array>
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "protocol/engineio_packet.hpp"
#include "server/shell/admission.hpp"
#include "server/shell/shell_context.hpp"
#include "server/host/session_transport.hpp"

namespace resync::server::shell {

class HttpSession final : public host::PollResponder, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(boost::asio::ip::tcp::socket&& socket, ConnectionSlot connection_slot, ShellContext& context);
  void run();

  // A long-polling GET of this connection is answered; the next request is read afterwards.
  void answer_poll(std::string payload) override;

 private:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  void do_read();
  void on_read(boost::beast::error_code error, std::size_t bytes_read);
  void handle_request(Request&& request);
  void handle_engineio_request(Request&& request, std::string_view query);
  void handle_websocket_transport(Request&& request, protocol::engineio::HandshakeQuery query);
  void handle_polling_transport(Request&& request, const protocol::engineio::HandshakeQuery& query);
  void send_response(Response&& response);
  void on_write(bool keep_alive, boost::beast::error_code error, std::size_t bytes_written);
  void do_close();
  void drain_until_peer_closes();

  boost::beast::tcp_stream stream_;
  // Counts this connection for the cap; handed to the WebSocketSession with the socket.
  ConnectionSlot connection_slot_;
  std::string remote_address_;  // the client's IP address, for the per-address rate
  boost::beast::flat_buffer buffer_;
  ShellContext& context_;
  // A fresh parser per request: limits apply to each request, not to the connection.
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  // One response in flight; the next request is read once it is written.
  std::optional<Response> response_;
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
