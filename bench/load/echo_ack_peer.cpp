#include "bench/load/echo_ack_peer.hpp"

#include <string>

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace resync::bench {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

void serve(tcp::socket socket) {
  boost::system::error_code error;
  socket.set_option(tcp::no_delay(true), error);
  beast::websocket::stream<tcp::socket> websocket(std::move(socket));
  websocket.accept(error);
  if (error) return;
  websocket.text(true);
  const std::string open = R"(0{"sid":"echo","upgrades":[],"pingInterval":300000,"pingTimeout":300000,"maxPayload":1000000})";
  websocket.write(asio::buffer(open), error);
  beast::flat_buffer buffer;
  while (!error) {
    buffer.clear();
    websocket.read(buffer, error);
    if (error) return;
    const std::string text = beast::buffers_to_string(buffer.data());
    std::string reply;
    if (text.rfind("40", 0) == 0) {
      reply = R"(40{"sid":"echo-socket"})";
    } else if (text.rfind("42", 0) == 0) {
      const std::size_t digits_end = text.find('[');
      reply = "43" + text.substr(2, digits_end - 2) + "[]";
    } else {
      continue;
    }
    websocket.write(asio::buffer(reply), error);
  }
}

}  // namespace

EchoAckPeer::EchoAckPeer() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
  port_ = acceptor_.local_endpoint().port();
  thread_ = std::thread([this] { accept_loop(); });
}

EchoAckPeer::~EchoAckPeer() {
  stopping_ = true;
  // A blocking accept is woken by one more connection, not by closing the acceptor from
  // another thread (Asio objects are not thread-safe).
  boost::system::error_code ignored;
  tcp::socket wake(io_);
  wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ignored);
  thread_.join();
  for (auto& connection : connections_) connection.join();
}

void EchoAckPeer::accept_loop() {
  while (!stopping_) {
    boost::system::error_code error;
    tcp::socket socket(io_);
    acceptor_.accept(socket, error);
    if (error || stopping_) return;
    connections_.emplace_back([socket = std::move(socket)]() mutable { serve(std::move(socket)); });
  }
}

}  // namespace resync::bench
