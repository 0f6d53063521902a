#pragma once
// The harness's two uses of the cluster's stream outside the nodes: reading the whole log
// at the end of a run (XRANGE, page by page: the embedded cluster's committed log) and a
// trim_stream step (XTRIM MINID, so the stream keeps its newest N entries). The key layout
// and the entry format are server/cluster's (shared_log_script.hpp, stream_tail_read.hpp).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/history/history_event.hpp"
#include "sim/runner/redis_connection.hpp"

namespace resync::sim {

// The cluster's log key with the nodes' prefix ("resync:log").
std::string cluster_log_key();

// Every entry in id order; nullopt with `error` set when Redis could not be read or an entry
// is not the append script's "<id>-0" {content, [client_offset]}.
std::optional<std::vector<history::CommittedMessage>> read_stream_log(RedisConnection& connection,
                                                                      const std::string& log_key, std::string& error);

// Trims the stream to its newest keep_last entries. Returns what was done ("XTRIM resync:log
// MINID 41-0: 40 entries removed") or nullopt with `error` set.
std::optional<std::string> trim_stream_keep_last(RedisConnection& connection, const std::string& log_key,
                                                 std::int64_t keep_last, std::string& error);

}  // namespace resync::sim
