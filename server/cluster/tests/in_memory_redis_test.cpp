// The in-memory Redis alone (blocking reads, queued commands, restarts, trims, bad input),
// and two SharedLogClients running on it on a virtual clock, as the simulator will run them.
#include "server/cluster/in_memory_redis.hpp"

#include <gtest/gtest.h>

#include "server/cluster/shared_log_client.hpp"

namespace resync::server::cluster {
namespace {

std::string append_command(const std::vector<PendingWrite>& writes) {
  return encode_command(append_group_command(shared_log_keys("resync"), 0, writes));
}

std::string output_for(InMemoryRedis& redis, RedisConnectionId connection) {
  std::string bytes;
  for (const RedisOutput& output : redis.take_outputs()) {
    if (output.connection == connection) bytes += output.bytes;
  }
  return bytes;
}

TEST(InMemoryRedis, AppendsAGroupAndDedupesItsOffsets) {
  InMemoryRedis redis;
  redis.connection_opened(1);
  redis.on_bytes(1, append_command({{"a", "o1"}, {"b", std::nullopt}, {"c", "o1"}, {"d", std::string()}}), 0);
  EXPECT_EQ(output_for(redis, 1),
            "*4\r\n*2\r\n$8\r\ninserted\r\n:1\r\n*2\r\n$8\r\ninserted\r\n:2\r\n*2\r\n$9\r\nduplicate\r\n:1\r\n"
            "*2\r\n$8\r\ninserted\r\n:3\r\n");
  redis.on_bytes(1, encode_command({"XRANGE", "resync:log", "-", "+"}), 0);
  EXPECT_EQ(output_for(redis, 1),
            "*3\r\n*2\r\n$3\r\n1-0\r\n*4\r\n$7\r\ncontent\r\n$1\r\na\r\n$13\r\nclient_offset\r\n$2\r\no1\r\n"
            "*2\r\n$3\r\n2-0\r\n*2\r\n$7\r\ncontent\r\n$1\r\nb\r\n"
            "*2\r\n$3\r\n3-0\r\n*4\r\n$7\r\ncontent\r\n$1\r\nd\r\n$13\r\nclient_offset\r\n$0\r\n\r\n");
}

TEST(InMemoryRedis, ABlockedReadIsAnsweredByAnAppendAndCommandsSentMeanwhileWait) {
  InMemoryRedis redis;
  redis.connection_opened(1);
  redis.connection_opened(2);
  redis.on_bytes(1, encode_command({"XREAD", "COUNT", "10", "BLOCK", "1000", "STREAMS", "resync:log", "0-0"}) +
                        encode_command({"PING"}),
                 0);
  EXPECT_EQ(output_for(redis, 1), "");
  EXPECT_EQ(redis.next_deadline_ms(), 1000);
  redis.on_bytes(2, append_command({{"hi", std::nullopt}}), 10);
  const std::vector<RedisOutput> outputs = redis.take_outputs();
  ASSERT_EQ(outputs.size(), 2u);
  EXPECT_EQ(outputs[0].connection, 2u);
  EXPECT_EQ(outputs[1].connection, 1u);
  EXPECT_EQ(outputs[1].bytes, "*1\r\n*2\r\n$10\r\nresync:log\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$7\r\ncontent\r\n$2\r\nhi\r\n+PONG\r\n");
  EXPECT_EQ(redis.next_deadline_ms(), std::nullopt);
}

TEST(InMemoryRedis, ABlockedReadTimesOutWithANullArray) {
  InMemoryRedis redis;
  redis.connection_opened(1);
  redis.on_bytes(1, encode_command({"XREAD", "BLOCK", "50", "STREAMS", "resync:log", "$"}), 100);
  redis.on_timer(149);
  EXPECT_EQ(output_for(redis, 1), "");
  redis.on_timer(150);
  EXPECT_EQ(output_for(redis, 1), "*-1\r\n");
}

TEST(InMemoryRedis, RunsNoOtherScript) {
  InMemoryRedis redis;
  redis.connection_opened(1);
  redis.on_bytes(1, encode_command({"EVAL", "return 1", "0"}), 0);
  EXPECT_EQ(output_for(redis, 1).substr(0, 5), "-ERR ");
}

TEST(InMemoryRedis, ARestartDropsConnectionsAndKeepsTheData) {
  InMemoryRedis redis;
  redis.connection_opened(1);
  redis.on_bytes(1, append_command({{"a", "o1"}}), 0);
  redis.take_outputs();
  redis.restart();
  EXPECT_FALSE(redis.has_connection(1));
  redis.connection_opened(2);
  redis.on_bytes(2, append_command({{"b", "o1"}, {"c", std::nullopt}}), 0);
  EXPECT_EQ(output_for(redis, 2), "*2\r\n*2\r\n$9\r\nduplicate\r\n:1\r\n*2\r\n$8\r\ninserted\r\n:2\r\n");
}

TEST(InMemoryRedis, TrimRemovesEntriesBelowTheMinimumId) {
  InMemoryRedis redis;
  redis.connection_opened(1);
  redis.on_bytes(1, append_command({{"a", std::nullopt}, {"b", std::nullopt}, {"c", std::nullopt}}), 0);
  redis.take_outputs();
  EXPECT_EQ(redis.trim(3), 2);
  redis.on_bytes(1, encode_command({"XRANGE", "resync:log", "-", "+"}), 0);
  EXPECT_EQ(output_for(redis, 1), "*1\r\n*2\r\n$3\r\n3-0\r\n*2\r\n$7\r\ncontent\r\n$1\r\nc\r\n");
}

TEST(InMemoryRedis, ExpiresAKeySetWithPx) {
  InMemoryRedis redis;
  redis.connection_opened(1);
  redis.on_bytes(1, encode_command({"SET", "lock", "n1", "PX", "100"}) + encode_command({"GET", "lock"}), 0);
  EXPECT_EQ(output_for(redis, 1), "+OK\r\n$2\r\nn1\r\n");
  redis.on_bytes(1, encode_command({"GET", "lock"}), 100);
  EXPECT_EQ(output_for(redis, 1), "$-1\r\n");
}

TEST(InMemoryRedis, BytesThatAreNotACommandAreAnsweredWithAnErrorAndAClose) {
  InMemoryRedis redis;
  redis.connection_opened(1);
  redis.on_bytes(1, "*1\r\n:5\r\n", 0);
  std::vector<RedisOutput> outputs = redis.take_outputs();
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_TRUE(outputs[0].close_after);
  redis.connection_opened(2);
  redis.on_bytes(2, "?garbage\r\n", 0);
  outputs = redis.take_outputs();
  ASSERT_EQ(outputs.size(), 1u);
  EXPECT_TRUE(outputs[0].close_after);
  redis.on_bytes(2, encode_command({"PING"}), 0);
  EXPECT_TRUE(redis.take_outputs().empty());
}

// Two nodes' clients on the in-memory Redis with every link's bytes delivered at once, on a
// virtual clock: the simulator's set-up in small.
class VirtualCluster {
 public:
  struct Node {
    std::unique_ptr<SharedLogClient> client;
    RedisConnectionId connections[2] = {0, 0};  // command, tail; 0: none
    std::vector<CommitCompletion> completions;
    std::vector<StoredMessage> tailed;
    std::vector<LogGap> gaps;
  };

  explicit VirtualCluster(std::size_t node_count) {
    for (std::size_t index = 0; index < node_count; ++index) {
      SharedLogConfig config;
      config.node_id = "n" + std::to_string(index + 1);
      config.commit_timeout_ms = 200;
      config.tail_block_ms = 100;
      config.tail_silence_grace_ms = 100;
      config.reconnect_delay_ms = 10;
      config.reconnect_delay_max_ms = 80;
      Node node;
      node.client = std::make_unique<SharedLogClient>(config);
      nodes.push_back(std::move(node));
    }
    for (Node& node : nodes) node.client->start(now_ms);
    settle();
  }

  // Runs every action and every reply until nothing moves.
  void settle() {
    for (bool moved = true; moved;) {
      moved = false;
      for (Node& node : nodes) moved |= run_actions(node);
      for (RedisOutput& output : redis.take_outputs()) {
        moved = true;
        for (Node& node : nodes) {
          for (const Link link : {Link::command, Link::tail}) {
            RedisConnectionId& connection = node.connections[link == Link::command ? 0 : 1];
            if (connection != output.connection) continue;
            node.client->on_link_bytes(link, output.bytes, now_ms);
            if (output.close_after) {
              redis.connection_closed(connection);
              connection = 0;
              node.client->on_link_closed(link, now_ms);
            }
          }
        }
      }
    }
  }

  void advance_to(std::int64_t time_ms) {
    while (true) {
      std::optional<std::int64_t> next = redis.next_deadline_ms();
      for (Node& node : nodes) {
        if (auto deadline = node.client->next_deadline_ms()) next = next ? std::min(*next, *deadline) : *deadline;
      }
      if (!next || *next > time_ms) break;
      now_ms = std::max(now_ms, *next);
      redis.on_timer(now_ms);
      for (Node& node : nodes) node.client->on_timer(now_ms);
      settle();
    }
    now_ms = time_ms;
  }

  // keep_data false: a Redis that comes back without its data (no AOF).
  void restart_redis(bool keep_data = true) {
    if (!keep_data) redis = InMemoryRedis();
    redis.restart();
    for (Node& node : nodes) {
      for (const Link link : {Link::command, Link::tail}) {
        RedisConnectionId& connection = node.connections[link == Link::command ? 0 : 1];
        if (connection == 0) continue;
        connection = 0;
        node.client->on_link_closed(link, now_ms);
      }
    }
    settle();
  }

  InMemoryRedis redis;
  std::vector<Node> nodes;
  std::int64_t now_ms = 0;
  bool redis_up = true;

 private:
  bool run_actions(Node& node) {
    std::vector<SharedLogAction> actions = node.client->take_actions();
    for (SharedLogAction& action : actions) {
      if (auto* open = std::get_if<OpenLink>(&action)) {
        if (!redis_up) {
          node.client->on_link_closed(open->link, now_ms);
          continue;
        }
        const RedisConnectionId connection = ++last_connection_;
        redis.connection_opened(connection);
        node.connections[open->link == Link::command ? 0 : 1] = connection;
        node.client->on_link_open(open->link, now_ms);
      } else if (auto* send = std::get_if<SendBytes>(&action)) {
        const RedisConnectionId connection = node.connections[send->link == Link::command ? 0 : 1];
        if (connection != 0) redis.on_bytes(connection, send->bytes, now_ms);
      } else if (auto* close = std::get_if<CloseLink>(&action)) {
        RedisConnectionId& connection = node.connections[close->link == Link::command ? 0 : 1];
        if (connection != 0) redis.connection_closed(connection);
        connection = 0;
        node.client->on_link_closed(close->link, now_ms);
      } else if (auto* committed = std::get_if<GroupCommitted>(&action)) {
        node.completions.push_back(committed->completion);
      } else if (auto* entries = std::get_if<EntriesTailed>(&action)) {
        node.tailed.insert(node.tailed.end(), entries->entries.begin(), entries->entries.end());
      } else if (auto* gap = std::get_if<LogGap>(&action)) {
        node.gaps.push_back(*gap);
      }
    }
    return !actions.empty();
  }

  RedisConnectionId last_connection_ = 0;
};

TEST(InMemoryRedisCluster, TwoNodesCommitOneOrderAndTailTheSameLog) {
  VirtualCluster cluster(2);
  cluster.nodes[0].client->submit_group({1, {{"a", "o1"}, {"b", "o2"}}}, cluster.now_ms);
  cluster.nodes[1].client->submit_group({1, {{"c", "o2"}, {"d", std::nullopt}}}, cluster.now_ms);
  cluster.settle();
  ASSERT_EQ(cluster.nodes[1].completions.size(), 1u);
  EXPECT_EQ(cluster.nodes[1].completions[0].results[0].outcome, InsertOutcome::duplicate_client_offset);
  EXPECT_EQ(cluster.nodes[1].completions[0].results[0].id, 2);
  EXPECT_EQ(cluster.nodes[1].completions[0].results[1].id, 3);
  cluster.advance_to(500);
  const std::vector<StoredMessage> expected{{1, "a", "o1"}, {2, "b", "o2"}, {3, "d", std::nullopt}};
  EXPECT_EQ(cluster.nodes[0].tailed, expected);
  EXPECT_EQ(cluster.nodes[1].tailed, expected);
}

TEST(InMemoryRedisCluster, AGroupFailsWhileRedisIsDownAndTheTailContinuesAfterTheRestart) {
  VirtualCluster cluster(1);
  VirtualCluster::Node& node = cluster.nodes[0];
  node.client->submit_group({1, {{"a", "o1"}}}, cluster.now_ms);
  cluster.settle();
  cluster.redis_up = false;
  cluster.restart_redis();
  node.client->submit_group({2, {{"b", "o2"}}}, cluster.now_ms);
  cluster.advance_to(1000);
  ASSERT_EQ(node.completions.size(), 2u);
  EXPECT_TRUE(node.completions[1].error);
  cluster.redis_up = true;
  cluster.advance_to(1200);
  node.client->submit_group({3, {{"b", "o2"}}}, cluster.now_ms);
  cluster.settle();
  ASSERT_EQ(node.completions.size(), 3u);
  EXPECT_FALSE(node.completions[2].error);
  cluster.advance_to(1500);
  const std::vector<StoredMessage> expected{{1, "a", "o1"}, {2, "b", "o2"}};
  EXPECT_EQ(node.tailed, expected);
}

TEST(InMemoryRedis, AnAppendFromANodeThatReadFurtherThanTheLogEndsIsRefusedAndWritesNothing) {
  InMemoryRedis redis;
  redis.connection_opened(1);
  redis.on_bytes(1, encode_command(append_group_command(shared_log_keys("resync"), 2, {{"a", "o1"}})), 0);
  EXPECT_EQ(output_for(redis, 1), "-RESYNC_LOG_BEHIND the log ends before id 2, which this node has read\r\n");
  redis.on_bytes(1, encode_command({"XRANGE", "resync:log", "-", "+"}), 0);
  EXPECT_EQ(output_for(redis, 1), "*0\r\n");
  redis.on_bytes(1, append_command({{"a", "o1"}, {"b", "o2"}}), 0);
  output_for(redis, 1);
  redis.on_bytes(1, encode_command(append_group_command(shared_log_keys("resync"), 2, {{"c", "o3"}})), 0);
  EXPECT_EQ(output_for(redis, 1), "*1\r\n*2\r\n$8\r\ninserted\r\n:3\r\n") << "a log that reaches the id is appended to";
}

TEST(InMemoryRedisCluster, ANodeRefusesToAppendToARedisThatCameBackWithoutItsData) {
  VirtualCluster cluster(1);
  VirtualCluster::Node& node = cluster.nodes[0];
  node.client->submit_group({1, {{"a", "o1"}, {"b", "o2"}}}, cluster.now_ms);
  cluster.settle();
  cluster.advance_to(300);
  ASSERT_EQ(node.tailed.size(), 2u);
  cluster.restart_redis(/*keep_data=*/false);
  cluster.advance_to(600);
  node.client->submit_group({2, {{"c", "o3"}}}, cluster.now_ms);
  cluster.settle();
  ASSERT_EQ(node.completions.size(), 2u);
  ASSERT_TRUE(node.completions[1].error);
  EXPECT_NE(node.completions[1].error->find("RESYNC_LOG_BEHIND"), std::string::npos) << *node.completions[1].error;
  cluster.redis.connection_opened(999);
  cluster.redis.on_bytes(999, encode_command({"XRANGE", "resync:log", "-", "+"}), cluster.now_ms);
  EXPECT_EQ(output_for(cluster.redis, 999), "*0\r\n") << "id 1 was not handed out a second time";
}

TEST(InMemoryRedisCluster, ATailBehindATrimSeesAGap) {
  VirtualCluster cluster(1);
  VirtualCluster::Node& node = cluster.nodes[0];
  // The tail link is down while the log grows and is trimmed.
  cluster.redis_up = false;
  cluster.restart_redis();
  cluster.redis_up = true;
  cluster.redis.connection_opened(999);
  cluster.redis.on_bytes(999, append_command({{"a", std::nullopt}, {"b", std::nullopt}, {"c", std::nullopt}}), 0);
  cluster.redis.take_outputs();
  EXPECT_EQ(cluster.redis.trim(3), 2);
  cluster.advance_to(1000);
  ASSERT_EQ(node.gaps.size(), 1u);
  EXPECT_EQ(node.gaps[0].after_id, 0);
  EXPECT_EQ(node.gaps[0].next_id, 3);
  EXPECT_EQ(node.tailed, (std::vector<StoredMessage>{{3, "c", std::nullopt}}));
}

}  // namespace
}  // namespace resync::server::cluster
