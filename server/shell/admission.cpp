#include "server/shell/admission.hpp"

#include <array>
#include <chrono>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "server/shell/shell_context.hpp"
#include "server/shell/shell_log.hpp"

namespace resync::server::shell {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using boost::asio::ip::tcp;

namespace {

// How long a refused connection may take to receive its answer and close: long enough for a
// client on a slow link to read a few hundred bytes, short enough that refusals never pile up.
constexpr int refused_connection_lifetime_ms = 1000;

// Writes the refusal, then reads and discards until the client closes (a lingering close: a
// close with unread input would reset the connection and could destroy the answer), all within
// refused_connection_lifetime_ms.
class RefusedConnection final : public std::enable_shared_from_this<RefusedConnection> {
 public:
  RefusedConnection(tcp::socket&& socket, const protocol::engineio::HandshakeError& refusal, ConnectionSlot slot)
      : stream_(std::move(socket)), slot_(std::move(slot)) {
    response_.version(11);
    response_.result(static_cast<unsigned>(refusal.http_status));
    response_.set(http::field::server, "resync");
    response_.set(http::field::content_type, "application/json");
    // Seconds, as RFC 9110 says; a client that honours it does not retry at once.
    response_.set(http::field::retry_after, "1");
    response_.keep_alive(false);
    response_.body() = refusal.json_body();
    response_.prepare_payload();
  }

  void run() {
    stream_.expires_after(std::chrono::milliseconds(refused_connection_lifetime_ms));
    http::async_write(stream_, response_, beast::bind_front_handler(&RefusedConnection::on_write, shared_from_this()));
  }

 private:
  void on_write(beast::error_code error, std::size_t /*bytes_written*/) {
    if (error) return;  // the client is gone or too slow; the socket closes with this object
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    drain_until_peer_closes();
  }

  void drain_until_peer_closes() {
    stream_.async_read_some(boost::asio::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code error, std::size_t /*bytes_read*/) {
                              if (!error) self->drain_until_peer_closes();
                            });
  }

  beast::tcp_stream stream_;
  ConnectionSlot slot_;
  http::response<http::string_body> response_;
  std::array<char, 1024> drain_buffer_{};
};

}  // namespace

std::int64_t admission_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string remote_address_of(const tcp::socket& socket) {
  beast::error_code error;
  const tcp::endpoint peer = socket.remote_endpoint(error);
  if (error) return {};
  boost::asio::ip::address address = peer.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
  }
  return address.to_string();
}

std::optional<protocol::engineio::HandshakeError> admit_engineio_request(ShellContext& context,
                                                                        std::optional<std::string_view> origin,
                                                                        std::string_view remote_address,
                                                                        bool opens_session) {
  const std::int64_t now_ms = admission_now_ms();
  std::optional<host::AdmissionRefusal> refusal = context.admission.check_origin(origin, now_ms);
  if (!refusal && opens_session) {
    // The count is of sessions the host has opened; handshakes still running (a WebSocket
    // accepting) are not in it, so a burst can pass the cap by those few.
    refusal = context.admission.admit_session(remote_address, now_ms, context.host.open_session_count());
  }
  if (!refusal) return std::nullopt;
  if (!refusal->log_line.empty()) log_line(LogLevel::warning, refusal->log_line);
  return std::move(refusal->error);
}

void refuse_connection(tcp::socket socket, const protocol::engineio::HandshakeError& refusal,
                       const std::shared_ptr<std::size_t>& refused_open_count) {
  if (*refused_open_count >= host::refused_connections_open_max) {
    beast::error_code ignored;
    socket.close(ignored);
    return;
  }
  std::make_shared<RefusedConnection>(std::move(socket), refusal, ConnectionSlot(refused_open_count))->run();
}

}  // namespace resync::server::shell
