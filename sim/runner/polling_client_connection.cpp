#include "sim/runner/polling_client_connection.hpp"

#include <array>
#include <deque>
#include <map>
#include <variant>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "sim/client/polling_client_transport.hpp"

namespace resync::sim {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Bytes read per call; a polling answer larger than this arrives over several reads.
constexpr std::size_t read_chunk_bytes = 64 * 1024;

class AsioPollingConnection final : public PollingClientConnection,
                                    public std::enable_shared_from_this<AsioPollingConnection> {
 public:
  AsioPollingConnection(asio::io_context& io, std::string host, std::uint16_t port, std::string query,
                        ClientTransportCallbacks callbacks)
      : io_(io),
        endpoint_(asio::ip::make_address(host), port),
        transport_(PollingTransportOptions{host + ":" + std::to_string(port), std::move(query)}),
        callbacks_(std::move(callbacks)) {}

  void start() {
    transport_.open();
    carry_out();
  }

  void send_text(std::string text) override {
    if (app_closed_) return;
    transport_.send(std::move(text));
    carry_out();
  }

  // The transport still POSTs its close packet; this object lives on (held by its pending
  // operations) until that is answered or its connections end.
  void close() override {
    if (app_closed_) return;
    app_closed_ = true;
    transport_.close();
    carry_out();
  }

 private:
  struct Socket {
    explicit Socket(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    std::deque<std::string> writes;  // the front is being written once connected
    bool connected = false;
    bool close_after_writes = false;
    std::array<char, read_chunk_bytes> buffer{};
  };

  // Runs what the transport asked for. Callbacks may call back into send_text/close: those
  // run their own carry_out, and this loop goes on with what is left.
  void carry_out() {
    const auto self = shared_from_this();  // a callback may drop the owner's reference
    while (true) {
      std::vector<PollingAction> actions = transport_.take_actions();
      if (actions.empty()) return;
      for (PollingAction& action : actions) carry(action);
    }
  }

  void carry(PollingAction& action) {
    if (auto* open = std::get_if<OpenPollingConnection>(&action)) {
      auto socket = std::make_shared<Socket>(io_);
      sockets_[open->connection] = socket;
      socket->socket.async_connect(endpoint_, [self = shared_from_this(), id = open->connection](
                                                  const boost::system::error_code& error) { self->on_connect(id, error); });
    } else if (auto* write = std::get_if<WritePollingBytes>(&action)) {
      const auto found = sockets_.find(write->connection);
      if (found == sockets_.end()) return;
      found->second->writes.push_back(std::move(write->bytes));
      if (found->second->connected && found->second->writes.size() == 1) do_write(write->connection);
    } else if (auto* close = std::get_if<ClosePollingConnection>(&action)) {
      const auto found = sockets_.find(close->connection);
      if (found == sockets_.end()) return;
      if (found->second->writes.empty()) {
        shut(close->connection);
      } else {
        found->second->close_after_writes = true;
      }
    } else if (auto* packet = std::get_if<DeliverPacket>(&action)) {
      if (!app_closed_ && callbacks_.on_text) callbacks_.on_text(std::move(packet->text));
    } else if (std::holds_alternative<PollingTransportOpen>(action)) {
      if (!app_closed_ && callbacks_.on_open) callbacks_.on_open();
    } else if (auto* closed = std::get_if<PollingTransportClosed>(&action)) {
      if (!app_closed_ && callbacks_.on_closed) callbacks_.on_closed(std::move(closed->reason));
      app_closed_ = true;  // once, for any end
    }
  }

  void on_connect(PollingConnectionId id, const boost::system::error_code& error) {
    const auto found = sockets_.find(id);
    if (found == sockets_.end()) return;
    if (error) return lost(id);
    found->second->connected = true;
    boost::system::error_code ignored;
    found->second->socket.set_option(tcp::no_delay(true), ignored);
    if (!found->second->writes.empty()) do_write(id);
    do_read(id);
  }

  void do_write(PollingConnectionId id) {
    const std::shared_ptr<Socket> socket = sockets_.at(id);
    asio::async_write(socket->socket, asio::buffer(socket->writes.front()),
                      [self = shared_from_this(), id, socket](const boost::system::error_code& error, std::size_t) {
                        self->on_write(id, socket, error);
                      });
  }

  void on_write(PollingConnectionId id, const std::shared_ptr<Socket>& socket, const boost::system::error_code& error) {
    const auto found = sockets_.find(id);
    if (found == sockets_.end() || found->second != socket) return;
    if (error) return lost(id);
    socket->writes.pop_front();
    if (!socket->writes.empty()) return do_write(id);
    if (socket->close_after_writes) shut(id);
  }

  void do_read(PollingConnectionId id) {
    const std::shared_ptr<Socket> socket = sockets_.at(id);
    socket->socket.async_read_some(asio::buffer(socket->buffer),
                                   [self = shared_from_this(), id, socket](const boost::system::error_code& error,
                                                                           std::size_t bytes) {
                                     self->on_read(id, socket, error, bytes);
                                   });
  }

  void on_read(PollingConnectionId id, const std::shared_ptr<Socket>& socket, const boost::system::error_code& error,
               std::size_t bytes) {
    const auto found = sockets_.find(id);
    if (found == sockets_.end() || found->second != socket) return;
    if (error) return lost(id);
    transport_.on_bytes(id, std::string_view(socket->buffer.data(), bytes));
    if (sockets_.count(id) != 0) do_read(id);  // before carry_out: a close action may end it
    carry_out();
  }

  // The connection ended under the transport (EOF, a reset, a refused connect).
  void lost(PollingConnectionId id) {
    shut(id);
    transport_.on_connection_closed(id);
    carry_out();
  }

  void shut(PollingConnectionId id) {
    const auto found = sockets_.find(id);
    if (found == sockets_.end()) return;
    boost::system::error_code ignored;
    found->second->socket.shutdown(tcp::socket::shutdown_both, ignored);
    found->second->socket.close(ignored);
    sockets_.erase(found);
  }

  asio::io_context& io_;
  tcp::endpoint endpoint_;
  PollingClientTransport transport_;
  ClientTransportCallbacks callbacks_;
  std::map<PollingConnectionId, std::shared_ptr<Socket>> sockets_;
  bool app_closed_ = false;  // close() was called or the end was reported: no more callbacks
};

}  // namespace

std::shared_ptr<PollingClientConnection> PollingClientConnection::open(asio::io_context& io, std::string host,
                                                                       std::uint16_t port, std::string query,
                                                                       ClientTransportCallbacks callbacks) {
  auto connection = std::make_shared<AsioPollingConnection>(io, std::move(host), port, std::move(query), std::move(callbacks));
  connection->start();
  return connection;
}

}  // namespace resync::sim
