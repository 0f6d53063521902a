#pragma once
// The cluster's Redis as a child process of the harness: Debian's `redis-server` on a free
// 127.0.0.1 port, with a directory of its own under the run's directory (the AOF lives
// there), its output in a log file next to it. It can be killed, stopped and started again
// on the same directory and port (a restart_redis step), and the destructor always stops it,
// so no path out of a run leaves a Redis behind; the child also dies with the thread that
// started it (PR_SET_PDEATHSIG), for a harness that is itself killed.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace resync::sim {

enum class RedisFsync {
  always,    // appendfsync always: a reply means the write is on disk (durability "full")
  everysec,  // appendfsync everysec: a power loss may lose the last second ("process-crash")
};

struct RedisLaunch {
  std::string directory;  // --dir: created if missing; kept across restarts
  std::string log_path;   // redis-server's stdout and stderr (its log), appended by every start
  RedisFsync fsync = RedisFsync::always;
  // The program to start: a name looked up in PATH, or a path.
  std::string executable = "redis-server";
  std::int64_t start_timeout_ms = 10000;  // until it answers PING (an AOF replay included)
};

class RedisProcess {
 public:
  explicit RedisProcess(RedisLaunch launch);
  ~RedisProcess();  // stops it (SIGTERM, then SIGKILL after a grace period)
  RedisProcess(const RedisProcess&) = delete;
  RedisProcess& operator=(const RedisProcess&) = delete;

  // Starts redis-server and waits until it answers PING. The first start picks a free port,
  // later ones reuse it (the nodes' proxy listeners point there). An error names the log
  // file, and says how to install redis-server when it is missing.
  std::optional<std::string> start();
  // Sends `signal` (SIGKILL, SIGTERM) and waits until it has exited (SIGKILL after 10 s).
  void stop(int signal);
  bool running() const { return pid_ > 0; }
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  int incarnation() const { return incarnation_; }
  const std::string& log_path() const { return launch_.log_path; }
  // The log's last bytes, for error messages.
  std::string log_tail(std::size_t bytes_max = 2000) const;

 private:
  std::optional<std::string> spawn(const std::string& program);
  bool try_reap();

  RedisLaunch launch_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  int incarnation_ = 0;
};

// Where `name` (redis-server) is: itself when it holds a '/', else the first executable of
// that name in PATH; nullopt when there is none.
std::optional<std::string> find_executable(const std::string& name);

// The one message for a machine without redis-server.
std::string redis_server_missing_message(const std::string& executable);

}  // namespace resync::sim
