#pragma once
// The shell's side of admission (the rules are host::AdmissionPolicy, pure): the count of open
// TCP connections, the clock and remote address the policy is given, the refusal of a
// connection accepted beyond the cap, and the log lines of refusals. Internal to the shell.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>

#include "protocol/engineio_packet.hpp"
#include "server/host/admission_policy.hpp"

namespace resync::server::shell {

struct ShellContext;

// One open TCP connection, counted for the connection cap while its holder lives: every
// HttpSession and WebSocketSession holds one for its socket (an upgrade hands it on with the
// socket). The count is shared, so a session destroyed after the server (when the io_context
// is torn down) still gives its slot back safely.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  explicit ConnectionSlot(std::shared_ptr<std::size_t> open_count) : open_count_(std::move(open_count)) {
    ++*open_count_;
  }
  ConnectionSlot(ConnectionSlot&& other) noexcept : open_count_(std::move(other.open_count_)) {}
  ConnectionSlot& operator=(ConnectionSlot&& other) noexcept {
    if (this != &other) {
      release();
      open_count_ = std::move(other.open_count_);
    }
    return *this;
  }
  ConnectionSlot(const ConnectionSlot&) = delete;
  ConnectionSlot& operator=(const ConnectionSlot&) = delete;
  ~ConnectionSlot() { release(); }

 private:
  void release() {
    if (open_count_) --*open_count_;
    open_count_.reset();
  }
  std::shared_ptr<std::size_t> open_count_;
};

// Milliseconds on the steady clock: the policy's `now` (its rate windows and log intervals).
std::int64_t admission_now_ms();

// The client's IP address as the rate rule keys it (an IPv4 client of an IPv6 listener as
// plain IPv4); empty when the socket has no peer any more.
std::string remote_address_of(const boost::asio::ip::tcp::socket& socket);

// Asks the policy about one Engine.IO request (its Origin; with `opens_session`, the session
// cap and the rate too), logs what it refuses, and returns the error to answer with.
std::optional<protocol::engineio::HandshakeError> admit_engineio_request(ShellContext& context,
                                                                        std::optional<std::string_view> origin,
                                                                        std::string_view remote_address,
                                                                        bool opens_session);

// A connection accepted beyond the cap: it is answered the refusal at once (HTTP 503 and the
// JSON body, Connection: close, without waiting for its request) and closed within a second.
// At most host::refused_connections_open_max are answered at once (`refused_open_count`
// counts them); beyond that a connection is closed without an answer, so a flood cannot hold
// the server's file descriptors.
void refuse_connection(boost::asio::ip::tcp::socket socket, const protocol::engineio::HandshakeError& refusal,
                       const std::shared_ptr<std::size_t>& refused_open_count);

}  // namespace resync::server::shell
