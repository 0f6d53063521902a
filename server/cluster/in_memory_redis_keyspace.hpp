#pragma once
// The data of the in-memory Redis and the commands on it, as Redis 7.0 answers them in RESP2:
// strings (with a PX expiry), hashes, streams, and the append script run natively. Each
// command returns the reply's bytes; connections, request parsing and blocking reads are
// in_memory_redis.hpp's. A property test requires byte-identical replies from a real
// redis-server for the command forms the nodes and the harness use; the error replies of a
// failing script differ in their text (Redis names the script's line), which no node parses.
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace resync::server::cluster {

struct StreamId {
  std::uint64_t milliseconds = 0;
  std::uint64_t sequence = 0;
  friend auto operator<=>(const StreamId&, const StreamId&) = default;
  std::string text() const { return std::to_string(milliseconds) + "-" + std::to_string(sequence); }
};

// Redis's string2ll: no sign but '-', no leading zero, no space, no overflow.
std::optional<std::int64_t> parse_redis_integer(std::string_view text);
// "<ms>-<seq>" or "<ms>" (the sequence is then missing_sequence); nullopt if malformed.
std::optional<StreamId> parse_stream_id(std::string_view text, std::uint64_t missing_sequence);

inline constexpr std::string_view wrong_type_error = "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr std::string_view not_an_integer_error = "ERR value is not an integer or out of range";
inline constexpr std::string_view invalid_stream_id_error = "ERR Invalid stream ID specified as stream command argument";

class RedisKeyspace {
 public:
  struct StringValue {
    std::string text;
  };
  using HashValue = std::map<std::string, std::string>;
  struct StreamValue {
    // Field names and values in the order given, as XADD stores them.
    std::map<StreamId, std::vector<std::string>> entries;
    StreamId last_id;  // kept past a trim: XADD must go above it
  };
  struct Entry {
    std::variant<StringValue, HashValue, StreamValue> value;
    std::optional<std::int64_t> expires_at_ms;
  };

  std::string get(const std::string& key, std::int64_t now_ms);
  // GET, then the key is gone (Redis >= 6.2): what takes a lost socket at most once.
  std::string getdel(const std::string& key, std::int64_t now_ms);
  std::string set(const std::string& key, std::string value, std::optional<std::int64_t> expires_at_ms);
  std::string del(const std::vector<std::string>& keys, std::int64_t now_ms);
  std::string incr(const std::string& key, std::int64_t now_ms);
  std::string hget(const std::string& key, const std::string& field, std::int64_t now_ms);
  std::string hset(const std::string& key, const std::vector<std::string>& fields_and_values, std::int64_t now_ms);
  std::string xrange(const std::string& key, StreamId start, StreamId end, std::optional<std::size_t> count, std::int64_t now_ms);
  std::string xtrim_min_id(const std::string& key, StreamId min_id, std::int64_t now_ms);

  // XREAD's part for one stream: entries above `after`, at most count (0: all); the stream's
  // [key, entries] element, or nullopt when it has none (or does not exist). A key of
  // another type is reported through wrong_type.
  std::optional<std::string> xread_stream(const std::string& key, StreamId after, std::size_t count, std::int64_t now_ms,
                                          bool& wrong_type);
  // The id "$" stands for in XREAD: the stream's last id (0-0 if it does not exist).
  StreamId last_stream_id(const std::string& key, std::int64_t now_ms);

  // The append script (shared_log_script.hpp), run natively: ARGV is content, has-offset,
  // offset per write. Like Redis, an error part-way leaves the writes before it.
  std::string append_group(const std::string& log_key, const std::string& offsets_key, const std::string& last_id_key,
                           const std::vector<std::string>& arguments, std::int64_t now_ms);

 private:
  Entry* find(const std::string& key, std::int64_t now_ms);

  std::map<std::string, Entry> entries_;
};

}  // namespace resync::server::cluster
