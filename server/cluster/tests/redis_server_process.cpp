#include "server/cluster/tests/redis_server_process.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "server/cluster/resp_codec.hpp"

namespace resync::server::cluster::testing {

std::optional<std::string> find_redis_server() {
  const char* path = std::getenv("PATH");
  std::string directories = path != nullptr ? path : "/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= directories.size()) {
    const std::size_t end = std::min(directories.find(':', start), directories.size());
    const std::string candidate = directories.substr(start, end - start) + "/redis-server";
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

int pick_free_port() {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (socket_fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(socket_fd);
  return port;
}

int connect_to_loopback(int port) {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (socket_fd < 0) return -1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::connect(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(socket_fd);
    return -1;
  }
  const int one = 1;
  ::setsockopt(socket_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return socket_fd;
}

RedisServerProcess::RedisServerProcess(std::string executable) : executable_(std::move(executable)) {
  port_ = pick_free_port();
  std::string pattern = (std::filesystem::temp_directory_path() / "resync-redis-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) != nullptr) directory_ = buffer.data();
}

RedisServerProcess::~RedisServerProcess() {
  kill();
  if (!directory_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
}

bool RedisServerProcess::start() {
  if (running()) return true;
  if (port_ == 0 || directory_.empty()) {
    why_ = "no free port or no temporary directory";
    return false;
  }
  const std::string port = std::to_string(port_);
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) {
    why_ = "fork failed";
    return false;
  }
  if (child == 0) {
    // Dies with the test process, whatever kills it; and leads a process group of its own,
    // so kill() also reaches the AOF rewrite child Redis forks at start.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::setpgid(0, 0);
    if (::getppid() != parent) ::_exit(127);
    const std::string log_file = directory_ + "/redis.log";
    std::vector<std::string> arguments{executable_, "--port", port, "--bind", "127.0.0.1", "--dir", directory_,
                                       "--appendonly", "yes", "--appendfsync", "always", "--save", "",
                                       "--logfile", log_file, "--daemonize", "no"};
    std::vector<char*> argv;
    for (std::string& argument : arguments) argv.push_back(argument.data());
    argv.push_back(nullptr);
    ::execv(executable_.c_str(), argv.data());
    ::_exit(127);
  }
  pid_ = child;
  ::setpgid(child, child);  // also here: kill() may come before the child has run
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(startup_timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      why_ = "redis-server exited at start (see " + directory_ + "/redis.log)";
      return false;
    }
    BlockingRedisConnection connection(port_);
    if (connection.connected() && connection.command_reply_bytes(encode_command({"PING"})) == "+PONG\r\n") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  why_ = "redis-server did not answer PING within " + std::to_string(startup_timeout_ms) + " ms";
  kill();
  return false;
}

void RedisServerProcess::kill() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

BlockingRedisConnection::BlockingRedisConnection(int port) : socket_(connect_to_loopback(port)) {}

BlockingRedisConnection::~BlockingRedisConnection() {
  if (socket_ >= 0) ::close(socket_);
}

std::string BlockingRedisConnection::command_reply_bytes(const std::string& command_bytes) {
  if (socket_ < 0) return {};
  std::size_t written = 0;
  while (written < command_bytes.size()) {
    const ssize_t count = ::send(socket_, command_bytes.data() + written, command_bytes.size() - written, MSG_NOSIGNAL);
    if (count <= 0) return {};
    written += static_cast<std::size_t>(count);
  }
  RespReader reader;
  std::string reply;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(reply_timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd descriptor{socket_, POLLIN, 0};
    if (::poll(&descriptor, 1, 100) <= 0) continue;
    char buffer[65536];
    const ssize_t count = ::recv(socket_, buffer, sizeof(buffer), 0);
    if (count <= 0) return {};
    reply.append(buffer, static_cast<std::size_t>(count));
    reader.feed(std::string_view(buffer, static_cast<std::size_t>(count)));
    auto taken = reader.take();
    if (!taken.ok()) return {};
    if (taken.value()) return reply;
  }
  return {};
}

}  // namespace resync::server::cluster::testing
