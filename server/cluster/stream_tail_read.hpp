#pragma once
// The tail's one command, XREAD COUNT n BLOCK ms STREAMS <log> <last id>-0, and the reading
// of its reply into log entries. The stream is written only by the append script, so every
// entry is "<id>-0" {content, [client_offset]}; anything else is a protocol error naming the
// entry (the link is closed, the tail resumes from the last good id).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/parse_result.hpp"
#include "server/cluster/resp_codec.hpp"
#include "server/core/message_store.hpp"

namespace resync::server::cluster {

std::vector<std::string> tail_read_command(const std::string& log_key, std::int64_t after_id, std::size_t entries_max,
                                           std::int64_t block_ms);

// Entries of the reply in stream order (a null reply: none, the block timed out). Ids must
// increase and be greater than after_id; gaps are allowed (the caller reports them).
protocol::ParseResult<std::vector<StoredMessage>> parse_tail_reply(const RespValue& reply, const std::string& log_key,
                                                                   std::int64_t after_id);

// "<id>-0" with 0 < id, else nullopt.
std::optional<std::int64_t> parse_log_entry_id(const std::string& stream_id);

}  // namespace resync::server::cluster
