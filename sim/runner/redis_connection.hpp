#pragma once
// A blocking RESP connection to the harness's own Redis on 127.0.0.1, for what the harness
// asks it outside the nodes: PING (is it up), XRANGE (the cluster's committed log at the end
// of a run) and XTRIM (a trim_stream step). The bytes are server/cluster's RESP codec; the
// socket is a plain one with a deadline on every command, so a stalled Redis is an error
// value and never a hang.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/cluster/resp_codec.hpp"

namespace resync::sim {

class RedisConnection {
 public:
  // Connects to 127.0.0.1:port; nullopt with `error` set when nothing accepts there.
  static std::optional<RedisConnection> open(std::uint16_t port, std::int64_t timeout_ms, std::string& error);
  ~RedisConnection();
  RedisConnection(RedisConnection&& other) noexcept;
  RedisConnection& operator=(RedisConnection&& other) noexcept;
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Sends one command and reads its reply within timeout_ms. An error reply (-ERR ...) is a
  // value (kind error), not a failure; a failure (closed, timed out, a broken reply) is
  // nullopt with `error` set, and the connection is unusable after it.
  std::optional<server::cluster::RespValue> command(const std::vector<std::string>& arguments, std::int64_t timeout_ms,
                                                    std::string& error);

 private:
  explicit RedisConnection(int socket_fd);
  int socket_fd_ = -1;
  std::unique_ptr<server::cluster::RespReader> reader_;  // not movable itself
};

}  // namespace resync::sim
