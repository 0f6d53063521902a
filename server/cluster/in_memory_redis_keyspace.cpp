#include "server/cluster/in_memory_redis_keyspace.hpp"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <limits>

#include "server/cluster/resp_codec.hpp"
#include "server/cluster/shared_log_script.hpp"

namespace resync::server::cluster {

std::optional<std::int64_t> parse_redis_integer(std::string_view text) {
  // Redis refuses anything string2ll does not take: what the 21 bytes of a long long hold.
  constexpr std::size_t integer_text_bytes_max = 20;
  if (text.empty() || text.size() > integer_text_bytes_max) return std::nullopt;
  if (text == "0") return 0;
  const bool negative = text[0] == '-';
  const std::string_view digits = negative ? text.substr(1) : text;
  if (digits.empty() || digits[0] < '1' || digits[0] > '9') return std::nullopt;
  std::int64_t value = 0;
  const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (status != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

namespace {

std::optional<std::uint64_t> parse_unsigned(std::string_view text) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, status] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (status != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string encode_entry(const StreamId& id, const std::vector<std::string>& fields) {
  std::string bytes = encode_array_header(2) + encode_bulk_string(id.text()) + encode_array_header(fields.size());
  for (const std::string& field : fields) bytes += encode_bulk_string(field);
  return bytes;
}

// What Redis 7.0 answers when a redis.call of the script fails: the call's error, then
// where it happened.
std::string script_error(std::string_view call_error, int line) {
  return encode_error(std::string(call_error) + " script: " + std::string(append_script_sha1) + ", on @user_script:" +
                      std::to_string(line) + ".");
}

// Lua 5.1's tonumber() of a string, as Redis's scripts run it: strtod over the whole text
// (surrounding whitespace allowed; hex, inf and nan as strtod reads them), else nil.
std::optional<double> lua_tonumber(const std::string& text) {
  const char* start = text.c_str();
  char* end = nullptr;
  const double value = std::strtod(start, &end);
  if (end == start) return std::nullopt;
  while (*end != '\0' && std::isspace(static_cast<unsigned char>(*end))) ++end;
  if (*end != '\0' || end != start + text.size()) return std::nullopt;
  return value;
}

// A one-line reply's text without its type byte and CRLF (an error's, an integer's).
std::string_view reply_text(std::string_view reply) { return reply.substr(1, reply.size() - 3); }

}  // namespace

std::optional<StreamId> parse_stream_id(std::string_view text, std::uint64_t missing_sequence) {
  const std::size_t dash = text.find('-');
  const std::optional<std::uint64_t> milliseconds = parse_unsigned(text.substr(0, dash));
  if (!milliseconds) return std::nullopt;
  if (dash == std::string_view::npos) return StreamId{*milliseconds, missing_sequence};
  const std::optional<std::uint64_t> sequence = parse_unsigned(text.substr(dash + 1));
  if (!sequence) return std::nullopt;
  return StreamId{*milliseconds, *sequence};
}

RedisKeyspace::Entry* RedisKeyspace::find(const std::string& key, std::int64_t now_ms) {
  auto found = entries_.find(key);
  if (found == entries_.end()) return nullptr;
  if (found->second.expires_at_ms && *found->second.expires_at_ms <= now_ms) {
    entries_.erase(found);  // lazily, as Redis expires a key it touches
    return nullptr;
  }
  return &found->second;
}

std::string RedisKeyspace::get(const std::string& key, std::int64_t now_ms) {
  Entry* entry = find(key, now_ms);
  if (entry == nullptr) return encode_null_bulk_string();
  const auto* text = std::get_if<StringValue>(&entry->value);
  return text == nullptr ? encode_error(wrong_type_error) : encode_bulk_string(text->text);
}

std::string RedisKeyspace::getdel(const std::string& key, std::int64_t now_ms) {
  std::string reply = get(key, now_ms);
  if (reply.front() == '$' && reply != encode_null_bulk_string()) entries_.erase(key);
  return reply;
}

std::string RedisKeyspace::set(const std::string& key, std::string value, std::optional<std::int64_t> expires_at_ms) {
  entries_[key] = Entry{StringValue{std::move(value)}, expires_at_ms};
  return encode_simple_string("OK");
}

std::string RedisKeyspace::del(const std::vector<std::string>& keys, std::int64_t now_ms) {
  std::int64_t removed = 0;
  for (const std::string& key : keys) {
    if (find(key, now_ms) != nullptr) {
      entries_.erase(key);
      ++removed;
    }
  }
  return encode_integer(removed);
}

std::string RedisKeyspace::incr(const std::string& key, std::int64_t now_ms) {
  Entry* entry = find(key, now_ms);
  if (entry == nullptr) {
    entries_[key] = Entry{StringValue{"1"}, std::nullopt};
    return encode_integer(1);
  }
  auto* text = std::get_if<StringValue>(&entry->value);
  if (text == nullptr) return encode_error(wrong_type_error);
  const std::optional<std::int64_t> value = parse_redis_integer(text->text);
  if (!value) return encode_error(not_an_integer_error);
  if (*value == std::numeric_limits<std::int64_t>::max()) return encode_error("ERR increment or decrement would overflow");
  text->text = std::to_string(*value + 1);
  return encode_integer(*value + 1);
}

std::string RedisKeyspace::hget(const std::string& key, const std::string& field, std::int64_t now_ms) {
  Entry* entry = find(key, now_ms);
  if (entry == nullptr) return encode_null_bulk_string();
  const auto* hash = std::get_if<HashValue>(&entry->value);
  if (hash == nullptr) return encode_error(wrong_type_error);
  const auto found = hash->find(field);
  return found == hash->end() ? encode_null_bulk_string() : encode_bulk_string(found->second);
}

std::string RedisKeyspace::hset(const std::string& key, const std::vector<std::string>& fields_and_values, std::int64_t now_ms) {
  Entry* entry = find(key, now_ms);
  if (entry == nullptr) entry = &(entries_[key] = Entry{HashValue{}, std::nullopt});
  auto* hash = std::get_if<HashValue>(&entry->value);
  if (hash == nullptr) return encode_error(wrong_type_error);
  std::int64_t added = 0;
  for (std::size_t index = 0; index + 1 < fields_and_values.size(); index += 2) {
    added += hash->insert_or_assign(fields_and_values[index], fields_and_values[index + 1]).second ? 1 : 0;
  }
  return encode_integer(added);
}

std::string RedisKeyspace::xrange(const std::string& key, StreamId start, StreamId end, std::optional<std::size_t> count,
                                  std::int64_t now_ms) {
  Entry* entry = find(key, now_ms);
  if (entry == nullptr) return encode_array_header(0);
  const auto* stream = std::get_if<StreamValue>(&entry->value);
  if (stream == nullptr) return encode_error(wrong_type_error);
  std::string body;
  std::size_t emitted = 0;
  for (auto it = stream->entries.lower_bound(start); it != stream->entries.end() && it->first <= end; ++it) {
    if (count && emitted == *count) break;
    body += encode_entry(it->first, it->second);
    ++emitted;
  }
  return encode_array_header(emitted) + body;
}

std::string RedisKeyspace::xtrim_min_id(const std::string& key, StreamId min_id, std::int64_t now_ms) {
  Entry* entry = find(key, now_ms);
  if (entry == nullptr) return encode_integer(0);
  auto* stream = std::get_if<StreamValue>(&entry->value);
  if (stream == nullptr) return encode_error(wrong_type_error);
  std::int64_t removed = 0;
  while (!stream->entries.empty() && stream->entries.begin()->first < min_id) {
    stream->entries.erase(stream->entries.begin());
    ++removed;
  }
  return encode_integer(removed);
}

std::optional<std::string> RedisKeyspace::xread_stream(const std::string& key, StreamId after, std::size_t count,
                                                       std::int64_t now_ms, bool& wrong_type) {
  wrong_type = false;
  Entry* entry = find(key, now_ms);
  if (entry == nullptr) return std::nullopt;
  const auto* stream = std::get_if<StreamValue>(&entry->value);
  if (stream == nullptr) {
    wrong_type = true;
    return std::nullopt;
  }
  std::string body;
  std::size_t emitted = 0;
  for (auto it = stream->entries.upper_bound(after); it != stream->entries.end(); ++it) {
    if (count != 0 && emitted == count) break;
    body += encode_entry(it->first, it->second);
    ++emitted;
  }
  if (emitted == 0) return std::nullopt;
  return encode_array_header(2) + encode_bulk_string(key) + encode_array_header(emitted) + body;
}

StreamId RedisKeyspace::last_stream_id(const std::string& key, std::int64_t now_ms) {
  Entry* entry = find(key, now_ms);
  const auto* stream = entry == nullptr ? nullptr : std::get_if<StreamValue>(&entry->value);
  return stream == nullptr ? StreamId{} : stream->last_id;
}

std::string RedisKeyspace::append_group(const std::string& log_key, const std::string& offsets_key,
                                        const std::string& last_id_key, const std::vector<std::string>& arguments,
                                        std::int64_t now_ms) {
  // The script would read nil arguments and fail inside XADD (or compare nil); no node sends
  // such a group.
  if (arguments.empty() || (arguments.size() - 1) % 3 != 0) {
    return encode_error("ERR the append script takes the id read up to, then content, has-offset and offset per write");
  }
  const std::optional<double> read_up_to = lua_tonumber(arguments[0]);
  if (!read_up_to) return encode_error("ERR the append script's first argument is the id the node has read up to");
  if (Entry* last_id = find(last_id_key, now_ms); last_id != nullptr) {
    const auto* text = std::get_if<StringValue>(&last_id->value);
    if (text == nullptr) return script_error(wrong_type_error, AppendScriptLines::last_id_read);
    // tonumber(GET) or 0: a counter that does not read as a number counts as 0 here (the
    // INCR below then fails on it, as in Redis).
    if (lua_tonumber(text->text).value_or(0) < *read_up_to) {
      return encode_error(std::string(log_behind_error_code) + " the log ends before id " + arguments[0] +
                          ", which this node has read");
    }
  } else if (0 < *read_up_to) {
    return encode_error(std::string(log_behind_error_code) + " the log ends before id " + arguments[0] +
                        ", which this node has read");
  }
  std::string body;
  for (std::size_t first = 1; first < arguments.size(); first += 3) {
    const std::string& content = arguments[first];
    const bool has_offset = arguments[first + 1] == "1";
    const std::string& offset = arguments[first + 2];
    if (has_offset) {
      Entry* offsets = find(offsets_key, now_ms);
      if (offsets != nullptr) {
        const auto* hash = std::get_if<HashValue>(&offsets->value);
        if (hash == nullptr) return script_error(wrong_type_error, AppendScriptLines::offset_lookup);
        const auto found = hash->find(offset);
        if (found != hash->end()) {
          // tonumber() of what the hash holds: the script stores only ids there.
          const std::optional<std::int64_t> id = parse_redis_integer(found->second);
          // The script stores only ids there; a hash written by hand would need Lua's
          // tonumber() to be modelled.
          if (!id) return encode_error("ERR the offsets hash holds something other than an id");
          body += encode_array_header(2) + encode_bulk_string("duplicate") + encode_integer(*id);
          continue;
        }
      }
    }
    const std::string incremented = incr(last_id_key, now_ms);
    if (incremented[0] != ':') return script_error(reply_text(incremented), AppendScriptLines::id_increment);
    const std::int64_t id = *parse_redis_integer(reply_text(incremented));
    Entry* log = find(log_key, now_ms);
    if (log == nullptr) log = &(entries_[log_key] = Entry{StreamValue{}, std::nullopt});
    auto* stream = std::get_if<StreamValue>(&log->value);
    const int add_line = has_offset ? AppendScriptLines::add_with_offset : AppendScriptLines::add_without_offset;
    if (stream == nullptr) return script_error(wrong_type_error, add_line);
    const StreamId entry_id{static_cast<std::uint64_t>(id), 0};
    if (id <= 0 || entry_id <= stream->last_id) {
      return script_error("ERR The ID specified in XADD is equal or smaller than the target stream top item", add_line);
    }
    std::vector<std::string> fields{"content", content};
    if (has_offset) {
      fields.push_back("client_offset");
      fields.push_back(offset);
    }
    stream->entries.emplace(entry_id, std::move(fields));
    stream->last_id = entry_id;
    if (has_offset) {
      const std::string stored = hset(offsets_key, {offset, std::to_string(id)}, now_ms);
      if (stored[0] != ':') return script_error(wrong_type_error, AppendScriptLines::offset_store);
    }
    body += encode_array_header(2) + encode_bulk_string("inserted") + encode_integer(id);
  }
  return encode_array_header((arguments.size() - 1) / 3) + body;
}

}  // namespace resync::server::cluster
