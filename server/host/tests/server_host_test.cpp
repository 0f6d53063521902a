// ServerHost's policy around the core, on a fake scheduler: group commit (one group in
// flight, the next one gathering), failed commits, close gating, the slow-consumer limit, exception isolation and deadline re-arming.
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/socketio_packet.hpp"
#include "server/core/sqlite_message_store.hpp"
#include "server/host/scheduled_group_committer.hpp"
#include "server/host/server_host.hpp"
#include "server/host/tests/fake_scheduler.hpp"

namespace resync::server::host {
namespace {

class RecordingTransport final : public SessionTransport {
 public:
  void send_packet(std::string_view packet) override { packets.emplace_back(packet); }
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
    if (after_id == poison_after_id) throw std::logic_error("poisoned read");
    return inner.read_range(after_id, up_to_id, limit);
  }
  std::int64_t last_committed_id() override { return inner.last_committed_id(); }

  SqliteMessageStore inner{{":memory:", Durability::full}};
  std::string poison_content = "poison";
  std::int64_t poison_after_id = 7;
  int commit_failures_left = 0;
  int commits = 0;
};

constexpr std::int64_t commit_delay_us = 1000;

struct HostFixture : ::testing::Test {
  ServerHost& make_host(HostOptions options = {}, ServerConfig config = {}) {
    host = std::make_unique<ServerHost>(scheduler, log, config, store,
                                        std::make_unique<ScheduledGroupCommitter>(scheduler, store, commit_delay_us),
                                        options);
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

TEST_F(HostFixture, MessagesArrivingWhileAGroupCommitsBecomeTheNextGroup) {
  make_host();
  auto alice = std::make_shared<RecordingTransport>();
  const SessionId session = connect(alice);
  send_chat(session, "one", 1);  // nothing in flight: its group goes to the store at once
  send_chat(session, "two", 2);
  send_chat(session, "three", 3);
  EXPECT_EQ(count_prefix(*alice, "43"), 0) << "no ack before the commit";
  scheduler.advance_to(commit_delay_us);
  EXPECT_EQ(store.commits, 1);
  EXPECT_EQ(count_prefix(*alice, "43"), 1) << "only the first group is durable";
  EXPECT_EQ(store.inner.last_committed_id(), 1);
  scheduler.advance_to(2 * commit_delay_us);
  EXPECT_EQ(store.commits, 2) << "the two that arrived meanwhile shared one commit";
  EXPECT_EQ(count_prefix(*alice, "43"), 3);
  EXPECT_EQ(store.inner.last_committed_id(), 3);
}

TEST_F(HostFixture, AFailedCommitAcknowledgesNothingAndTheRetryIsStoredOnce) {
  make_host();
  auto alice = std::make_shared<RecordingTransport>();
  auto bob = std::make_shared<RecordingTransport>();
  const SessionId session = connect(alice);
  connect(bob);
  store.commit_failures_left = 1;
  send_chat(session, "one", 1);
  scheduler.advance_to(commit_delay_us);
  EXPECT_EQ(store.commits, 1);
  EXPECT_TRUE(log.contains("disk on fire"));
  EXPECT_EQ(count_prefix(*alice, "43"), 0);
  EXPECT_EQ(count_prefix(*bob, "42"), 0) << "nothing of a failed group is broadcast";
  EXPECT_EQ(store.inner.last_committed_id(), 0);
  send_chat(session, "one", 1);  // the client's retry, with the same offset
  scheduler.advance_to(2 * commit_delay_us);
  EXPECT_EQ(count_prefix(*alice, "431"), 1);
  EXPECT_EQ(count_prefix(*bob, "42"), 1);
  EXPECT_EQ(store.inner.read_range(0, 100, 100).size(), 1u);
}

TEST_F(HostFixture, AStoreExceptionFailsTheWholeGroupAndTheServerGoesOn) {
  make_host();
  auto alice = std::make_shared<RecordingTransport>();
  const SessionId session = connect(alice);
  send_chat(session, "first", 1);
  send_chat(session, "fine", 2);
  send_chat(session, "poison", 3);  // "fine" and "poison" share the second group
  scheduler.advance_to(2 * commit_delay_us);
  EXPECT_EQ(count_prefix(*alice, "431"), 1);
  EXPECT_EQ(count_prefix(*alice, "432"), 0) << "its group failed, so it is not acknowledged";
  EXPECT_TRUE(log.contains("poisoned row"));
  EXPECT_EQ(store.inner.last_committed_id(), 1);
  send_chat(session, "later", 4);
  scheduler.advance_to(3 * commit_delay_us);
  EXPECT_EQ(count_prefix(*alice, "434"), 1);
  EXPECT_TRUE(alice->closes.empty());
}

TEST_F(HostFixture, AGracefulStopWaitsForTheGroupInFlightAndCommitsTheNextOne) {
  make_host();
  auto alice = std::make_shared<RecordingTransport>();
  const SessionId session = connect(alice);
  send_chat(session, "in flight", 1);
  send_chat(session, "waiting", 2);
  host->begin_shutdown([] {});
  EXPECT_EQ(count_prefix(*alice, "43"), 2) << "both acks go out ahead of the close";
  EXPECT_EQ(store.inner.last_committed_id(), 2);
  scheduler.advance_to(10 * commit_delay_us);
  EXPECT_EQ(store.commits, 2) << "nothing is committed twice";
}

TEST_F(HostFixture, TheCommitBeforeExitStoresWhatIsPendingWithoutSending) {
  make_host();
  auto alice = std::make_shared<RecordingTransport>();
  const SessionId session = connect(alice);
  send_chat(session, "in flight", 1);
  send_chat(session, "waiting", 2);
  const std::size_t packets_before = alice->packets.size();
  host->commit_before_exit();
  EXPECT_EQ(store.inner.last_committed_id(), 2);
  EXPECT_EQ(alice->packets.size(), packets_before) << "after the event loop nothing is sent";
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

TEST_F(HostFixture, FramesAfterAShutdownCloseDoNotReachTheCore) {
  make_host();
  auto alice = std::make_shared<RecordingTransport>();
  const SessionId session = connect(alice);
  bool all_closed = false;
  host->begin_shutdown([&] { all_closed = true; });
  ASSERT_EQ(alice->closes.size(), 1u);
  EXPECT_EQ(alice->closes[0], CloseCause::server_shutdown);
  // The core still knows the session until its transport is gone; this frame must not reach it.
  send_chat(session, "during the close handshake", 5);
  scheduler.advance_to(10 * commit_delay_us);
  EXPECT_EQ(store.commits, 0);
  EXPECT_FALSE(all_closed);
  host->on_transport_closed(session);
  EXPECT_TRUE(all_closed);
}

TEST_F(HostFixture, AnEarlierDeadlineReArmsTheWakeUp) {
  ServerConfig config;
  config.ping_interval_ms = 100'000;
  config.ping_timeout_ms = 50'000;
  config.connect_timeout_ms = 50;
  make_host({}, config);
  auto alice = std::make_shared<RecordingTransport>();
  connect(alice);
  scheduler.advance_to(60'000);  // the wake-up armed now is alice's first ping, 100 s away
  auto bob = std::make_shared<RecordingTransport>();
  ASSERT_TRUE(host->open_session(bob, {}));  // no CONNECT: times out 50 ms from now
  scheduler.advance_to(110'000);
  EXPECT_EQ(bob->closes.size(), 1u) << "the connect timeout fired on time, not at the next ping";
  EXPECT_TRUE(alice->closes.empty());
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
  for (int index = 0; index < 10; ++index) store.inner.insert("stored", std::nullopt);
  store.inner.commit();
  make_host();
  auto alice = std::make_shared<RecordingTransport>();
  auto bob = std::make_shared<RecordingTransport>();
  const std::optional<SessionId> alice_session = host->open_session(alice, {});
  ASSERT_TRUE(alice_session);
  host->on_text_frame(*alice_session, "40{\"serverOffset\":7}");  // its catch-up read throws
  const SessionId bob_session = connect(bob);
  EXPECT_EQ(alice->closes.size(), 1u);
  EXPECT_TRUE(bob->closes.empty());
  EXPECT_TRUE(log.contains("the core failed on a text frame of session " + std::to_string(*alice_session)));
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
