#pragma once
// An in-process peer that answers the Engine.IO open, the Socket.IO CONNECT and every acked
// event at once and stores nothing, one thread per connection: the load generator's own
// ceiling. A server figure near it says the client, not the server, was the limit.
#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace resync::bench {

class EchoAckPeer {
 public:
  EchoAckPeer();
  ~EchoAckPeer();
  EchoAckPeer(const EchoAckPeer&) = delete;
  EchoAckPeer& operator=(const EchoAckPeer&) = delete;
  std::uint16_t port() const { return port_; }

 private:
  void accept_loop();

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::vector<std::thread> connections_;
};

}  // namespace resync::bench
