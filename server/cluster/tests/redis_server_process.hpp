#pragma once
// A real redis-server for the cluster's integration and property tests: started by the test
// on a free 127.0.0.1 port in a temporary directory, killed when this object goes (and, via
// PR_SET_PDEATHSIG, when the test process dies in any other way), so no run leaves one behind.
// Its process group goes with it: Redis forks an AOF rewrite child at start.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace resync::server::cluster::testing {

// The redis-server executable on PATH, if any.
std::optional<std::string> find_redis_server();

class RedisServerProcess {
 public:
  // Picks a free port and makes a temporary directory; starts nothing yet.
  explicit RedisServerProcess(std::string executable);
  ~RedisServerProcess();
  RedisServerProcess(const RedisServerProcess&) = delete;
  RedisServerProcess& operator=(const RedisServerProcess&) = delete;

  // Starts redis-server on port() and directory() (AOF on, fsync at every write, no RDB
  // snapshots) and waits until it answers PING; false (with why()) if it does not within
  // startup_timeout_ms.
  bool start();
  // SIGKILL and wait: a crash, not a shutdown; with appendfsync always nothing acked is lost.
  void kill();
  bool running() const { return pid_ > 0; }

  int port() const { return port_; }
  const std::string& directory() const { return directory_; }
  const std::string& why() const { return why_; }

  static constexpr std::int64_t startup_timeout_ms = 10000;

 private:
  std::string executable_;
  std::string directory_;
  int port_ = 0;
  pid_t pid_ = -1;
  std::string why_;
};

// A blocking client connection for tests: one command, its whole reply's bytes.
class BlockingRedisConnection {
 public:
  explicit BlockingRedisConnection(int port);  // check connected()
  ~BlockingRedisConnection();
  BlockingRedisConnection(const BlockingRedisConnection&) = delete;
  BlockingRedisConnection& operator=(const BlockingRedisConnection&) = delete;

  bool connected() const { return socket_ >= 0; }
  // The raw bytes of the reply to one command (empty when the link failed).
  std::string command_reply_bytes(const std::string& command_bytes);

  static constexpr std::int64_t reply_timeout_ms = 10000;

 private:
  int socket_ = -1;
};

// A socket connected to 127.0.0.1:port, or -1. Blocking: on loopback a refusal is immediate.
int connect_to_loopback(int port);
// A port that was free a moment ago (bound to 0 and released).
int pick_free_port();

}  // namespace resync::server::cluster::testing
