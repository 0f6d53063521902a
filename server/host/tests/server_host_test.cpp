// ServerHost's policy around the core, on a fake scheduler: group commit, commit retry,
// close gating, the slow-consumer limit, exception isolation and deadline re-arming.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/socketio_packet.hpp"
#include "server/core/sqlite_message_store.hpp"
#include "server/host/server_host.hpp"
#include "server/host/tests/fake_scheduler.hpp"

namespace resync::server::host {
namespace {

class RecordingTransport final : public SessionTransport {
 public:
  void send_packet(std::string packet) override { packets.push_back(std::move(packet)); }
  void close(CloseCause cause) override { closes.push_back(cause); }
  void abort() override { ++aborts; }
  std::string describe() const override { return "test transport"; }

  std::vector<std::string> packets;
  std::vector<CloseCause> closes;
  int aborts = 0;
};

class RecordingLog final : public LogSink {
 public:
  void log(LogLevel level, std::string_view text) override { lines.push_back({level, std::string(text)}); }
  bool contains(std::string_view needle) const {
    for (const auto& line : lines) {
      if (line.second.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  std::vector<std::pair<LogLevel, std::string>> lines;
};

// Commits and inserts through the real SQLite store, with faults switched on by the test.
class ScriptedStore final : public MessageStore {
 public:
  InsertResult insert(std::string_view content, std::optional<std::string_view> client_offset) override {
    if (content == poison_content) throw std::logic_error("poisoned row");
    return inner.insert(content, client_offset);
  }
  void commit() override {
    ++commits;
    // Not a StorageError: an exception the core does not handle, so the host must.
    if (commit_failures_left > 0) {
      --commit_failures_left;
      throw std::runtime_error("disk on fire");
    }
    inner.commit();
  }
  void rollback() override { inner.rollback(); }
  bool has_uncommitted_writes() const override { return inner.has_uncommitted_writes(); }
  std::vector<StoredMessage> read_range(std::int64_t after_id, std::int64_t up_to_id, std::size_t limit) override {
    return inner.read_range(after_id, up_to_id, limit);
  }
  std::int64_t last_committed_id() override { return inner.last_committed_id(); }

  SqliteMessageStore inner{{":memory:", Durability::full}};
  std::string poison_content = "poison";
  int commit_failures_left = 0;
  int commits = 0;
};

constexpr std::int64_t commit_delay_us = 1000;
constexpr std::int64_t commit_retry_delay_us = 50'000;

struct HostFixture : ::testing::Test {
  ServerHost& make_host(HostOptions options = {}, ServerConfig config = {}) {
    options.commit_delay_us = commit_delay_us;
    options.commit_retry_delay_us = commit_retry_delay_us;
    host = std::make_unique<ServerHost>(scheduler, log, config, store, options);
    return *host;
  }
  // Opens a WebSocket session and sends the Socket.IO CONNECT.
  SessionId connect(const std::shared_ptr<RecordingTransport>& transport) {
    std::optional<SessionId> session = host->open_session(transport, {});
    EXPECT_TRUE(session);
    host->on_text_frame(*session, "40");
    return *session;
  }
  void send_chat(SessionId session, const std::string& text, std::uint64_t ack_id) {
    nlohmann::json arguments = nlohmann::json::array({"chat message", text, "offset-" + std::to_string(ack_id)});
    host->on_text_frame(session, "4" + protocol::socketio::encode_event(arguments, ack_id));
  }
  static int count_prefix(const RecordingTransport& transport, std::string_view prefix) {
    int count = 0;
    for (const auto& packet : transport.packets) count += packet.rfind(prefix, 0) == 0 ? 1 : 0;
    return count;
  }

  testing::FakeScheduler scheduler;
  RecordingLog log;
  ScriptedStore store;
  std::unique_ptr<ServerHost> host;
};

TEST_F(HostFixture, MessagesArrivingBeforeTheCommitShareOneCommit) {
  make_host();
  auto alice = std::make_shared<RecordingTransport>();
  const SessionId session = connect(alice);
  send_chat(session, "one", 1);
  send_chat(session, "two", 2);
  send_chat(session, "three", 3);
  EXPECT_EQ(count_prefix(*alice, "43"), 0) << "no ack before the commit";
  scheduler.advance_to(commit_delay_us);
  EXPECT_EQ(store.commits, 1);
  EXPECT_EQ(count_prefix(*alice, "43"), 3);
}

TEST_F(HostFixture, AFailedCommitIsRetriedAfterTheRetryDelay) {
  make_host();
  auto alice = std::make_shared<RecordingTransport>();
  const SessionId session = connect(alice);
  store.commit_failures_left = 1;
  send_chat(session, "one", 1);
  scheduler.advance_to(commit_delay_us);
  EXPECT_EQ(store.commits, 1);
  EXPECT_TRUE(log.contains("disk on fire"));
  EXPECT_EQ(count_prefix(*alice, "43"), 0);
  scheduler.advance_to(commit_delay_us + commit_retry_delay_us - 1);
  EXPECT_EQ(store.commits, 1) << "no retry before the retry delay";
  scheduler.advance_to(commit_delay_us + commit_retry_delay_us);
  EXPECT_EQ(store.commits, 2);
  EXPECT_EQ(count_prefix(*alice, "43"), 1);
}

TEST_F(HostFixture, FramesAfterACloseRequestAreNotPassedOn) {
  make_host();
  auto alice = std::make_shared<RecordingTransport>();
  const SessionId session = connect(alice);
  host->on_text_frame(session, "this is not engine.io");  // a protocol error: the core closes
  ASSERT_EQ(alice->closes.size(), 1u);
  const std::size_t packets_before = alice->packets.size();
  send_chat(session, "late", 7);
  scheduler.advance_to(10 * commit_delay_us);
  EXPECT_EQ(alice->packets.size(), packets_before) << "nothing is sent after the close request";
  EXPECT_EQ(store.commits, 0) << "the late message never reached the core";
  host->on_transport_closed(session);
  EXPECT_EQ(host->open_session_count(), 0u);
}

TEST_F(HostFixture, ASlowConsumerIsAbortedWhenItsQueueWouldPassTheLimit) {
  HostOptions options;
  options.write_queue_bytes_max = 200;
  make_host(options);
  auto slow = std::make_shared<RecordingTransport>();
  auto fast = std::make_shared<RecordingTransport>();
  const SessionId slow_session = connect(slow);
  const SessionId fast_session = connect(fast);
  // The fast one reports every write; the slow one never does.
  host->on_output_written(fast_session, host->queued_bytes(fast_session));
  for (std::uint64_t index = 1; index <= 10 && slow->aborts == 0; ++index) {
    send_chat(fast_session, std::string(30, 'x'), index);
    scheduler.advance_to(scheduler.now_us() + commit_delay_us);
    host->on_output_written(fast_session, host->queued_bytes(fast_session));
  }
  EXPECT_EQ(slow->aborts, 1);
  EXPECT_EQ(fast->aborts, 0);
  EXPECT_LE(host->queued_bytes(slow_session), 200u);
  EXPECT_TRUE(log.contains("test transport: slow consumer"));
  const std::size_t slow_packets = slow->packets.size();
  send_chat(fast_session, "after", 99);
  scheduler.advance_to(scheduler.now_us() + commit_delay_us);
  EXPECT_EQ(slow->packets.size(), slow_packets) << "nothing more for an aborted consumer";
  EXPECT_EQ(slow->aborts, 1) << "aborted once";
}

TEST_F(HostFixture, AnExceptionInOneSessionClosesOnlyThatSession) {
  make_host();
  auto alice = std::make_shared<RecordingTransport>();
  auto bob = std::make_shared<RecordingTransport>();
  const SessionId alice_session = connect(alice);
  const SessionId bob_session = connect(bob);
  send_chat(alice_session, "poison", 1);
  EXPECT_EQ(alice->closes.size(), 1u);
  EXPECT_TRUE(bob->closes.empty());
  EXPECT_TRUE(log.contains("the core failed on a text frame of session " + std::to_string(alice_session)));
  send_chat(bob_session, "fine", 2);
  scheduler.advance_to(commit_delay_us);
  EXPECT_EQ(count_prefix(*bob, "43"), 1) << "the other session keeps working";
}

TEST_F(HostFixture, TheWakeUpIsReArmedAtEachNextCoreDeadline) {
  ServerConfig config;
  config.ping_interval_ms = 100;
  config.ping_timeout_ms = 50;
  config.connect_timeout_ms = 10'000;
  make_host({}, config);
  auto alice = std::make_shared<RecordingTransport>();
  const SessionId session = connect(alice);
  EXPECT_EQ(count_prefix(*alice, "2"), 0);
  scheduler.advance_to(99'999);
  EXPECT_EQ(count_prefix(*alice, "2"), 0) << "no ping before the interval";
  scheduler.advance_to(100'000);
  EXPECT_EQ(count_prefix(*alice, "2"), 1) << "the ping is sent at the interval";
  // The pong never comes: the re-armed wake-up at the ping timeout closes the session.
  scheduler.advance_to(150'000);
  EXPECT_EQ(alice->closes.size(), 1u);
  EXPECT_TRUE(log.contains("session " + std::to_string(session) + ": closing: ping timeout"));
}

TEST_F(HostFixture, ADestroyedHostLeavesNoTimersOnTheSharedScheduler) {
  make_host();
  auto alice = std::make_shared<RecordingTransport>();
  const SessionId session = connect(alice);
  send_chat(session, "one", 1);
  EXPECT_GT(scheduler.pending(), 0u);
  host.reset();
  EXPECT_EQ(scheduler.pending(), 0u);
}

}  // namespace
}  // namespace resync::server::host
