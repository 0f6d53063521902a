// Two nodes' SharedLogClients on one real redis-server, over plain sockets: concurrent
// appends get one total order of ids with no gaps, a client_offset retried from the other
// node is stored once, both tails see the same sequence; and across a kill -9 and restart
// of Redis, groups fail while it is down and afterwards tailing continues without loss.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <iostream>
#include <map>
#include <memory>

#include "server/cluster/tests/redis_server_process.hpp"
#include "server/cluster/tests/socket_shared_log_node.hpp"

namespace resync::server::cluster::testing {
namespace {

SharedLogConfig node_config(const std::string& node_id) {
  SharedLogConfig config;
  config.node_id = node_id;
  config.commit_timeout_ms = 1500;
  config.tail_block_ms = 200;
  config.tail_silence_grace_ms = 1000;
  config.reconnect_delay_ms = 20;
  config.reconnect_delay_max_ms = 200;
  return config;
}

// Steps every node until `done` holds; false if it does not within timeout_ms.
bool run_until(const std::vector<SocketSharedLogNode*>& nodes, const std::function<bool()>& done, std::int64_t timeout_ms) {
  const std::int64_t deadline_ms = SocketSharedLogNode::now_ms() + timeout_ms;
  while (!done()) {
    if (SocketSharedLogNode::now_ms() > deadline_ms) return false;
    for (SocketSharedLogNode* node : nodes) node->step(1);
  }
  return true;
}

CommitRequest group_of(const std::string& node_id, std::uint64_t group, std::size_t write_count) {
  CommitRequest request;
  request.group = group;
  for (std::size_t index = 0; index < write_count; ++index) {
    const std::string name = node_id + "-" + std::to_string(group) + "-" + std::to_string(index);
    // Every third write has no client_offset: those are stored as they come.
    request.writes.push_back({"message " + name, index % 3 == 2 ? std::nullopt : std::optional<std::string>(name)});
  }
  return request;
}

class SharedLogOnRedis : public ::testing::Test {
 protected:
  void SetUp() override {
    redis = std::make_unique<RedisServerProcess>(*find_redis_server());
    ASSERT_TRUE(redis->start()) << redis->why();
  }
  std::unique_ptr<RedisServerProcess> redis;
};

TEST_F(SharedLogOnRedis, TwoNodesAppendOneTotalOrderAndTailTheSameSequenceAcrossARestart) {
  SocketSharedLogNode first(node_config("n1"), redis->port());
  SocketSharedLogNode second(node_config("n2"), redis->port());
  const std::vector<SocketSharedLogNode*> nodes{&first, &second};
  first.start();
  second.start();

  // Concurrent appends: each node keeps one group in flight.
  constexpr std::size_t groups_per_node = 200;
  constexpr std::size_t writes_per_group = 5;
  std::map<SocketSharedLogNode*, std::uint64_t> submitted;
  std::map<std::int64_t, std::string> acknowledged;  // id -> content
  const auto started_at = std::chrono::steady_clock::now();
  auto keep_submitting = [&](const std::string& phase) {
    return [&, phase] {
      for (SocketSharedLogNode* node : nodes) {
        for (const CommitCompletion& completion : node->completions) {
          EXPECT_FALSE(completion.error) << phase << ": " << *completion.error;
          const CommitRequest request = group_of(node == &first ? "n1" : "n2", completion.group, writes_per_group);
          for (std::size_t index = 0; index < completion.results.size(); ++index) {
            EXPECT_EQ(completion.results[index].outcome, InsertOutcome::inserted);
            EXPECT_TRUE(acknowledged.emplace(completion.results[index].id, request.writes[index].content).second)
                << "id " << completion.results[index].id << " acknowledged twice";
          }
        }
        node->completions.clear();
        if (!node->client().in_flight() && submitted[node] < groups_per_node) {
          node->submit(group_of(node == &first ? "n1" : "n2", ++submitted[node], writes_per_group));
        }
      }
      return submitted[&first] == groups_per_node && submitted[&second] == groups_per_node && !first.client().in_flight() &&
             !second.client().in_flight();
    };
  };
  ASSERT_TRUE(run_until(nodes, keep_submitting("concurrent appends"), 60000));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at).count();
  keep_submitting("concurrent appends")();
  std::cout << "[ figures  ] " << 2 * groups_per_node << " groups of " << writes_per_group << " writes from 2 nodes in "
            << seconds << " s: " << (2 * groups_per_node) / seconds << " groups/s, "
            << (2 * groups_per_node * writes_per_group) / seconds << " writes/s (appendfsync always)\n";

  // One total order with no gaps: the ids acknowledged are exactly 1..N.
  const std::int64_t total = static_cast<std::int64_t>(2 * groups_per_node * writes_per_group);
  ASSERT_EQ(acknowledged.size(), static_cast<std::size_t>(total));
  EXPECT_EQ(acknowledged.begin()->first, 1);
  EXPECT_EQ(acknowledged.rbegin()->first, total);

  // A client_offset retried from the other node is stored once: the duplicate's id.
  CommitRequest retry{1000, {{"retried on n2", std::string("n1-1-0")}, {"fresh", std::string("n2-new")}}};
  second.submit(retry);
  ASSERT_TRUE(run_until(nodes, [&] { return !second.completions.empty(); }, 5000));
  ASSERT_FALSE(second.completions[0].error) << *second.completions[0].error;
  EXPECT_EQ(second.completions[0].results[0].outcome, InsertOutcome::duplicate_client_offset);
  EXPECT_EQ(acknowledged.at(second.completions[0].results[0].id), "message n1-1-0");
  EXPECT_EQ(second.completions[0].results[1].outcome, InsertOutcome::inserted);
  EXPECT_EQ(second.completions[0].results[1].id, total + 1);
  acknowledged.emplace(total + 1, "fresh");
  second.completions.clear();

  // Both tails see the same sequence, which is the acknowledged log.
  ASSERT_TRUE(run_until(nodes, [&] { return first.client().tailed_head_id() == total + 1 && second.client().tailed_head_id() == total + 1; }, 10000));
  EXPECT_EQ(first.tailed, second.tailed);
  ASSERT_EQ(first.tailed.size(), acknowledged.size());
  for (const StoredMessage& message : first.tailed) EXPECT_EQ(acknowledged.at(message.id), message.content);

  // Redis is killed: groups fail while it is down.
  redis->kill();
  first.submit(group_of("n1", 2000, 2));
  second.submit(group_of("n2", 2000, 2));
  ASSERT_TRUE(run_until(nodes, [&] { return !first.completions.empty() && !second.completions.empty(); }, 10000));
  ASSERT_TRUE(first.completions[0].error);
  ASSERT_TRUE(second.completions[0].error);
  std::cout << "[ down     ] " << *first.completions[0].error << "\n";
  first.completions.clear();
  second.completions.clear();

  // Restarted on the same directory and port (the AOF brings the log back): the retried
  // groups commit once Redis answers, and tailing continues from the last id, without loss.
  ASSERT_TRUE(redis->start()) << redis->why();
  std::map<SocketSharedLogNode*, bool> committed_after_restart;
  auto retry_until_committed = [&] {
    for (SocketSharedLogNode* node : nodes) {
      for (const CommitCompletion& completion : node->completions) {
        if (completion.error) continue;  // LOADING or a link still reconnecting: retried below
        committed_after_restart[node] = true;
        for (const InsertResult& result : completion.results) {
          if (result.outcome == InsertOutcome::inserted) acknowledged.emplace(result.id, "after restart");
        }
      }
      node->completions.clear();
      if (!committed_after_restart[node] && !node->client().in_flight()) {
        node->submit(group_of(node == &first ? "n1" : "n2", 2000, 2));  // the same client_offsets
      }
    }
    return committed_after_restart[&first] && committed_after_restart[&second];
  };
  ASSERT_TRUE(run_until(nodes, retry_until_committed, 20000));
  const std::int64_t last_id = acknowledged.rbegin()->first;
  EXPECT_EQ(last_id, total + 1 + 4) << "a group that failed while Redis was down left nothing behind";
  ASSERT_TRUE(run_until(nodes, [&] { return first.client().tailed_head_id() == last_id && second.client().tailed_head_id() == last_id; }, 10000));
  EXPECT_EQ(first.tailed, second.tailed);
  ASSERT_EQ(first.tailed.size(), static_cast<std::size_t>(last_id));
  for (std::size_t index = 0; index < first.tailed.size(); ++index) EXPECT_EQ(first.tailed[index].id, static_cast<std::int64_t>(index + 1));
  EXPECT_TRUE(first.gaps.empty());
  bool logged_reconnect = false;
  for (const std::string& line : first.lines) logged_reconnect |= line.find("open again after") != std::string::npos;
  EXPECT_TRUE(logged_reconnect);
}

}  // namespace
}  // namespace resync::server::cluster::testing
