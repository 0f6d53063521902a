#include "server/cluster/in_memory_redis.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "common/invariant.hpp"
#include "server/cluster/stream_tail_read.hpp"

namespace resync::server::cluster {

namespace {

std::string upper_case(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return text;
}

std::string lower_case(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string wrong_arguments(const std::string& name) {
  return encode_error("ERR wrong number of arguments for '" + lower_case(name) + "' command");
}

std::string syntax_error() { return encode_error("ERR syntax error"); }

}  // namespace

InMemoryRedis::InMemoryRedis(std::string key_prefix, InMemoryRedisLimits limits)
    : keys_(shared_log_keys(key_prefix)), limits_(limits) {}

void InMemoryRedis::connection_opened(RedisConnectionId connection) {
  RESYNC_ASSERT(!connections_.contains(connection), "a connection id is opened once");
  connections_[connection].reader = std::make_unique<RespReader>(limits_.request_limits);
}

void InMemoryRedis::connection_closed(RedisConnectionId connection) { connections_.erase(connection); }

void InMemoryRedis::restart() {
  connections_.clear();
  outputs_.clear();
}

std::int64_t InMemoryRedis::trim(std::int64_t min_id) {
  RESYNC_ASSERT(min_id >= 0, "ids are not negative");
  const std::string reply = keyspace_.xtrim_min_id(keys_.log, StreamId{static_cast<std::uint64_t>(min_id), 0}, 0);
  if (reply[0] != ':') return 0;  // the log key holds something else: nothing trimmed
  return *parse_redis_integer(std::string_view(reply).substr(1, reply.size() - 3));
}

std::vector<StoredMessage> InMemoryRedis::log_entries() {
  bool wrong_type = false;
  const std::optional<std::string> element = keyspace_.xread_stream(keys_.log, StreamId{}, 0, 0, wrong_type);
  if (!element) return {};
  // The XREAD reply's shape, read by the nodes' own parser: what they would have tailed.
  RespReader reader{RespLimits{}};
  reader.feed("*1\r\n" + *element);
  auto taken = reader.take();
  RESYNC_ASSERT(taken.ok() && taken.value(), "the model's own stream reads back as a reply");
  auto entries = parse_tail_reply(*taken.value(), keys_.log, 0);
  RESYNC_ASSERT(entries.ok(), "the model's log holds only entries the append script wrote");
  return std::move(entries).value();
}

std::int64_t InMemoryRedis::log_last_id() {
  return static_cast<std::int64_t>(keyspace_.last_stream_id(keys_.log, 0).milliseconds);
}

std::int64_t InMemoryRedis::trim_keeping_last(std::int64_t keep_last) {
  RESYNC_ASSERT(keep_last >= 0, "a trim keeps a number of entries");
  const std::vector<StoredMessage> entries = log_entries();
  if (static_cast<std::int64_t>(entries.size()) <= keep_last) return 0;
  const std::int64_t min_id =
      keep_last == 0 ? entries.back().id + 1 : entries[entries.size() - static_cast<std::size_t>(keep_last)].id;
  return trim(min_id);
}

std::vector<RedisOutput> InMemoryRedis::take_outputs() { return std::exchange(outputs_, {}); }

void InMemoryRedis::reply(RedisConnectionId connection, std::string bytes, bool close_after) {
  if (!outputs_.empty() && outputs_.back().connection == connection && !outputs_.back().close_after) {
    outputs_.back().bytes += bytes;
    outputs_.back().close_after = close_after;
  } else {
    outputs_.push_back({connection, std::move(bytes), close_after});
  }
  std::size_t pending_bytes = 0;
  for (const RedisOutput& output : outputs_) pending_bytes += output.connection == connection ? output.bytes.size() : 0;
  if (pending_bytes > limits_.output_bytes_per_connection_max) {
    // Redis's client-output-buffer-limit: a client that does not read is disconnected.
    outputs_.back().close_after = true;
    connections_.at(connection).closing = true;
  }
}

void InMemoryRedis::on_bytes(RedisConnectionId connection, std::string_view bytes, std::int64_t now_ms) {
  auto found = connections_.find(connection);
  RESYNC_ASSERT(found != connections_.end(), "bytes arrive on an open connection");
  if (found->second.closing) return;
  found->second.reader->feed(bytes);
  process(connection, found->second, now_ms);
  serve_blocked_reads(now_ms);
}

void InMemoryRedis::process(RedisConnectionId connection, Connection& state, std::int64_t now_ms) {
  while (!state.closing && !state.blocked) {
    auto taken = state.reader->take();
    if (!taken.ok()) {
      state.closing = true;
      reply(connection, encode_error("ERR Protocol error: " + taken.error()), true);
      return;
    }
    if (!taken.value()) return;
    const RespValue& request = *taken.value();
    std::vector<std::string> command;
    bool well_formed = request.is_array() && !request.elements.empty();
    for (const RespValue& argument : request.elements) {
      well_formed = well_formed && argument.is_bulk_string();
      command.push_back(argument.text);
    }
    if (!well_formed) {
      // Real Redis also takes inline commands; the nodes never send them.
      state.closing = true;
      reply(connection, encode_error("ERR Protocol error: expected an array of bulk strings"), true);
      return;
    }
    if (std::optional<std::string> answer = execute(state, command, now_ms)) reply(connection, std::move(*answer));
  }
}

std::optional<std::string> InMemoryRedis::execute(Connection& state, const std::vector<std::string>& command,
                                                  std::int64_t now_ms) {
  const std::string name = upper_case(command[0]);
  const std::size_t count = command.size();
  if (name == "PING") {
    if (count == 1) return encode_simple_string("PONG");
    if (count == 2) return encode_bulk_string(command[1]);
    return wrong_arguments(name);
  }
  if (name == "GET") return count == 2 ? keyspace_.get(command[1], now_ms) : wrong_arguments(name);
  if (name == "GETDEL") return count == 2 ? keyspace_.getdel(command[1], now_ms) : wrong_arguments(name);
  if (name == "SET") {
    if (count != 3 && count != 5) return count < 3 ? wrong_arguments(name) : syntax_error();
    std::optional<std::int64_t> expires_at_ms;
    if (count == 5) {
      if (upper_case(command[3]) != "PX") return syntax_error();
      const std::optional<std::int64_t> milliseconds = parse_redis_integer(command[4]);
      if (!milliseconds) return encode_error(not_an_integer_error);
      if (*milliseconds <= 0) return encode_error("ERR invalid expire time in 'set' command");
      expires_at_ms = now_ms + *milliseconds;
    }
    return keyspace_.set(command[1], command[2], expires_at_ms);
  }
  if (name == "DEL") {
    if (count < 2) return wrong_arguments(name);
    return keyspace_.del(std::vector<std::string>(command.begin() + 1, command.end()), now_ms);
  }
  if (name == "INCR") return count == 2 ? keyspace_.incr(command[1], now_ms) : wrong_arguments(name);
  if (name == "HGET") return count == 3 ? keyspace_.hget(command[1], command[2], now_ms) : wrong_arguments(name);
  if (name == "HSET") {
    if (count < 4 || count % 2 != 0) return wrong_arguments(name);
    return keyspace_.hset(command[1], std::vector<std::string>(command.begin() + 2, command.end()), now_ms);
  }
  if (name == "XRANGE") {
    if (count != 4 && count != 6) return count < 4 ? wrong_arguments(name) : syntax_error();
    const std::optional<StreamId> start = command[2] == "-" ? StreamId{} : parse_stream_id(command[2], 0);
    const std::optional<StreamId> end = command[3] == "+" ? StreamId{UINT64_MAX, UINT64_MAX}
                                                          : parse_stream_id(command[3], UINT64_MAX);
    if (!start || !end) return encode_error(invalid_stream_id_error);
    std::optional<std::size_t> entries_max;
    if (count == 6) {
      if (upper_case(command[4]) != "COUNT") return syntax_error();
      const std::optional<std::int64_t> parsed = parse_redis_integer(command[5]);
      if (!parsed) return encode_error(not_an_integer_error);
      if (*parsed <= 0) return encode_array_header(0);
      entries_max = static_cast<std::size_t>(*parsed);
    }
    return keyspace_.xrange(command[1], *start, *end, entries_max, now_ms);
  }
  if (name == "XTRIM") {
    // XTRIM key MINID [=] id: exact trimming only ("~" trims by whole macro nodes in Redis).
    if (count != 4 && count != 5) return count < 4 ? wrong_arguments(name) : syntax_error();
    if (upper_case(command[2]) != "MINID" || (count == 5 && command[3] != "=")) return syntax_error();
    const std::optional<StreamId> min_id = parse_stream_id(command[count - 1], 0);
    if (!min_id) return encode_error(invalid_stream_id_error);
    return keyspace_.xtrim_min_id(command[1], *min_id, now_ms);
  }
  if (name == "XREAD") return xread(state, command, now_ms);
  if (name == "EVAL") return eval(command, now_ms);
  std::string arguments;
  for (std::size_t index = 1; index < count; ++index) arguments += "'" + command[index].substr(0, 128) + "' ";
  return encode_error("ERR unknown command '" + command[0].substr(0, 128) + "', with args beginning with: " + arguments);
}

std::optional<std::string> InMemoryRedis::xread(Connection& state, const std::vector<std::string>& command,
                                                std::int64_t now_ms) {
  BlockedRead read;
  std::optional<std::int64_t> block_ms;
  std::size_t index = 1;
  for (; index < command.size(); index += 2) {
    const std::string option = upper_case(command[index]);
    if (option == "STREAMS") break;
    if (index + 1 >= command.size()) return syntax_error();
    const std::optional<std::int64_t> value = parse_redis_integer(command[index + 1]);
    if (option == "COUNT") {
      if (!value) return encode_error(not_an_integer_error);
      read.count = static_cast<std::size_t>(std::max<std::int64_t>(*value, 0));
    } else if (option == "BLOCK") {
      if (!value) return encode_error("ERR timeout is not an integer or out of range");
      if (*value < 0) return encode_error("ERR timeout is negative");
      block_ms = *value;
    } else {
      return syntax_error();
    }
  }
  const std::size_t streams_given = index < command.size() ? command.size() - index - 1 : 0;
  if (index >= command.size() || streams_given == 0 || streams_given % 2 != 0) {
    return encode_error("ERR Unbalanced 'xread' list of streams: for each stream key an ID or '$' must be specified.");
  }
  const std::size_t stream_count = streams_given / 2;
  for (std::size_t stream = 0; stream < stream_count; ++stream) {
    const std::string& key = command[index + 1 + stream];
    const std::string& id_text = command[index + 1 + stream_count + stream];
    const std::optional<StreamId> after = id_text == "$" ? keyspace_.last_stream_id(key, now_ms) : parse_stream_id(id_text, 0);
    if (!after) return encode_error(invalid_stream_id_error);
    read.keys.push_back(key);
    read.after.push_back(*after);
  }
  if (std::optional<std::string> answer = answer_read(read, now_ms)) return answer;
  if (!block_ms) return encode_null_array();
  if (*block_ms > 0) read.deadline_ms = now_ms + *block_ms;
  state.blocked = std::move(read);
  return std::nullopt;
}

std::optional<std::string> InMemoryRedis::answer_read(const BlockedRead& read, std::int64_t now_ms) {
  std::string body;
  std::size_t streams_with_entries = 0;
  for (std::size_t stream = 0; stream < read.keys.size(); ++stream) {
    bool wrong_type = false;
    std::optional<std::string> part = keyspace_.xread_stream(read.keys[stream], read.after[stream], read.count, now_ms, wrong_type);
    if (wrong_type) return encode_error(wrong_type_error);
    if (part) {
      body += *part;
      ++streams_with_entries;
    }
  }
  if (streams_with_entries == 0) return std::nullopt;
  return encode_array_header(streams_with_entries) + body;
}

std::string InMemoryRedis::eval(const std::vector<std::string>& command, std::int64_t now_ms) {
  if (command.size() < 3) return wrong_arguments("EVAL");
  if (command[1] != append_script_text) {
    return encode_error("ERR the in-memory Redis runs only resync's append script (shared_log_script.cpp)");
  }
  if (command[2] != "3" || command.size() < 6) {
    return encode_error("ERR the append script takes 3 keys: log, offsets, last-id");
  }
  const std::vector<std::string> arguments(command.begin() + 6, command.end());
  return keyspace_.append_group(command[3], command[4], command[5], arguments, now_ms);
}

void InMemoryRedis::serve_blocked_reads(std::int64_t now_ms) {
  // A served read may unblock commands its connection sent meanwhile, which may append and
  // so serve other reads: repeat until nothing changes (each pass unblocks at least one
  // connection or ends, so it ends within the connection count).
  bool served = true;
  while (served) {
    served = false;
    for (auto& [connection, state] : connections_) {
      if (!state.blocked || state.closing) continue;
      std::optional<std::string> answer = answer_read(*state.blocked, now_ms);
      if (!answer) continue;
      state.blocked.reset();
      reply(connection, std::move(*answer));
      process(connection, state, now_ms);
      served = true;
    }
  }
}

void InMemoryRedis::on_timer(std::int64_t now_ms) {
  for (auto& [connection, state] : connections_) {
    if (!state.blocked || !state.blocked->deadline_ms || *state.blocked->deadline_ms > now_ms) continue;
    state.blocked.reset();
    reply(connection, encode_null_array());
    process(connection, state, now_ms);
  }
  serve_blocked_reads(now_ms);
}

std::optional<std::int64_t> InMemoryRedis::next_deadline_ms() const {
  std::optional<std::int64_t> earliest;
  for (const auto& [connection, state] : connections_) {
    if (!state.blocked || !state.blocked->deadline_ms) continue;
    earliest = earliest ? std::min(*earliest, *state.blocked->deadline_ms) : *state.blocked->deadline_ms;
  }
  return earliest;
}

}  // namespace resync::server::cluster
