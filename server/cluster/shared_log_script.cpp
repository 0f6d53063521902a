#include "server/cluster/shared_log_script.hpp"

namespace resync::server::cluster {

SharedLogKeys shared_log_keys(std::string_view key_prefix) {
  const std::string prefix(key_prefix);
  return {prefix + ":log", prefix + ":offsets", prefix + ":last-id", prefix + ":lost:"};
}

// Redis runs a script atomically, so one group's writes are contiguous ids and no other
// node's write falls between the HGET of an offset and its HSET. If Redis fails a call in
// the middle (it does not roll back), the writes before it stay: the group is reported
// failed, its clients retry with the same client_offsets and are answered as duplicates.
const std::string_view append_script_text = R"lua(-- resync: append one commit group to the shared log
local results = {}
for first = 1, #ARGV, 3 do
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

const std::string_view append_script_sha1 = "8588729ef44341f704e7d6fe7b196acdffafd5e5";

std::vector<std::string> append_group_command(const SharedLogKeys& keys, const std::vector<PendingWrite>& writes) {
  std::vector<std::string> arguments{"EVAL", std::string(append_script_text), "3", keys.log, keys.offsets, keys.last_id};
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
