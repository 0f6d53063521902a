#include "sim/runner/redis_connection.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace resync::sim {
namespace {

std::int64_t connection_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Waits until the socket is ready for `events` or the deadline passes.
bool wait_ready(int socket_fd, short events, std::int64_t deadline_ms) {
  while (true) {
    const std::int64_t left_ms = deadline_ms - connection_now_ms();
    if (left_ms <= 0) return false;
    pollfd descriptor{socket_fd, events, 0};
    const int ready = ::poll(&descriptor, 1, static_cast<int>(left_ms));
    if (ready > 0) return true;
    if (ready < 0 && errno != EINTR) return false;
  }
}

}  // namespace

RedisConnection::RedisConnection(int socket_fd)
    : socket_fd_(socket_fd), reader_(std::make_unique<server::cluster::RespReader>()) {}

RedisConnection::~RedisConnection() {
  if (socket_fd_ >= 0) ::close(socket_fd_);
}

RedisConnection::RedisConnection(RedisConnection&& other) noexcept
    : socket_fd_(other.socket_fd_), reader_(std::move(other.reader_)) {
  other.socket_fd_ = -1;
}

RedisConnection& RedisConnection::operator=(RedisConnection&& other) noexcept {
  if (this != &other) {
    if (socket_fd_ >= 0) ::close(socket_fd_);
    socket_fd_ = other.socket_fd_;
    other.socket_fd_ = -1;
    reader_ = std::move(other.reader_);
  }
  return *this;
}

std::optional<RedisConnection> RedisConnection::open(std::uint16_t port, std::int64_t timeout_ms, std::string& error) {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (socket_fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return std::nullopt;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const std::string where = "127.0.0.1:" + std::to_string(port);
  if (::connect(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    if (errno != EINPROGRESS || !wait_ready(socket_fd, POLLOUT, connection_now_ms() + timeout_ms)) {
      error = "cannot connect to Redis on " + where + ": " + (errno == EINPROGRESS ? "timed out" : std::strerror(errno));
      ::close(socket_fd);
      return std::nullopt;
    }
    int socket_error = 0;
    socklen_t length = sizeof(socket_error);
    ::getsockopt(socket_fd, SOL_SOCKET, SO_ERROR, &socket_error, &length);
    if (socket_error != 0) {
      error = "cannot connect to Redis on " + where + ": " + std::strerror(socket_error);
      ::close(socket_fd);
      return std::nullopt;
    }
  }
  return RedisConnection(socket_fd);
}

std::optional<server::cluster::RespValue> RedisConnection::command(const std::vector<std::string>& arguments,
                                                                   std::int64_t timeout_ms, std::string& error) {
  const auto fail = [&](std::string why) -> std::optional<server::cluster::RespValue> {
    error = std::move(why);
    if (socket_fd_ >= 0) ::close(socket_fd_);
    socket_fd_ = -1;
    return std::nullopt;
  };
  if (socket_fd_ < 0) return fail("the connection to Redis is closed (an earlier command failed)");
  const std::int64_t deadline_ms = connection_now_ms() + timeout_ms;
  const std::string request = server::cluster::encode_command(arguments);
  std::size_t written = 0;
  while (written < request.size()) {
    const ssize_t count = ::send(socket_fd_, request.data() + written, request.size() - written, MSG_NOSIGNAL);
    if (count > 0) {
      written += static_cast<std::size_t>(count);
    } else if (count < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_ready(socket_fd_, POLLOUT, deadline_ms)) return fail("Redis took no bytes of " + arguments.front() + " within " + std::to_string(timeout_ms) + " ms");
    } else {
      return fail("cannot send " + arguments.front() + " to Redis: " + std::strerror(errno));
    }
  }
  char buffer[64 * 1024];
  while (true) {
    auto taken = reader_->take();
    if (!taken.ok()) return fail("a broken reply to " + arguments.front() + " from Redis: " + taken.error());
    if (taken.value()) return std::move(*taken.value());
    if (!wait_ready(socket_fd_, POLLIN, deadline_ms)) {
      return fail("no reply to " + arguments.front() + " from Redis within " + std::to_string(timeout_ms) + " ms");
    }
    const ssize_t count = ::recv(socket_fd_, buffer, sizeof(buffer), 0);
    if (count == 0) return fail("Redis closed the connection before it answered " + arguments.front());
    if (count < 0 && errno != EAGAIN && errno != EINTR) {
      return fail("cannot read the reply to " + arguments.front() + ": " + std::strerror(errno));
    }
    if (count > 0) reader_->feed(std::string_view(buffer, static_cast<std::size_t>(count)));
  }
}

}  // namespace resync::sim
