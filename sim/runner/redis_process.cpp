#include "sim/runner/redis_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include "sim/runner/redis_connection.hpp"
#include "sim/runner/server_process.hpp"

namespace resync::sim {
namespace {

// A Redis that has not exited this long after SIGTERM (it writes its AOF on the way out) is
// SIGKILLed.
constexpr std::int64_t redis_stop_grace_ms = 10000;
constexpr std::int64_t ping_attempt_timeout_ms = 500;
constexpr std::int64_t ping_retry_interval_ms = 20;

std::int64_t redis_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// PONG means up; LOADING (an AOF replay after a restart) or no answer means not yet.
bool answers_ping(std::uint16_t port) {
  std::string error;
  std::optional<RedisConnection> connection = RedisConnection::open(port, ping_attempt_timeout_ms, error);
  if (!connection) return false;
  const auto reply = connection->command({"PING"}, ping_attempt_timeout_ms, error);
  return reply && reply->kind == server::cluster::RespValue::Kind::simple_string && reply->text == "PONG";
}

}  // namespace

std::optional<std::string> find_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    if (::access(name.c_str(), X_OK) == 0) return name;
    return std::nullopt;
  }
  const char* path = std::getenv("PATH");
  std::stringstream directories(path ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string directory;
  while (std::getline(directories, directory, ':')) {
    if (directory.empty()) directory = ".";
    const std::string candidate = directory + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

std::string redis_server_missing_message(const std::string& executable) {
  return "cannot start Redis for the cluster: " + executable +
         " is not installed or not in PATH; install redis-server (scripts/lib/install-deps.sh, or apt-get install "
         "redis-server)";
}

RedisProcess::RedisProcess(RedisLaunch launch) : launch_(std::move(launch)) {}

RedisProcess::~RedisProcess() { stop(SIGTERM); }

std::optional<std::string> RedisProcess::start() {
  if (running()) return std::nullopt;
  const std::optional<std::string> program = find_executable(launch_.executable);
  if (!program) return redis_server_missing_message(launch_.executable);
  std::error_code error;
  std::filesystem::create_directories(launch_.directory, error);
  if (error) return "cannot create Redis's directory " + launch_.directory + ": " + error.message();
  if (port_ == 0) port_ = pick_free_port();
  if (port_ == 0) return "cannot find a free port on 127.0.0.1 for Redis";
  if (auto spawn_error = spawn(*program)) return spawn_error;
  ++incarnation_;
  const std::int64_t deadline_ms = redis_now_ms() + launch_.start_timeout_ms;
  while (!answers_ping(port_)) {
    if (try_reap()) {
      return "redis-server exited before it answered PING on 127.0.0.1:" + std::to_string(port_) + "; its log " +
             launch_.log_path + " ends:\n" + log_tail();
    }
    if (redis_now_ms() > deadline_ms) {
      stop(SIGKILL);
      return "redis-server did not answer PING on 127.0.0.1:" + std::to_string(port_) + " within " +
             std::to_string(launch_.start_timeout_ms) + " ms; its log " + launch_.log_path + " ends:\n" + log_tail();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(ping_retry_interval_ms));
  }
  return std::nullopt;
}

std::optional<std::string> RedisProcess::spawn(const std::string& program) {
  const int log_fd = ::open(launch_.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return "cannot open Redis's log " + launch_.log_path + ": " + std::strerror(errno);
  // Everything the child needs is built before fork: after it only async-signal-safe calls.
  std::vector<std::string> arguments = {program, "--bind", "127.0.0.1", "--port", std::to_string(port_),
                                        "--dir", launch_.directory, "--appendonly", "yes", "--appendfsync",
                                        launch_.fsync == RedisFsync::always ? "always" : "everysec",
                                        // No RDB snapshots: the AOF is the one durable copy, as the nodes expect.
                                        "--save", "", "--daemonize", "no", "--logfile", ""};
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) {
    ::close(log_fd);
    return std::string("cannot fork for redis-server: ") + std::strerror(errno);
  }
  if (child == 0) {
    // Dies with the thread that started it: a harness killed mid-run leaves no Redis.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    // A group of its own: Redis forks an AOF rewrite child at start (and on growth), which a
    // signal to Redis alone would leave running on the directory the next start uses.
    ::setpgid(0, 0);
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    // The harness's sockets (proxied clients, other nodes) must not stay open in Redis.
    ::syscall(SYS_close_range, STDERR_FILENO + 1, ~0U, 0);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  ::setpgid(child, child);  // also here: whichever of the two runs first makes the group
  pid_ = child;
  return std::nullopt;
}

bool RedisProcess::try_reap() {
  if (!running()) return true;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
  ::kill(-pid_, SIGKILL);  // a rewrite child left behind
  pid_ = -1;
  return true;
}

void RedisProcess::stop(int signal) {
  if (!running()) return;
  // SIGKILL reaches the whole group at once; SIGTERM goes to Redis, which ends its own children.
  ::kill(signal == SIGKILL ? -pid_ : pid_, signal);
  const std::int64_t deadline_ms = redis_now_ms() + redis_stop_grace_ms;
  while (!try_reap()) {
    if (redis_now_ms() > deadline_ms) {
      ::kill(-pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::string RedisProcess::log_tail(std::size_t bytes_max) const {
  std::ifstream file(launch_.log_path, std::ios::binary);
  std::stringstream buffer;
  buffer << file.rdbuf();
  std::string text = buffer.str();
  if (text.size() > bytes_max) text = "..." + text.substr(text.size() - bytes_max);
  return text;
}

}  // namespace resync::sim
