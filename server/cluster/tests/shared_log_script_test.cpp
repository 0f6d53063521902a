// The append command's arguments and the reading of the script's and XREAD's replies.
#include "server/cluster/shared_log_script.hpp"

#include <gtest/gtest.h>

#include "server/cluster/stream_tail_read.hpp"

namespace resync::server::cluster {
namespace {

RespValue result(const std::string& outcome, std::int64_t id) {
  return RespValue::array({RespValue::bulk_string(outcome), RespValue::integer_value(id)});
}

RespValue entry(const std::string& id, std::vector<std::string> fields) {
  std::vector<RespValue> field_values;
  for (std::string& field : fields) field_values.push_back(RespValue::bulk_string(std::move(field)));
  return RespValue::array({RespValue::bulk_string(id), RespValue::array(std::move(field_values))});
}

RespValue xread_reply(std::vector<RespValue> entries) {
  return RespValue::array({RespValue::array({RespValue::bulk_string("resync:log"), RespValue::array(std::move(entries))})});
}

TEST(SharedLogScript, KeysSitUnderThePrefix) {
  const SharedLogKeys keys = shared_log_keys("c1");
  EXPECT_EQ(keys.log, "c1:log");
  EXPECT_EQ(keys.offsets, "c1:offsets");
  EXPECT_EQ(keys.last_id, "c1:last-id");
}

TEST(SharedLogScript, TellsAMissingOffsetFromAnEmptyOne) {
  const std::vector<PendingWrite> writes{{"a", std::nullopt}, {"b", std::string()}, {"c", std::string("o-1")}};
  const std::vector<std::string> arguments = append_group_command(shared_log_keys("resync"), 7, writes);
  const std::vector<std::string> expected{"EVAL", std::string(append_script_text), "3", "resync:log", "resync:offsets",
                                          "resync:last-id", "7", "a", "0", "", "b", "1", "", "c", "1", "o-1"};
  EXPECT_EQ(arguments, expected);
}

std::string script_line(int number) {
  std::size_t start = 0;
  for (int line = 1; line < number; ++line) start = append_script_text.find('\n', start) + 1;
  return std::string(append_script_text.substr(start, append_script_text.find('\n', start) - start));
}

TEST(SharedLogScript, TheLinesNamedForErrorsHoldTheirCalls) {
  EXPECT_NE(script_line(AppendScriptLines::last_id_read).find("redis.call('GET', KEYS[3])"), std::string::npos);
  EXPECT_NE(script_line(AppendScriptLines::offset_lookup).find("redis.call('HGET'"), std::string::npos);
  EXPECT_NE(script_line(AppendScriptLines::id_increment).find("redis.call('INCR'"), std::string::npos);
  EXPECT_NE(script_line(AppendScriptLines::add_with_offset).find("redis.call('XADD'"), std::string::npos);
  EXPECT_NE(script_line(AppendScriptLines::add_with_offset).find("client_offset"), std::string::npos);
  EXPECT_NE(script_line(AppendScriptLines::offset_store).find("redis.call('HSET'"), std::string::npos);
  EXPECT_NE(script_line(AppendScriptLines::add_without_offset).find("redis.call('XADD'"), std::string::npos);
  EXPECT_EQ(script_line(AppendScriptLines::add_without_offset).find("client_offset"), std::string::npos);
}

TEST(SharedLogScript, ReadsOneResultPerWrite) {
  auto parsed = parse_append_reply(RespValue::array({result("inserted", 4), result("duplicate", 2)}), 2);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  ASSERT_EQ(parsed.value().size(), 2u);
  EXPECT_EQ(parsed.value()[0].outcome, InsertOutcome::inserted);
  EXPECT_EQ(parsed.value()[0].id, 4);
  EXPECT_EQ(parsed.value()[1].outcome, InsertOutcome::duplicate_client_offset);
  EXPECT_EQ(parsed.value()[1].id, 2);
}

TEST(SharedLogScript, RefusesEveryOtherReply) {
  const std::vector<RespValue> replies{
      RespValue::error("LOADING Redis is loading the dataset in memory"),
      RespValue::simple_string("OK"),
      RespValue::array({result("inserted", 1)}),                                      // one result for two writes
      RespValue::array({result("inserted", 1), result("maybe", 2)}),                  // unknown outcome
      RespValue::array({result("inserted", 1), result("inserted", 0)}),               // no id 0
      RespValue::array({result("inserted", 1), RespValue::bulk_string("inserted")}),  // not a pair
  };
  for (const RespValue& reply : replies) EXPECT_FALSE(parse_append_reply(reply, 2).ok()) << describe(reply);
  EXPECT_NE(parse_append_reply(replies[0], 2).error().find("LOADING"), std::string::npos);
}

TEST(StreamTailRead, AsksForEntriesAfterTheLastId) {
  const std::vector<std::string> expected{"XREAD", "COUNT", "10", "BLOCK", "1000", "STREAMS", "resync:log", "7-0"};
  EXPECT_EQ(tail_read_command("resync:log", 7, 10, 1000), expected);
}

TEST(StreamTailRead, ReadsEntriesWithAndWithoutOffsets) {
  auto parsed = parse_tail_reply(
      xread_reply({entry("3-0", {"content", "hi"}), entry("5-0", {"content", "", "client_offset", ""})}), "resync:log", 2);
  ASSERT_TRUE(parsed.ok()) << parsed.error();
  const std::vector<StoredMessage> expected{{3, "hi", std::nullopt}, {5, "", std::string()}};
  EXPECT_EQ(parsed.value(), expected);
  auto timed_out = parse_tail_reply(RespValue::null(), "resync:log", 2);
  ASSERT_TRUE(timed_out.ok());
  EXPECT_TRUE(timed_out.value().empty());
}

TEST(StreamTailRead, AMalformedEntryIsAnErrorNamingIt) {
  const std::vector<RespValue> replies{
      xread_reply({entry("3-1", {"content", "hi"})}),
      xread_reply({entry("03-0", {"content", "hi"})}),
      xread_reply({entry("x-0", {"content", "hi"})}),
      xread_reply({entry("3-0", {"content"})}),
      xread_reply({entry("3-0", {"client_offset", "o"})}),
      xread_reply({entry("3-0", {"content", "a", "content", "b"})}),
      xread_reply({entry("3-0", {"content", "a", "colour", "b"})}),
      xread_reply({entry("3-0", {"content", "a"}), entry("3-0", {"content", "b"})}),
      xread_reply({entry("2-0", {"content", "a"})}),
      RespValue::array({RespValue::array({RespValue::bulk_string("other:log"), RespValue::array({})})}),
      RespValue::integer_value(3),
  };
  for (const RespValue& reply : replies) {
    auto parsed = parse_tail_reply(reply, "resync:log", 2);
    EXPECT_FALSE(parsed.ok()) << describe(reply);
  }
  EXPECT_NE(parse_tail_reply(replies[0], "resync:log", 2).error().find("\"3-1\""), std::string::npos);
}

}  // namespace
}  // namespace resync::server::cluster
