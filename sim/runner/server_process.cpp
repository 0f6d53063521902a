#include "sim/runner/server_process.hpp"

#include "sim/runner/stderr_drain.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace resync::sim {

namespace {

constexpr std::string_view listening_prefix = "resync serve: listening on http://";
// A server that has not exited this long after it was signalled is SIGKILLed.
constexpr std::int64_t stop_grace_ms = 10000;
// After a reap, how long the stderr copy may take to reach the pipe's end (the group is
// SIGKILLed by then, so only an escaped descendant keeps it open).
constexpr std::int64_t stderr_drain_wait_ms_max = 2000;

std::int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// The runner's other sockets (Asio does not open them close-on-exec) must not leak into a
// server: a child holding a copy of a proxied client socket keeps it open after the proxy
// resets it, and the client sees the reset only when that server exits (seen with --jobs 2:
// a reset at 300 ms reached its client at 3288 ms, when the other scenario's server quit).
void close_inherited_descriptors(posix_spawn_file_actions_t& actions) {
  posix_spawn_file_actions_addclosefrom_np(&actions, STDERR_FILENO + 1);
}

}  // namespace

std::string current_executable_path() {
  char buffer[4096];
  const ssize_t length = ::readlink("/proc/self/exe", buffer, sizeof(buffer) - 1);
  if (length <= 0) return "resync";
  return std::string(buffer, static_cast<std::size_t>(length));
}

std::uint16_t pick_free_port() {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (socket_fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  std::uint16_t port = 0;
  if (::bind(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    socklen_t length = sizeof(address);
    if (::getsockname(socket_fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) port = ntohs(address.sin_port);
  }
  ::close(socket_fd);
  return port;
}

bool port_accepts_connections(std::uint16_t port) {
  const int socket_fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (socket_fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  const bool accepted = ::connect(socket_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(socket_fd);
  return accepted;
}

ServerProcess::ServerProcess(ServerLaunch launch) : launch_(std::move(launch)) {}

ServerProcess::~ServerProcess() {
  if (running()) stop(SIGKILL);
  close_stdout_pipe();
}

std::optional<std::string> ServerProcess::start(std::uint16_t port) {
  if (running()) return std::string("the server is already running");
  ++incarnation_;
  stderr_offset_ = file_size_or_zero(launch_.stderr_path);
  escalated_ = false;
  return launch_.shell_command.empty() ? start_embedded(port) : start_shell_command(port);
}

std::optional<std::string> ServerProcess::failure(const std::string& what) {
  if (running()) stop(SIGKILL);
  finish_stderr();  // a spawn that failed leaves the pipe with no writer
  std::string message = what;
  const std::string tail = stderr_tail();
  if (!tail.empty()) message += "\n--- the server's stderr ---\n" + tail;
  return message;
}

std::optional<std::string> ServerProcess::start_embedded(std::uint16_t port) {
  int stdout_pipe[2];
  std::string drain_error;
  StderrDrain::LineHandler on_line;
  if (launch_.on_stderr_line) {
    on_line = [handler = launch_.on_stderr_line, incarnation = incarnation_](std::string line) {
      handler(incarnation, std::move(line));
    };
  }
  stderr_drain_ = StderrDrain::start(launch_.stderr_path, drain_error, std::move(on_line));
  if (!stderr_drain_) return drain_error;
  if (::pipe2(stdout_pipe, O_CLOEXEC) != 0) return std::string("pipe() failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, stdout_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, stderr_drain_->write_fd(), STDERR_FILENO);
  close_inherited_descriptors(actions);
  std::vector<std::string> arguments = launch_.serve_arguments;
  arguments.push_back("--port");
  arguments.push_back(std::to_string(port));
  std::vector<char*> argv;
  for (auto& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  // The environment is passed on whole: a sanitizer build of the server reads its
  // ASAN_OPTIONS / UBSAN_OPTIONS from there, as the runner's own build does.
  const int status = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(stdout_pipe[1]);
  stderr_drain_->close_write_end();
  if (status != 0) {
    ::close(stdout_pipe[0]);
    pid_ = -1;
    return failure("cannot start '" + arguments[0] + "': " + std::strerror(status));
  }
  // Read stdout until the "listening" line names the port, or the deadline passes.
  std::string output;
  const std::int64_t deadline = steady_now_ms() + launch_.start_timeout_ms;
  while (true) {
    const std::size_t newline = output.find('\n');
    if (newline != std::string::npos) {
      const std::string line = output.substr(0, newline);
      output.erase(0, newline + 1);
      const auto prefix = line.find(listening_prefix);
      if (prefix != std::string::npos) {
        const auto colon = line.rfind(':');
        port_ = static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1)));
        break;
      }
      continue;
    }
    const std::int64_t remaining = deadline - steady_now_ms();
    if (remaining <= 0) {
      ::close(stdout_pipe[0]);
      return failure("the server did not report 'listening' within " + std::to_string(launch_.start_timeout_ms) + " ms");
    }
    pollfd poll_fd{stdout_pipe[0], POLLIN, 0};
    if (::poll(&poll_fd, 1, static_cast<int>(remaining)) <= 0) continue;
    char buffer[1024];
    const ssize_t count = ::read(stdout_pipe[0], buffer, sizeof(buffer));
    if (count <= 0) {
      ::close(stdout_pipe[0]);
      int wait_status = 0;
      ::waitpid(pid_, &wait_status, 0);
      forget_child(wait_status);
      return failure("the server exited before it was listening (" + describe_exit(*last_exit_) + ")");
    }
    output.append(buffer, static_cast<std::size_t>(count));
  }
  // Keep the read end open while the server runs: closing it would turn any later write to
  // stdout into a SIGPIPE that kills the server.
  stdout_read_fd_ = stdout_pipe[0];
  return std::nullopt;
}

std::optional<std::string> ServerProcess::start_shell_command(std::uint16_t port) {
  if (port == 0) port = pick_free_port();
  port_ = port;
  std::string drain_error;
  stderr_drain_ = StderrDrain::start(launch_.stderr_path, drain_error);
  if (!stderr_drain_) return drain_error;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, stderr_drain_->write_fd(), STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, stderr_drain_->write_fd(), STDERR_FILENO);
  close_inherited_descriptors(actions);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // Its own process group, so a kill reaches the whole command (sh and what it started).
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attributes, 0);
  std::vector<std::string> environment;
  // Our PORT and RESYNC_RUN_DIR replace inherited ones (a nested run must not reuse its
  // parent's directory).
  std::vector<std::string> replaced = {"PORT=", "RESYNC_RUN_DIR="};
  for (const std::string& extra : launch_.extra_environment) replaced.push_back(extra.substr(0, extra.find('=') + 1));
  for (char** entry = environ; *entry; ++entry) {
    const std::string_view variable(*entry);
    const bool ours = std::any_of(replaced.begin(), replaced.end(),
                                  [&](const std::string& name) { return variable.rfind(name, 0) == 0; });
    if (!ours) environment.emplace_back(*entry);
  }
  environment.insert(environment.end(), launch_.extra_environment.begin(), launch_.extra_environment.end());
  environment.push_back("PORT=" + std::to_string(port));
  if (!launch_.run_directory.empty()) environment.push_back("RESYNC_RUN_DIR=" + launch_.run_directory);
  std::vector<char*> envp;
  for (auto& entry : environment) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string shell = "/bin/sh", dash_c = "-c", command = launch_.shell_command;
  char* argv[] = {shell.data(), dash_c.data(), command.data(), nullptr};
  const int status = ::posix_spawn(&pid_, "/bin/sh", &actions, &attributes, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  stderr_drain_->close_write_end();
  if (status != 0) {
    pid_ = -1;
    return failure(std::string("cannot start /bin/sh: ") + std::strerror(status));
  }
  const std::int64_t deadline = steady_now_ms() + launch_.start_timeout_ms;
  while (!port_accepts_connections(port)) {
    if (exited_unexpectedly()) {
      return failure("the target command exited (" + describe_exit(*last_exit_) +
                     ") before it accepted connections on port " + std::to_string(port));
    }
    if (steady_now_ms() > deadline) {
      return failure("the target command did not accept connections on port " + std::to_string(port) + " within " +
                     std::to_string(launch_.start_timeout_ms) + " ms (it gets the port in $PORT)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::nullopt;
}

void ServerProcess::stop(int signal) {
  if (!running()) return;
  this->signal(signal);
  wait_for_exit();
}

void ServerProcess::wait_for_exit() {
  if (!running()) return;
  const std::int64_t deadline = steady_now_ms() + stop_grace_ms;
  while (!try_reap()) {
    if (steady_now_ms() > deadline) {
      escalate();
      int status = 0;
      ::waitpid(pid_, &status, 0);
      forget_child(status);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void ServerProcess::signal(int signal) {
  if (!running()) return;
  // Shell commands run in their own process group: signal all of it.
  ::kill(launch_.shell_command.empty() ? pid_ : -pid_, signal);
}

void ServerProcess::escalate() {
  if (!running()) return;
  escalated_ = true;
  signal(SIGKILL);
}

bool ServerProcess::try_reap() {
  if (!running()) return true;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
  forget_child(status);
  return true;
}

void ServerProcess::forget_child(int wait_status) {
  if (!launch_.shell_command.empty()) ::kill(-pid_, SIGKILL);  // leftovers of the group
  pid_ = -1;
  close_stdout_pipe();
  finish_stderr();
  ServerExit exit;
  read_wait_status(wait_status, exit);
  exit.escalated = escalated_;
  StderrScan scan = scan_stderr(launch_.stderr_path, stderr_offset_, server_stderr_tail_bytes_max);
  exit.sanitizer_report = scan.sanitizer_report;
  exit.stderr_tail = std::move(scan.tail);
  exit.report_head = std::move(scan.report_head);
  last_exit_ = std::move(exit);
}

void ServerProcess::finish_stderr() {
  if (!stderr_drain_) return;
  stderr_drain_->finish(stderr_drain_wait_ms_max);
  stderr_drain_.reset();
}

void ServerProcess::close_stdout_pipe() {
  if (stdout_read_fd_ >= 0) ::close(stdout_read_fd_);
  stdout_read_fd_ = -1;
}

bool ServerProcess::exited_unexpectedly() { return running() && try_reap(); }

std::string ServerProcess::stderr_tail(std::size_t max_bytes) const {
  std::ifstream file(launch_.stderr_path, std::ios::binary);
  if (!file) return {};
  std::stringstream buffer;
  buffer << file.rdbuf();
  std::string text = buffer.str();
  if (text.size() > max_bytes) text = "..." + text.substr(text.size() - max_bytes);
  return text;
}

}  // namespace resync::sim
