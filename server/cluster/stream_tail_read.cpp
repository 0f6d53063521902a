#include "server/cluster/stream_tail_read.hpp"

#include <charconv>

namespace resync::server::cluster {

std::vector<std::string> tail_read_command(const std::string& log_key, std::int64_t after_id, std::size_t entries_max,
                                           std::int64_t block_ms) {
  return {"XREAD", "COUNT", std::to_string(entries_max), "BLOCK", std::to_string(block_ms), "STREAMS", log_key,
          std::to_string(after_id) + "-0"};
}

std::optional<std::int64_t> parse_log_entry_id(const std::string& stream_id) {
  const std::size_t dash = stream_id.find('-');
  if (dash == std::string::npos || dash == 0 || stream_id.compare(dash, std::string::npos, "-0") != 0) return std::nullopt;
  std::int64_t id = 0;
  const char* first = stream_id.data();
  const char* last = stream_id.data() + dash;
  const auto [end, status] = std::from_chars(first, last, id);
  if (status != std::errc() || end != last || id <= 0 || stream_id[0] == '0') return std::nullopt;
  return id;
}

namespace {

using EntriesResult = protocol::ParseResult<std::vector<StoredMessage>>;

std::string entry_name(std::size_t index, const RespValue& entry) {
  if (entry.is_array() && !entry.elements.empty() && entry.elements[0].is_bulk_string()) {
    return "entry " + describe(entry.elements[0]);
  }
  return "entry " + std::to_string(index) + " (" + describe(entry) + ")";
}

std::optional<std::string> read_fields(const RespValue& fields, StoredMessage& message) {
  if (!fields.is_array() || fields.elements.size() % 2 != 0) return "its fields are " + describe(fields);
  bool has_content = false;
  for (std::size_t index = 0; index < fields.elements.size(); index += 2) {
    const RespValue& name = fields.elements[index];
    const RespValue& value = fields.elements[index + 1];
    if (!name.is_bulk_string() || !value.is_bulk_string()) return "a field is not a bulk string";
    if (name.text == "content" && !has_content) {
      message.content = value.text;
      has_content = true;
    } else if (name.text == "client_offset" && !message.client_offset) {
      message.client_offset = value.text;
    } else {
      return "it has a field " + describe(name) + " (only content and client_offset, once each)";
    }
  }
  if (!has_content) return "it has no content field";
  return std::nullopt;
}

}  // namespace

EntriesResult parse_tail_reply(const RespValue& reply, const std::string& log_key, std::int64_t after_id) {
  if (reply.kind == RespValue::Kind::null) return EntriesResult::success({});
  if (reply.kind == RespValue::Kind::error) return EntriesResult::failure("Redis answered the tail's XREAD with an error: " + reply.text);
  // [[log_key, [entry, ...]]]: one stream asked, one stream answered.
  if (!reply.is_array() || reply.elements.size() != 1 || !reply.elements[0].is_array() ||
      reply.elements[0].elements.size() != 2 || !reply.elements[0].elements[0].is_bulk_string() ||
      reply.elements[0].elements[0].text != log_key || !reply.elements[0].elements[1].is_array()) {
    return EntriesResult::failure("Redis answered the tail's XREAD with " + describe(reply) + ", not [[" + log_key + ", entries]]");
  }
  const std::vector<RespValue>& entries = reply.elements[0].elements[1].elements;
  std::vector<StoredMessage> messages;
  messages.reserve(entries.size());
  std::int64_t previous_id = after_id;
  for (std::size_t index = 0; index < entries.size(); ++index) {
    const RespValue& entry = entries[index];
    auto malformed = [&](const std::string& why) {
      return EntriesResult::failure("the shared log's " + entry_name(index, entry) + " is malformed: " + why);
    };
    if (!entry.is_array() || entry.elements.size() != 2 || !entry.elements[0].is_bulk_string()) {
      return malformed("not [id, fields]");
    }
    const std::optional<std::int64_t> id = parse_log_entry_id(entry.elements[0].text);
    if (!id) return malformed("its id is not <id>-0");
    if (*id <= previous_id) return malformed("its id is not above " + std::to_string(previous_id));
    StoredMessage message;
    message.id = *id;
    if (const std::optional<std::string> why = read_fields(entry.elements[1], message)) return malformed(*why);
    previous_id = *id;
    messages.push_back(std::move(message));
  }
  return EntriesResult::success(std::move(messages));
}

}  // namespace resync::server::cluster
