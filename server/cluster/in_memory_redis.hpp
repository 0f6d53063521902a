#pragma once
// A model of the Redis the cluster's nodes use, for the deterministic simulator: sans-I/O
// (request bytes and `now` in per connection, reply bytes out, the next deadline), with the
// commands the nodes and the harness send: PING, EVAL of exactly the append script (any
// other script is an error reply: this is not a Lua interpreter), XREAD COUNT/BLOCK/STREAMS
// (a blocked read is answered when an append arrives or at its timeout with a null array),
// XTRIM MINID, XRANGE, GET, SET (with PX), DEL, INCR, HGET, HSET. The keyspace and the
// replies are in_memory_redis_keyspace.hpp's; a property test holds them byte-identical to
// a real redis-server's.
//
// Persistence is an AOF with appendfsync always: restart() loses no data, only connections.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/cluster/in_memory_redis_keyspace.hpp"
#include "server/cluster/resp_codec.hpp"
#include "server/cluster/shared_log_script.hpp"
#include "server/core/message_store.hpp"

namespace resync::server::cluster {

using RedisConnectionId = std::uint64_t;

struct RedisOutput {
  RedisConnectionId connection = 0;
  std::string bytes;
  // Redis closes a connection after a protocol error (once these bytes are written).
  bool close_after = false;
};

struct InMemoryRedisLimits {
  RespLimits request_limits;
  // A client that sends while blocked has its commands wait, as Redis queues them; what
  // waits is bounded by the request reader's limits, the replies by this.
  std::size_t output_bytes_per_connection_max = 256 * 1024 * 1024;
};

class InMemoryRedis {
 public:
  using ConnectionId = RedisConnectionId;

  explicit InMemoryRedis(std::string key_prefix = "resync", InMemoryRedisLimits limits = {});

  void connection_opened(RedisConnectionId connection);
  void on_bytes(RedisConnectionId connection, std::string_view bytes, std::int64_t now_ms);
  void on_timer(std::int64_t now_ms);
  std::optional<std::int64_t> next_deadline_ms() const;
  void connection_closed(RedisConnectionId connection);
  // The server process restarts: every connection is gone (the caller closes its ends of
  // them and reconnects), the data stays.
  void restart();
  // XTRIM <prefix>:log MINID <min_id>-0, as an operator or a harness step would; returns how
  // many entries went.
  std::int64_t trim(std::int64_t min_id);
  // The log's entries as the nodes read them (the committed log of a simulated run).
  std::vector<StoredMessage> log_entries();
  // The highest id ever appended to the log (a trim keeps it), without reading the entries:
  // what the simulator's convergence polls compare clients with.
  std::int64_t log_last_id();
  // Trims the log to its newest `keep_last` entries (XTRIM MINID); returns how many went.
  std::int64_t trim_keeping_last(std::int64_t keep_last);
  std::vector<RedisOutput> take_outputs();

  bool has_connection(RedisConnectionId connection) const { return connections_.contains(connection); }

 private:
  struct BlockedRead {
    std::vector<std::string> keys;
    std::vector<StreamId> after;
    std::size_t count = 0;
    std::optional<std::int64_t> deadline_ms;  // none: BLOCK 0, until an append
  };
  struct Connection {
    std::unique_ptr<RespReader> reader;
    std::optional<BlockedRead> blocked;
    bool closing = false;  // a protocol error was answered; nothing more is read
  };

  void process(RedisConnectionId connection, Connection& state, std::int64_t now_ms);
  // The reply's bytes, or nullopt when the command blocked.
  std::optional<std::string> execute(Connection& state, const std::vector<std::string>& command, std::int64_t now_ms);
  std::optional<std::string> xread(Connection& state, const std::vector<std::string>& command, std::int64_t now_ms);
  std::optional<std::string> answer_read(const BlockedRead& read, std::int64_t now_ms);
  std::string eval(const std::vector<std::string>& command, std::int64_t now_ms);
  void serve_blocked_reads(std::int64_t now_ms);
  void reply(RedisConnectionId connection, std::string bytes, bool close_after = false);

  SharedLogKeys keys_;
  InMemoryRedisLimits limits_;
  RedisKeyspace keyspace_;
  std::map<RedisConnectionId, Connection> connections_;  // ordered: blocked reads are served in id order
  std::vector<RedisOutput> outputs_;
};

}  // namespace resync::server::cluster
