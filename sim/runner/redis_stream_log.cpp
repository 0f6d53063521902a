#include "sim/runner/redis_stream_log.hpp"

#include "server/cluster/shared_log_script.hpp"
#include "server/cluster/stream_tail_read.hpp"

namespace resync::sim {
namespace {

namespace cluster = server::cluster;
using cluster::RespValue;

// Entries per XRANGE page: bounded replies (well under RespLimits::reply_bytes_max for
// chat-sized messages) without many round trips for a scenario's 100000 messages.
constexpr std::size_t xrange_page_entries_max = 5000;
constexpr std::int64_t stream_command_timeout_ms = 10000;

// XRANGE's reply is the entry array the tail's XREAD carries inside [[key, entries]]; wrapped
// that way, the cluster's own parser checks the entries (their ids and fields) by one rule.
protocol::ParseResult<std::vector<server::StoredMessage>> parse_range_reply(const RespValue& reply,
                                                                            const std::string& log_key,
                                                                            std::int64_t after_id) {
  if (reply.kind == RespValue::Kind::error) {
    return protocol::ParseResult<std::vector<server::StoredMessage>>::failure("Redis answered XRANGE with an error: " +
                                                                              reply.text);
  }
  if (!reply.is_array()) {
    return protocol::ParseResult<std::vector<server::StoredMessage>>::failure(
        "Redis answered XRANGE with " + cluster::describe(reply) + ", not an array of entries");
  }
  if (reply.elements.empty()) return protocol::ParseResult<std::vector<server::StoredMessage>>::success({});
  const RespValue wrapped = RespValue::array({RespValue::array({RespValue::bulk_string(log_key), reply})});
  return cluster::parse_tail_reply(wrapped, log_key, after_id);
}

}  // namespace

std::string cluster_log_key() { return cluster::shared_log_keys("resync").log; }

std::optional<std::vector<history::CommittedMessage>> read_stream_log(RedisConnection& connection,
                                                                      const std::string& log_key, std::string& error) {
  std::vector<history::CommittedMessage> messages;
  std::int64_t after_id = 0;
  while (true) {
    // "(" makes the start exclusive: the page after the last id read.
    const std::string start = after_id == 0 ? "-" : "(" + std::to_string(after_id) + "-0";
    const auto reply = connection.command({"XRANGE", log_key, start, "+", "COUNT", std::to_string(xrange_page_entries_max)},
                                          stream_command_timeout_ms, error);
    if (!reply) return std::nullopt;
    const auto page = parse_range_reply(*reply, log_key, after_id);
    if (!page.ok()) {
      error = page.error();
      return std::nullopt;
    }
    for (const server::StoredMessage& message : page.value()) {
      messages.push_back({message.id, message.content, message.client_offset});
      after_id = message.id;
    }
    if (page.value().size() < xrange_page_entries_max) return messages;
  }
}

std::optional<std::string> trim_stream_keep_last(RedisConnection& connection, const std::string& log_key,
                                                 std::int64_t keep_last, std::string& error) {
  // The oldest entry to keep is the keep_last-th newest; with 0, one past the newest.
  std::string min_id;
  if (keep_last > 0) {
    const auto newest = connection.command({"XREVRANGE", log_key, "+", "-", "COUNT", std::to_string(keep_last)},
                                           stream_command_timeout_ms, error);
    if (!newest) return std::nullopt;
    if (!newest->is_array()) {
      error = "Redis answered XREVRANGE with " + cluster::describe(*newest);
      return std::nullopt;
    }
    if (static_cast<std::int64_t>(newest->elements.size()) < keep_last) {
      return "nothing trimmed: the stream holds " + std::to_string(newest->elements.size()) + " entries, at most " +
             std::to_string(keep_last) + " are kept";
    }
    const RespValue& oldest_kept = newest->elements.back();
    if (!oldest_kept.is_array() || oldest_kept.elements.empty() || !oldest_kept.elements[0].is_bulk_string()) {
      error = "Redis answered XREVRANGE with a malformed entry " + cluster::describe(oldest_kept);
      return std::nullopt;
    }
    min_id = oldest_kept.elements[0].text;
  } else {
    const auto newest = connection.command({"XREVRANGE", log_key, "+", "-", "COUNT", "1"}, stream_command_timeout_ms, error);
    if (!newest) return std::nullopt;
    if (!newest->is_array() || newest->elements.empty()) return std::string("nothing trimmed: the stream is empty");
    const RespValue& entry = newest->elements.front();
    const std::optional<std::int64_t> id =
        entry.is_array() && !entry.elements.empty() ? cluster::parse_log_entry_id(entry.elements[0].text) : std::nullopt;
    if (!id) {
      error = "Redis answered XREVRANGE with a malformed entry " + cluster::describe(entry);
      return std::nullopt;
    }
    min_id = std::to_string(*id + 1) + "-0";
  }
  const auto trimmed = connection.command({"XTRIM", log_key, "MINID", min_id}, stream_command_timeout_ms, error);
  if (!trimmed) return std::nullopt;
  if (trimmed->kind != RespValue::Kind::integer) {
    error = "Redis answered XTRIM with " + cluster::describe(*trimmed);
    return std::nullopt;
  }
  return "XTRIM " + log_key + " MINID " + min_id + ": " + std::to_string(trimmed->integer) + " entries removed";
}

}  // namespace resync::sim
