// The in-memory Redis against the real one: random sequences of the commands the nodes and
// the harness send (appends with repeated, empty and missing offsets, tail reads, trims,
// ranges, strings, counters, hashes, and the wrong-type mistakes among them) must get
// byte-identical replies from both.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <memory>

#include "server/cluster/in_memory_redis.hpp"
#include "server/cluster/tests/redis_server_process.hpp"

namespace resync::server::cluster::testing {
namespace {

using Command = std::vector<std::string>;

// One redis-server for every case; FLUSHALL between cases.
RedisServerProcess& shared_redis() {
  static std::unique_ptr<RedisServerProcess> redis = [] {
    auto process = std::make_unique<RedisServerProcess>(*find_redis_server());
    process->start();
    return process;
  }();
  return *redis;
}

rc::Gen<std::string> stream_id_text() {
  return rc::gen::map(rc::gen::pair(rc::gen::inRange(0, 12), rc::gen::inRange(0, 3)), [](const std::pair<int, int>& id) {
    const std::string milliseconds = std::to_string(id.first);
    return id.second == 0 ? milliseconds : milliseconds + (id.second == 1 ? "-0" : "-1");
  });
}

rc::Gen<std::optional<std::string>> client_offset() {
  return rc::gen::oneOf(rc::gen::just(std::optional<std::string>()),
                        rc::gen::map(rc::gen::element<std::string>("o1", "o2", "o3", "", "o\r\n4"),
                                     [](std::string offset) { return std::optional<std::string>(std::move(offset)); }));
}

rc::Gen<Command> append_command() {
  const auto write = rc::gen::construct<PendingWrite>(
      rc::gen::oneOf(rc::gen::element<std::string>("hi", "", "a\r\nb", "\xc3\xbcnicode"),
                     rc::gen::container<std::string>(rc::gen::inRange<char>('a', 'z'))),
      client_offset());
  // The id read up to: mostly 0 (every append goes through), sometimes ahead of the log.
  const auto read_up_to = rc::gen::weightedElement<std::int64_t>({{6, 0}, {2, 1}, {1, 3}, {1, 9}});
  return rc::gen::map(rc::gen::pair(read_up_to, rc::gen::resize(4, rc::gen::nonEmpty(rc::gen::container<std::vector<PendingWrite>>(write)))),
                      [](const std::pair<std::int64_t, std::vector<PendingWrite>>& group) {
                        return append_group_command(shared_log_keys("resync"), group.first, group.second);
                      });
}

rc::Gen<Command> command() {
  const auto any_key = rc::gen::element<std::string>("resync:log", "resync:offsets", "resync:last-id", "k1", "h1", "missing");
  const auto stream_key = rc::gen::element<std::string>("resync:log", "k1", "missing");
  const auto plain_key = rc::gen::element<std::string>("k1", "k2");
  const auto value = rc::gen::element<std::string>("5", "abc", "-3", "012", "-0", "9223372036854775807", "", "-9223372036854775808");
  const auto field = rc::gen::element<std::string>("o1", "o2", "", "f");
  return rc::gen::weightedOneOf<Command>({
      {1, rc::gen::just(Command{"PING"})},
      {2, rc::gen::map(any_key, [](std::string key) { return Command{"GET", key}; })},
      {1, rc::gen::map(any_key, [](std::string key) { return Command{"GETDEL", key}; })},
      {2, rc::gen::map(rc::gen::tuple(plain_key, value, rc::gen::arbitrary<bool>()),
                       [](const std::tuple<std::string, std::string, bool>& set) {
                         Command command{"SET", std::get<0>(set), std::get<1>(set)};
                         // An expiry far beyond the test, so both answer without racing a clock.
                         if (std::get<2>(set)) command.insert(command.end(), {"PX", "100000000"});
                         return command;
                       })},
      {1, rc::gen::map(rc::gen::pair(rc::gen::element<std::string>("k1", "k2", "resync:log", "resync:offsets", "h1"), plain_key),
                       [](const std::pair<std::string, std::string>& keys) { return Command{"DEL", keys.first, keys.second}; })},
      {2, rc::gen::map(any_key, [](std::string key) { return Command{"INCR", key}; })},
      {2, rc::gen::map(rc::gen::pair(any_key, field), [](const std::pair<std::string, std::string>& hget) {
         return Command{"HGET", hget.first, hget.second};
       })},
      {1, rc::gen::map(rc::gen::pair(field, value), [](const std::pair<std::string, std::string>& hset) {
         return Command{"HSET", "h1", hset.first, hset.second};
       })},
      {2, rc::gen::map(rc::gen::tuple(stream_key, rc::gen::oneOf(rc::gen::just(std::string("-")), stream_id_text()),
                                      rc::gen::oneOf(rc::gen::just(std::string("+")), stream_id_text()), rc::gen::inRange(0, 4)),
                       [](const std::tuple<std::string, std::string, std::string, int>& range) {
                         Command command{"XRANGE", std::get<0>(range), std::get<1>(range), std::get<2>(range)};
                         if (std::get<3>(range) > 0) command.insert(command.end(), {"COUNT", std::to_string(std::get<3>(range))});
                         return command;
                       })},
      {3, rc::gen::map(rc::gen::tuple(stream_key, stream_id_text(), rc::gen::inRange(0, 4), rc::gen::arbitrary<bool>()),
                       [](const std::tuple<std::string, std::string, int, bool>& read) {
                         Command command{"XREAD", "COUNT", std::to_string(std::get<2>(read))};
                         if (std::get<3>(read)) command.insert(command.end(), {"BLOCK", "1"});
                         command.insert(command.end(), {"STREAMS", std::get<0>(read), std::get<1>(read)});
                         return command;
                       })},
      {1, rc::gen::map(rc::gen::tuple(stream_key, stream_id_text(), rc::gen::arbitrary<bool>()),
                       [](const std::tuple<std::string, std::string, bool>& trim) {
                         Command command{"XTRIM", std::get<0>(trim), "MINID"};
                         if (std::get<2>(trim)) command.push_back("=");
                         command.push_back(std::get<1>(trim));
                         return command;
                       })},
      {6, append_command()},
  });
}

std::string printable(const std::string& bytes) {
  std::string text;
  for (char byte : bytes) {
    if (byte == '\r') text += "\\r";
    else if (byte == '\n') text += "\\n";
    else text += byte;
  }
  return text;
}

std::string describe_command(const Command& command) {
  std::string text;
  for (const std::string& argument : command) text += (text.empty() ? "" : " ") + printable(argument.substr(0, 40));
  return text;
}

TEST(AppendScript, ItsSha1IsTheOneRedisComputes) {
  RedisServerProcess& real = shared_redis();
  ASSERT_TRUE(real.running()) << real.why();
  BlockingRedisConnection connection(real.port());
  EXPECT_EQ(connection.command_reply_bytes(encode_command({"SCRIPT", "LOAD", std::string(append_script_text)})),
            encode_bulk_string(append_script_sha1));
}

RC_GTEST_PROP(InMemoryRedis, RepliesByteForByteAsARealRedisServer, ()) {
  const auto commands = *rc::gen::resize(40, rc::gen::container<std::vector<Command>>(command()));
  RedisServerProcess& real = shared_redis();
  RC_ASSERT(real.running());
  BlockingRedisConnection connection(real.port());
  RC_ASSERT(connection.connected());
  RC_ASSERT(connection.command_reply_bytes(encode_command({"FLUSHALL"})) == std::string("+OK\r\n"));
  InMemoryRedis memory;
  memory.connection_opened(1);
  std::int64_t now_ms = 0;
  for (const Command& command : commands) {
    const std::string request = encode_command(command);
    const std::string expected = connection.command_reply_bytes(request);
    memory.on_bytes(1, request, now_ms);
    std::vector<RedisOutput> outputs = memory.take_outputs();
    if (outputs.empty()) {
      // A blocked XREAD: nothing arrives on this one connection, so it times out.
      memory.on_timer(now_ms + 1);
      outputs = memory.take_outputs();
    }
    std::string actual;
    for (const RedisOutput& output : outputs) actual += output.bytes;
    if (actual != expected) {
      RC_FAIL(describe_command(command) + "\n  in-memory: " + printable(actual) + "\n  redis-server: " + printable(expected));
    }
    now_ms += 2;
  }
}

}  // namespace
}  // namespace resync::server::cluster::testing
