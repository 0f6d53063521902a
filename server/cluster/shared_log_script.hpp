#pragma once
// The cluster's shared log on Redis: where it lives (the key layout) and the one script that
// appends a whole commit group to it.
//
// Keys under a prefix (default "resync"):
//   <prefix>:log      a Stream, the cluster's log: entry "<id>-0" {content, [client_offset]}
//   <prefix>:offsets  a hash client_offset -> id: a client_offset is stored once cluster-wide
//   <prefix>:last-id  an INCR counter: the last id handed out, so ids are one total order
//
// Trimming policy: the stream is trimmed only by an explicit `XTRIM <prefix>:log MINID <id>`
// from an operator or a harness step (a tail that was behind then sees a LogGap). Nothing
// here trims it (no MAXLEN on XADD), because a node catching up must find what it missed.
// The offsets hash is never trimmed, as SQLite's UNIQUE client_offset column is never
// forgotten: a retry of any acknowledged write, however late, is answered as a duplicate.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/parse_result.hpp"
#include "server/cluster/resp_codec.hpp"
#include "server/core/commit_group.hpp"

namespace resync::server::cluster {

struct SharedLogKeys {
  std::string log;
  std::string offsets;
  std::string last_id;
  std::string lost_socket_prefix;  // "<prefix>:lost:", then a socket's private id
};

SharedLogKeys shared_log_keys(std::string_view key_prefix);

// The Lua text of the append script, exactly as EVAL sends it (InMemoryRedis recognises it
// by this text).
extern const std::string_view append_script_text;

// Where a call of the script can fail, as Redis names it in the error reply ("<error>
// script: <sha1>, on @user_script:<line>."): InMemoryRedis answers as Redis does. A unit
// test holds the lines to the text, a test against redis-server the SHA-1 (SCRIPT LOAD).
extern const std::string_view append_script_sha1;
struct AppendScriptLines {
  static constexpr int last_id_read = 4;          // GET last-id
  static constexpr int offset_lookup = 13;        // HGET offsets
  static constexpr int id_increment = 17;         // INCR last-id
  static constexpr int add_with_offset = 19;      // XADD ... client_offset
  static constexpr int offset_store = 20;         // HSET offsets
  static constexpr int add_without_offset = 22;   // XADD without one
};
// The error code of the script's refusal when Redis's last id is below what the node read.
inline constexpr std::string_view log_behind_error_code = "RESYNC_LOG_BEHIND";

// EVAL rather than EVALSHA: EVAL needs no SCRIPT LOAD, so a Redis restarted empty of scripts
// needs no NOSCRIPT handling. Arguments: three keys, the highest id the node has read (the
// script refuses a log that ends before it), then three per write: content, "1" or "0"
// (whether the write has a client_offset: an empty offset is still an offset), offset.
std::vector<std::string> append_group_command(const SharedLogKeys& keys, std::int64_t read_up_to_id,
                                              const std::vector<PendingWrite>& writes);

// The script's reply: one [outcome, id] per write, in order ("inserted" or "duplicate").
// Anything else (an error reply, a wrong count, a wrong shape) is an error naming what came.
protocol::ParseResult<std::vector<InsertResult>> parse_append_reply(const RespValue& reply, std::size_t write_count);

}  // namespace resync::server::cluster
