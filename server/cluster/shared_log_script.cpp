#include "server/cluster/shared_log_script.hpp"

#include "common/invariant.hpp"

namespace resync::server::cluster {

SharedLogKeys shared_log_keys(std::string_view key_prefix) {
  const std::string prefix(key_prefix);
  return {prefix + ":log", prefix + ":offsets", prefix + ":last-id", prefix + ":lost:"};
}

// Redis runs a script atomically, so one group's writes are contiguous ids and no other
// node's write falls between the HGET of an offset and its HSET. The first argument is the
// highest id the node has read or been given: a Redis whose counter is below it has lost
// writes (restarted without its AOF, or failed over to a replica that was behind), and would
// hand out ids the cluster has used already. The script then writes nothing and answers
// RESYNC_LOG_BEHIND, so no node reuses an id it knows. If Redis fails a call in
// the middle (it does not roll back), the writes before it stay: the group is reported
// failed, its clients retry with the same client_offsets and are answered as duplicates.
const std::string_view append_script_text = R"lua(-- resync: append one commit group to the shared log
local results = {}
local read_up_to = tonumber(ARGV[1])
local last_id = tonumber(redis.call('GET', KEYS[3]) or '0') or 0
if last_id < read_up_to then
  return redis.error_reply('RESYNC_LOG_BEHIND the log ends before id ' .. ARGV[1] .. ', which this node has read')
end
for first = 2, #ARGV, 3 do
  local content = ARGV[first]
  local has_offset = ARGV[first + 1] == '1'
  local offset = ARGV[first + 2]
  local existing = false
  if has_offset then existing = redis.call('HGET', KEYS[2], offset) end
  if existing then
    results[#results + 1] = {'duplicate', tonumber(existing)}
  else
    local id = redis.call('INCR', KEYS[3])
    if has_offset then
      redis.call('XADD', KEYS[1], id .. '-0', 'content', content, 'client_offset', offset)
      redis.call('HSET', KEYS[2], offset, id)
    else
      redis.call('XADD', KEYS[1], id .. '-0', 'content', content)
    end
    results[#results + 1] = {'inserted', id}
  end
end
return results
)lua";

const std::string_view append_script_sha1 = "0482abeb229b0e7402bc5a8dff94b06bfaad7f97";

std::vector<std::string> append_group_command(const SharedLogKeys& keys, std::int64_t read_up_to_id,
                                              const std::vector<PendingWrite>& writes) {
  RESYNC_ASSERT(read_up_to_id >= 0, "ids start at 1; a node that read nothing has read up to 0");
  std::vector<std::string> arguments{"EVAL", std::string(append_script_text), "3", keys.log, keys.offsets, keys.last_id,
                                     std::to_string(read_up_to_id)};
  arguments.reserve(arguments.size() + 3 * writes.size());
  for (const PendingWrite& write : writes) {
    arguments.push_back(write.content);
    arguments.push_back(write.client_offset ? "1" : "0");
    arguments.push_back(write.client_offset.value_or(""));
  }
  return arguments;
}

protocol::ParseResult<std::vector<InsertResult>> parse_append_reply(const RespValue& reply, std::size_t write_count) {
  using Result = protocol::ParseResult<std::vector<InsertResult>>;
  if (reply.kind == RespValue::Kind::error) return Result::failure("Redis answered the append with an error: " + reply.text);
  if (!reply.is_array()) return Result::failure("Redis answered the append with " + describe(reply) + ", not an array");
  if (reply.elements.size() != write_count) {
    return Result::failure("Redis answered the append of " + std::to_string(write_count) + " writes with " +
                           std::to_string(reply.elements.size()) + " results");
  }
  std::vector<InsertResult> results;
  results.reserve(write_count);
  for (std::size_t index = 0; index < write_count; ++index) {
    const RespValue& result = reply.elements[index];
    const bool well_formed = result.is_array() && result.elements.size() == 2 && result.elements[0].is_bulk_string() &&
                             result.elements[1].kind == RespValue::Kind::integer && result.elements[1].integer > 0;
    const std::string outcome = well_formed ? result.elements[0].text : "";
    if (!well_formed || (outcome != "inserted" && outcome != "duplicate")) {
      return Result::failure("Redis answered write " + std::to_string(index) + " of the append with " + describe(result) +
                             ", not [inserted|duplicate, id]");
    }
    results.push_back({outcome == "inserted" ? InsertOutcome::inserted : InsertOutcome::duplicate_client_offset,
                       result.elements[1].integer});
  }
  return Result::success(std::move(results));
}

}  // namespace resync::server::cluster
