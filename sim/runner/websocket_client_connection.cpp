#include "sim/runner/websocket_client_connection.hpp"

#include <deque>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace resync::sim {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// Frames the server may send a client at most; above this the client treats the server as broken.
constexpr std::size_t incoming_frame_bytes_max = 16 * 1024 * 1024;

class BeastConnection final : public WebSocketClientConnection, public std::enable_shared_from_this<BeastConnection> {
 public:
  BeastConnection(asio::io_context& io, std::string host, std::uint16_t port, std::string query,
                  WebSocketClientCallbacks callbacks)
      : stream_(io), host_(std::move(host)), port_(port), query_(std::move(query)),
        callbacks_(std::move(callbacks)) {}

  void start() {
    const tcp::endpoint endpoint(asio::ip::make_address(host_), port_);
    beast::get_lowest_layer(stream_).async_connect(endpoint, beast::bind_front_handler(&BeastConnection::on_connect, shared_from_this()));
  }

  void send_text(std::string text) override {
    if (closed_) return;
    outbox_.push_back(std::move(text));
    if (outbox_.size() == 1 && open_) do_write();
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).socket().close(ignored);
  }

 private:
  void on_connect(beast::error_code error) {
    if (error) return fail(error, "connect");
    // As socket.io-client in Node (ws sets it): a small frame goes out now, not after the
    // peer's delayed ACK (Nagle), which would put 40 ms stalls into every exchange.
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().set_option(tcp::no_delay(true), ignored);
    stream_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    stream_.read_message_max(incoming_frame_bytes_max);
    stream_.async_handshake(host_ + ":" + std::to_string(port_), "/socket.io/?" + query_,
                            beast::bind_front_handler(&BeastConnection::on_handshake, shared_from_this()));
  }

  void on_handshake(beast::error_code error) {
    if (error) return fail(error, "handshake");
    open_ = true;
    if (!closed_ && callbacks_.on_open) callbacks_.on_open();
    if (!outbox_.empty()) do_write();
    do_read();
  }

  void do_read() {
    stream_.async_read(buffer_, beast::bind_front_handler(&BeastConnection::on_read, shared_from_this()));
  }

  void on_read(beast::error_code error, std::size_t /*bytes*/) {
    if (error) return fail(error, "read");
    std::string text = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (!closed_ && callbacks_.on_text) callbacks_.on_text(std::move(text));
    if (!closed_) do_read();
  }

  void do_write() {
    if (closed_ || outbox_.empty()) return;
    stream_.text(true);
    stream_.async_write(asio::buffer(outbox_.front()), beast::bind_front_handler(&BeastConnection::on_write, shared_from_this()));
  }

  void on_write(beast::error_code error, std::size_t /*bytes*/) {
    if (error) return fail(error, "write");
    outbox_.pop_front();
    do_write();
  }

  void fail(beast::error_code error, const char* what) {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().close(ignored);
    if (callbacks_.on_closed) {
      const bool clean = error == websocket::error::closed || error == asio::error::eof;
      callbacks_.on_closed(clean ? "transport close" : std::string("transport error (") + what + ": " + error.message() + ")");
    }
  }

  websocket::stream<beast::tcp_stream> stream_;
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  std::string host_;
  std::uint16_t port_;
  std::string query_;
  WebSocketClientCallbacks callbacks_;
  bool open_ = false;
  bool closed_ = false;
};

}  // namespace

std::shared_ptr<WebSocketClientConnection> WebSocketClientConnection::open(asio::io_context& io, std::string host,
                                                                           std::uint16_t port, std::string query,
                                                                           WebSocketClientCallbacks callbacks) {
  auto connection = std::make_shared<BeastConnection>(io, std::move(host), port, std::move(query), std::move(callbacks));
  connection->start();
  return connection;
}

}  // namespace resync::sim
