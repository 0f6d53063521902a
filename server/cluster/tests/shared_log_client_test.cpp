// The node's shared-log client against scripted Redis bytes: the happy path, and every way
// a commit or the tail can fail (timeout, error reply, malformed reply, a link closed
// mid-group, a trimmed log, a Redis restart).
#include "server/cluster/shared_log_client.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "server/cluster/resp_codec.hpp"

namespace resync::server::cluster {
namespace {

SharedLogConfig test_config() {
  SharedLogConfig config;
  config.node_id = "n1";
  config.commit_timeout_ms = 500;
  config.tail_block_ms = 100;
  config.tail_silence_grace_ms = 50;
  config.tail_batch_entries_max = 8;
  config.reconnect_delay_ms = 10;
  config.reconnect_delay_max_ms = 40;
  return config;
}

CommitRequest group_of(std::uint64_t group, std::vector<PendingWrite> writes) { return {group, std::move(writes)}; }

std::string append_reply(const std::vector<std::pair<std::string, std::int64_t>>& results) {
  std::vector<RespValue> values;
  for (const auto& [outcome, id] : results) {
    values.push_back(RespValue::array({RespValue::bulk_string(outcome), RespValue::integer_value(id)}));
  }
  return encode_value(RespValue::array(std::move(values)));
}

std::string xread_reply(const std::vector<std::pair<std::int64_t, std::string>>& entries) {
  std::vector<RespValue> values;
  for (const auto& [id, content] : entries) {
    values.push_back(RespValue::array({RespValue::bulk_string(std::to_string(id) + "-0"),
                                       RespValue::array({RespValue::bulk_string("content"), RespValue::bulk_string(content)})}));
  }
  return encode_value(RespValue::array(
      {RespValue::array({RespValue::bulk_string("resync:log"), RespValue::array(std::move(values))})}));
}

// The client with both links open, and the actions it emitted sorted by kind.
class SharedLogClientTest : public ::testing::Test {
 protected:
  SharedLogClientTest() : client(test_config()) {
    client.start(now_ms);
    client.on_link_open(Link::command, now_ms);
    client.on_link_open(Link::tail, now_ms);
    client.on_link_open(Link::lost_sockets, now_ms);
    take();
    opened.clear();
  }

  // Redis is down: every connect is refused, every close asked for is done.
  void refuse_connects() {
    for (Link link : opened) client.on_link_closed(link, now_ms);
    for (Link link : closed) client.on_link_closed(link, now_ms);
    opened.clear();
    closed.clear();
  }

  void take() {
    for (SharedLogAction& action : client.take_actions()) {
      if (auto* open = std::get_if<OpenLink>(&action)) opened.push_back(open->link);
      if (auto* send = std::get_if<SendBytes>(&action)) {
        (send->link == Link::command ? command_sent : send->link == Link::tail ? tail_sent : lost_sockets_sent)
            .push_back(send->bytes);
      }
      if (auto* taken = std::get_if<LostSocketTaken>(&action)) lost_sockets_taken.push_back(*taken);
      if (auto* close = std::get_if<CloseLink>(&action)) closed.push_back(close->link);
      if (auto* committed = std::get_if<GroupCommitted>(&action)) completions.push_back(committed->completion);
      if (auto* tailed = std::get_if<EntriesTailed>(&action)) events.push_back("entries " + std::to_string(tailed->entries.front().id) + ".." + std::to_string(tailed->entries.back().id));
      if (auto* gap = std::get_if<LogGap>(&action)) events.push_back("gap " + std::to_string(gap->after_id) + " " + std::to_string(gap->next_id));
      if (auto* line = std::get_if<SharedLogLine>(&action)) lines.push_back(line->text);
    }
  }

  void advance_to(std::int64_t time_ms) {
    now_ms = time_ms;
    client.on_timer(now_ms);
    take();
  }

  void clear() {
    opened.clear(), command_sent.clear(), tail_sent.clear(), closed.clear(), completions.clear(), events.clear(), lines.clear();
    lost_sockets_sent.clear(), lost_sockets_taken.clear();
  }

  std::int64_t now_ms = 1000;
  SharedLogClient client;
  std::vector<Link> opened, closed;
  std::vector<std::string> command_sent, tail_sent, lost_sockets_sent, events, lines;
  std::vector<LostSocketTaken> lost_sockets_taken;
  std::vector<CommitCompletion> completions;
};

static_assert(std::is_move_constructible_v<SharedLogClient> && !std::is_copy_constructible_v<SharedLogClient>);

TEST_F(SharedLogClientTest, StartOpensBothLinksAndTheTailReadsFromTheStartId) {
  SharedLogConfig config = test_config();
  config.start_after_id = 41;
  SharedLogClient fresh(config);
  fresh.start(0);
  auto actions = fresh.take_actions();
  ASSERT_GE(actions.size(), 3u);
  EXPECT_EQ(std::get<OpenLink>(actions[1]).link, Link::command);
  EXPECT_EQ(std::get<OpenLink>(actions[2]).link, Link::tail);
  fresh.on_link_open(Link::tail, 0);
  actions = fresh.take_actions();
  ASSERT_EQ(actions.size(), 1u);
  EXPECT_EQ(std::get<SendBytes>(actions[0]).bytes,
            encode_command({"XREAD", "COUNT", "8", "BLOCK", "100", "STREAMS", "resync:log", "41-0"}));
  EXPECT_EQ(fresh.tailed_head_id(), 41);
}

TEST_F(SharedLogClientTest, AGroupIsCommittedWithTheScriptsResults) {
  client.submit_group(group_of(1, {{"a", "o1"}, {"b", std::nullopt}}), now_ms);
  take();
  ASSERT_EQ(command_sent.size(), 1u);
  EXPECT_NE(command_sent[0].find("EVAL"), std::string::npos);
  EXPECT_TRUE(client.in_flight());
  const std::string reply = append_reply({{"duplicate", 3}, {"inserted", 7}});
  // Split in two, so the reply is read only once whole.
  client.on_link_bytes(Link::command, reply.substr(0, 9), now_ms + 5);
  take();
  EXPECT_TRUE(completions.empty());
  client.on_link_bytes(Link::command, reply.substr(9), now_ms + 20);
  take();
  ASSERT_EQ(completions.size(), 1u);
  EXPECT_EQ(completions[0].group, 1u);
  ASSERT_FALSE(completions[0].error) << *completions[0].error;
  ASSERT_EQ(completions[0].results.size(), 2u);
  EXPECT_EQ(completions[0].results[0].outcome, InsertOutcome::duplicate_client_offset);
  EXPECT_EQ(completions[0].results[0].id, 3);
  EXPECT_EQ(completions[0].results[1].id, 7);
  EXPECT_EQ(completions[0].commit_duration_ms, 20);
  EXPECT_FALSE(client.in_flight());
}

TEST_F(SharedLogClientTest, AGroupWithoutAReplyTimesOutAndTheCommandLinkIsReopened) {
  client.submit_group(group_of(1, {{"a", "o1"}}), now_ms);
  take();
  EXPECT_EQ(client.next_deadline_ms(), now_ms + 150);  // the tail's silence deadline comes first
  advance_to(1499);
  EXPECT_TRUE(completions.empty());
  advance_to(1500);
  ASSERT_EQ(completions.size(), 1u);
  ASSERT_TRUE(completions[0].error);
  EXPECT_NE(completions[0].error->find("node n1"), std::string::npos) << *completions[0].error;
  EXPECT_NE(completions[0].error->find("Redis did not answer within 500 ms"), std::string::npos) << *completions[0].error;
  ASSERT_EQ(std::count(closed.begin(), closed.end(), Link::command), 1);
  // A late reply on the closing link is ignored, not taken for the next group's.
  client.on_link_bytes(Link::command, append_reply({{"inserted", 1}}), now_ms);
  client.on_link_closed(Link::command, now_ms);
  clear();
  advance_to(now_ms + 10);
  ASSERT_EQ(opened.size(), 1u);
  EXPECT_EQ(opened[0], Link::command);
}

TEST_F(SharedLogClientTest, AnErrorReplyFailsTheGroupAndKeepsTheLink) {
  client.submit_group(group_of(4, {{"a", std::nullopt}}), now_ms);
  client.on_link_bytes(Link::command, "-LOADING Redis is loading the dataset in memory\r\n", now_ms);
  take();
  ASSERT_EQ(completions.size(), 1u);
  ASSERT_TRUE(completions[0].error);
  EXPECT_NE(completions[0].error->find("LOADING"), std::string::npos);
  EXPECT_NE(completions[0].error->find("group 4"), std::string::npos);
  EXPECT_TRUE(closed.empty());
  client.submit_group(group_of(5, {{"a", std::nullopt}}), now_ms);
  client.on_link_bytes(Link::command, append_reply({{"inserted", 1}}), now_ms);
  take();
  ASSERT_EQ(completions.size(), 2u);
  EXPECT_FALSE(completions[1].error);
}

TEST_F(SharedLogClientTest, AMalformedReplyFailsTheGroupAndClosesTheLink) {
  client.submit_group(group_of(1, {{"a", std::nullopt}, {"b", std::nullopt}}), now_ms);
  client.on_link_bytes(Link::command, append_reply({{"inserted", 1}}), now_ms);
  take();
  ASSERT_EQ(completions.size(), 1u);
  ASSERT_TRUE(completions[0].error);
  EXPECT_NE(completions[0].error->find("with 1 results"), std::string::npos) << *completions[0].error;
  EXPECT_EQ(closed, std::vector<Link>{Link::command});
}

TEST_F(SharedLogClientTest, BytesThatBreakTheProtocolFailTheGroupAndCloseTheLink) {
  client.submit_group(group_of(1, {{"a", std::nullopt}}), now_ms);
  client.on_link_bytes(Link::command, "!garbage\r\n", now_ms);
  take();
  ASSERT_EQ(completions.size(), 1u);
  ASSERT_TRUE(completions[0].error);
  EXPECT_NE(completions[0].error->find("broke the protocol"), std::string::npos) << *completions[0].error;
  EXPECT_EQ(closed, std::vector<Link>{Link::command});
}

TEST_F(SharedLogClientTest, AReplyNobodyAskedForClosesTheCommandLink) {
  client.on_link_bytes(Link::command, "+OK\r\n", now_ms);
  take();
  EXPECT_EQ(closed, std::vector<Link>{Link::command});
  EXPECT_TRUE(completions.empty());
}

TEST_F(SharedLogClientTest, ALinkClosedMidGroupFailsTheGroup) {
  client.submit_group(group_of(2, {{"a", "o"}}), now_ms);
  client.on_link_closed(Link::command, now_ms + 3);
  take();
  ASSERT_EQ(completions.size(), 1u);
  ASSERT_TRUE(completions[0].error);
  EXPECT_NE(completions[0].error->find("closed before the reply"), std::string::npos) << *completions[0].error;
}

TEST_F(SharedLogClientTest, AGroupWaitsForTheCommandLinkUntilItsTimeout) {
  client.on_link_closed(Link::command, now_ms);
  client.submit_group(group_of(1, {{"a", std::nullopt}}), now_ms);
  take();
  EXPECT_TRUE(command_sent.empty());
  // The reconnect is refused twice, with a doubling wait; the third attempt opens and the
  // waiting group goes out on it.
  advance_to(1010);
  EXPECT_EQ(opened, std::vector<Link>{Link::command});
  client.on_link_closed(Link::command, now_ms);
  advance_to(1029);
  EXPECT_EQ(opened.size(), 1u);
  advance_to(1030);
  EXPECT_EQ(opened.size(), 2u);
  client.on_link_open(Link::command, now_ms);
  take();
  ASSERT_EQ(command_sent.size(), 1u);
  client.on_link_bytes(Link::command, append_reply({{"inserted", 9}}), now_ms);
  take();
  ASSERT_EQ(completions.size(), 1u);
  EXPECT_FALSE(completions[0].error);
}

TEST_F(SharedLogClientTest, AGroupWithNoCommandLinkFailsAtItsTimeout) {
  client.on_link_closed(Link::command, now_ms);
  client.submit_group(group_of(1, {{"a", std::nullopt}}), now_ms);
  for (std::int64_t time_ms = now_ms; time_ms <= 1500; time_ms += 5) {
    advance_to(time_ms);
    refuse_connects();
  }
  ASSERT_EQ(completions.size(), 1u);
  ASSERT_TRUE(completions[0].error);
  EXPECT_NE(completions[0].error->find("no command link to Redis within 500 ms"), std::string::npos) << *completions[0].error;
}

TEST_F(SharedLogClientTest, TheTailEmitsEntriesInOrderAndReadsOn) {
  ASSERT_EQ(tail_sent.size(), 1u);
  client.on_link_bytes(Link::tail, xread_reply({{1, "a"}, {2, "b"}}), now_ms);
  take();
  EXPECT_EQ(events, std::vector<std::string>{"entries 1..2"});
  EXPECT_EQ(client.tailed_head_id(), 2);
  ASSERT_EQ(tail_sent.size(), 2u);
  EXPECT_EQ(tail_sent[1], encode_command({"XREAD", "COUNT", "8", "BLOCK", "100", "STREAMS", "resync:log", "2-0"}));
  client.on_link_bytes(Link::tail, encode_null_array(), now_ms + 100);
  take();
  EXPECT_EQ(tail_sent.size(), 3u);
  EXPECT_EQ(events.size(), 1u);
}

TEST_F(SharedLogClientTest, ATrimmedLogEmitsAGapBeforeTheEntriesAfterIt) {
  client.on_link_bytes(Link::tail, xread_reply({{1, "a"}, {4, "d"}, {5, "e"}, {9, "i"}}), now_ms);
  take();
  const std::vector<std::string> expected{"entries 1..1", "gap 1 4", "entries 4..5", "gap 5 9", "entries 9..9"};
  EXPECT_EQ(events, expected);
  EXPECT_EQ(client.tailed_head_id(), 9);
}

TEST_F(SharedLogClientTest, AMalformedEntryClosesTheTailWhichResumesAfterTheLastGoodId) {
  client.on_link_bytes(Link::tail, xread_reply({{1, "a"}}), now_ms);
  client.on_link_bytes(Link::tail, xread_reply({{2, "b"}, {2, "again"}}), now_ms);
  take();
  EXPECT_EQ(events, std::vector<std::string>{"entries 1..1"});
  EXPECT_EQ(closed, std::vector<Link>{Link::tail});
  ASSERT_FALSE(lines.empty());
  EXPECT_NE(lines.back().find("\"2-0\""), std::string::npos) << lines.back();
  client.on_link_closed(Link::tail, now_ms);
  clear();
  advance_to(now_ms + 10);
  client.on_link_open(Link::tail, now_ms);
  take();
  ASSERT_EQ(tail_sent.size(), 1u);
  EXPECT_NE(tail_sent[0].find("1-0"), std::string::npos);
}

TEST_F(SharedLogClientTest, MoreEntriesThanTheCountAskedForCloseTheTail) {
  std::vector<std::pair<std::int64_t, std::string>> entries;
  for (std::int64_t id = 1; id <= 9; ++id) entries.emplace_back(id, "x");
  client.on_link_bytes(Link::tail, xread_reply(entries), now_ms);
  take();
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(closed, std::vector<Link>{Link::tail});
  EXPECT_EQ(client.tailed_head_id(), 0);
}

TEST_F(SharedLogClientTest, ASilentTailIsPresumedDeadAndReopened) {
  advance_to(1149);
  EXPECT_TRUE(closed.empty());
  advance_to(1150);
  EXPECT_EQ(closed, std::vector<Link>{Link::tail});
  client.on_link_closed(Link::tail, now_ms);
  advance_to(1160);
  EXPECT_EQ(opened, std::vector<Link>{Link::tail});
}

TEST_F(SharedLogClientTest, ATailReplyTooLargeForTheReaderHalvesTheBatch) {
  SharedLogConfig config = test_config();
  config.reply_limits.reply_bytes_max = 64;
  SharedLogClient small(config);
  small.start(0);
  small.on_link_open(Link::tail, 0);
  small.take_actions();
  small.on_link_bytes(Link::tail, xread_reply({{1, std::string(100, 'x')}}), 0);
  small.on_link_closed(Link::tail, 0);
  small.on_timer(10);
  small.on_link_open(Link::tail, 10);
  std::string sent;
  for (auto& action : small.take_actions()) {
    if (auto* send = std::get_if<SendBytes>(&action)) sent = send->bytes;
  }
  EXPECT_EQ(sent, encode_command({"XREAD", "COUNT", "4", "BLOCK", "100", "STREAMS", "resync:log", "0-0"}));
}

TEST_F(SharedLogClientTest, ARedisRestartIsSurvivedWithBackoffAndTheTailContinues) {
  client.on_link_bytes(Link::tail, xread_reply({{1, "a"}, {2, "b"}}), now_ms);
  client.submit_group(group_of(1, {{"c", "o3"}}), now_ms);
  // Redis goes away: both links close, the group in flight fails.
  client.on_link_closed(Link::command, now_ms);
  client.on_link_closed(Link::tail, now_ms);
  take();
  ASSERT_EQ(completions.size(), 1u);
  EXPECT_TRUE(completions[0].error);
  // Connects are refused for a while: the waits double up to reconnect_delay_max_ms.
  std::vector<std::int64_t> tail_attempts_ms;
  for (std::int64_t time_ms = now_ms; time_ms <= 1200; ++time_ms) {
    advance_to(time_ms);
    for (Link link : opened) {
      if (link == Link::tail) tail_attempts_ms.push_back(time_ms);
    }
    refuse_connects();
  }
  ASSERT_GE(tail_attempts_ms.size(), 5u);
  EXPECT_EQ(tail_attempts_ms[0], 1010);
  EXPECT_EQ(tail_attempts_ms[1], 1030);
  EXPECT_EQ(tail_attempts_ms[2], 1070);
  EXPECT_EQ(tail_attempts_ms[3], 1110);
  // Redis is back: the tail resumes after id 2 and the next group commits.
  clear();
  advance_to(1250);
  for (Link link : opened) client.on_link_open(link, now_ms);
  take();
  ASSERT_EQ(tail_sent.size(), 1u);
  EXPECT_NE(tail_sent[0].find("2-0"), std::string::npos);
  client.on_link_bytes(Link::tail, xread_reply({{3, "c"}}), now_ms);
  take();
  EXPECT_EQ(events, std::vector<std::string>{"entries 3..3"});
  bool logged_reconnect = false;
  for (const std::string& line : lines) logged_reconnect |= line.find("open again after") != std::string::npos;
  EXPECT_TRUE(logged_reconnect);
}

TEST_F(SharedLogClientTest, AConnectThatHangsIsAbandoned) {
  client.on_link_closed(Link::command, now_ms);
  advance_to(1010);
  ASSERT_EQ(opened, std::vector<Link>{Link::command});
  advance_to(1010 + 3000);
  EXPECT_NE(std::find(closed.begin(), closed.end(), Link::command), closed.end());
}

TEST_F(SharedLogClientTest, ALostSocketIsKeptWithItsWindowAndTakenOnceWithGetdel) {
  client.remember_lost_socket("pid-1", "7:sock", 120000, now_ms);
  const std::uint64_t first = client.take_lost_socket("pid-1", now_ms);
  const std::uint64_t second = client.take_lost_socket("pid-1", now_ms);
  take();
  // One request on the wire at a time: the SET first, the takes after its reply.
  ASSERT_EQ(lost_sockets_sent.size(), 1u);
  EXPECT_EQ(lost_sockets_sent[0], encode_command({"SET", "resync:lost:pid-1", "7:sock", "PX", "120000"}));
  client.on_link_bytes(Link::lost_sockets, "+OK\r\n", now_ms);
  take();
  ASSERT_EQ(lost_sockets_sent.size(), 2u);
  EXPECT_EQ(lost_sockets_sent[1], encode_command({"GETDEL", "resync:lost:pid-1"}));
  client.on_link_bytes(Link::lost_sockets, "$6\r\n7:sock\r\n", now_ms);
  client.on_link_bytes(Link::lost_sockets, "$-1\r\n", now_ms);
  take();
  ASSERT_EQ(lost_sockets_taken.size(), 2u);
  EXPECT_EQ(lost_sockets_taken[0].request, first);
  EXPECT_EQ(lost_sockets_taken[0].value, std::optional<std::string>("7:sock"));
  EXPECT_EQ(lost_sockets_taken[1].request, second);
  EXPECT_EQ(lost_sockets_taken[1].value, std::nullopt);
}

TEST_F(SharedLogClientTest, ATakeOnALinkThatClosesOrStaysSilentIsAnsweredWithNothingAndTheLinkReopens) {
  const std::uint64_t on_the_wire = client.take_lost_socket("pid-1", now_ms);
  const std::uint64_t queued = client.take_lost_socket("pid-2", now_ms);
  take();
  client.on_link_closed(Link::lost_sockets, now_ms);
  take();
  ASSERT_EQ(lost_sockets_taken.size(), 1u);
  EXPECT_EQ(lost_sockets_taken[0].request, on_the_wire);
  EXPECT_EQ(lost_sockets_taken[0].value, std::nullopt);
  // The queued one waits for the reconnect, then goes on the new link, and its silence past
  // the commit timeout answers it with nothing and closes that link.
  advance_to(now_ms + 10);
  ASSERT_EQ(opened, std::vector<Link>{Link::lost_sockets});
  client.on_link_open(Link::lost_sockets, now_ms);
  take();
  EXPECT_EQ(lost_sockets_sent.back(), encode_command({"GETDEL", "resync:lost:pid-2"}));
  advance_to(now_ms + 500);
  ASSERT_EQ(lost_sockets_taken.size(), 2u);
  EXPECT_EQ(lost_sockets_taken[1].request, queued);
  // (The tail, silent as long, is closed too.)
  EXPECT_NE(std::find(closed.begin(), closed.end(), Link::lost_sockets), closed.end());
}

TEST_F(SharedLogClientTest, AnErrorReplyToATakeIsNoSocketAndKeepsTheLinkInStep) {
  client.take_lost_socket("pid-1", now_ms);
  take();
  client.on_link_bytes(Link::lost_sockets, "-LOADING Redis is loading the dataset in memory\r\n", now_ms);
  take();
  ASSERT_EQ(lost_sockets_taken.size(), 1u);
  EXPECT_EQ(lost_sockets_taken[0].value, std::nullopt);
  EXPECT_TRUE(closed.empty());
  client.take_lost_socket("pid-1", now_ms);
  take();
  client.on_link_bytes(Link::lost_sockets, ":5\r\n", now_ms);  // not a GETDEL's answer: the link is not in step
  take();
  EXPECT_EQ(closed, std::vector<Link>{Link::lost_sockets});
}

}  // namespace
}  // namespace resync::server::cluster
