// Storage that fails while the database is reachable (a held write lock, a read-only file,
// a full disk): the store wrapper the simulator uses, the core's failure paths, and the
// SQLite store's own bookkeeping after a COMMIT that the file refused. The promise under
// test: an insert that fails is never acknowledged, and the client's retry stores it once.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "server/core/sqlite_message_store.hpp"
#include "server/core/storage_fault_store.hpp"
#include "server/tests/core_harness.hpp"

namespace resync::server {
namespace {

using testing::CoreHarness;

TEST(StorageFaultStore, BusyAndReadOnlyFailEveryInsertWithSqlitesMessageAndReadsStillWork) {
  SqliteMessageStore inner({":memory:", Durability::full});
  StorageFaultStore store(inner);
  store.insert("before", std::nullopt);
  store.commit();
  for (const auto mode : {StorageFaultMode::busy, StorageFaultMode::read_only}) {
    store.set_mode(mode);
    try {
      store.insert("during", std::string_view("client-1"));
      ADD_FAILURE() << "an insert during the fault succeeded";
    } catch (const StorageError& error) {
      EXPECT_NE(std::string(error.what()).find(storage_fault_error_text(mode)), std::string::npos) << error.what();
    }
    store.rollback();
    ASSERT_EQ(store.read_range(0, store.last_committed_id(), 10).size(), 1u) << "reads are not affected";
  }
  store.set_mode(StorageFaultMode::none);
  EXPECT_EQ(store.insert("during", std::string_view("client-1")).outcome, InsertOutcome::inserted);
  store.commit();
  EXPECT_EQ(store.last_committed_id(), 2);
  EXPECT_EQ(store.failed_calls(), 2);
}

TEST(StorageFaultStore, FullRefusesNewRowsButStillAnswersDuplicates) {
  SqliteMessageStore inner({":memory:", Durability::full});
  StorageFaultStore store(inner);
  store.insert("stored", std::string_view("client-1"));
  store.commit();
  store.set_mode(StorageFaultMode::full);
  const InsertResult again = store.insert("stored", std::string_view("client-1"));
  EXPECT_EQ(again.outcome, InsertOutcome::duplicate_client_offset);
  EXPECT_EQ(again.id, 1);
  EXPECT_THROW(store.insert("new", std::string_view("client-2")), StorageError);
  store.rollback();
  EXPECT_EQ(store.read_range(0, 10, 10).size(), 1u);
}

TEST(StorageFaultStore, ACommitOfWritesMadeBeforeTheFaultFailsAndKeepsNothing) {
  SqliteMessageStore inner({":memory:", Durability::full});
  StorageFaultStore store(inner);
  store.insert("in the open transaction", std::nullopt);
  store.set_mode(StorageFaultMode::read_only);
  EXPECT_THROW(store.commit(), StorageError);
  store.rollback();
  store.set_mode(StorageFaultMode::none);
  EXPECT_EQ(store.last_committed_id(), 0);
  EXPECT_TRUE(store.read_range(0, 10, 10).empty());
}

class StorageFaultCore : public ::testing::Test {
 protected:
  StorageFaultCore() : store_(inner_), harness_(ServerConfig{}, store_) {
    harness_.open_websocket(1);
    harness_.frame(1, "40");
  }
  void send_acked(const std::string& text, const std::string& client_offset, std::uint64_t ack) {
    harness_.frame(1, "4" + protocol::socketio::encode_event(nlohmann::json::array({"chat message", text, client_offset}), ack));
  }
  void send_plain(const std::string& text) {
    harness_.frame(1, "4" + protocol::socketio::encode_event(nlohmann::json::array({"chat message", text})));
  }
  int acks_for(std::uint64_t ack) {
    const std::string packet = "43" + std::to_string(ack) + "[]";
    int count = 0;
    for (const auto& sent : harness_.packets(1)) count += sent == packet ? 1 : 0;
    return count;
  }
  bool logged(const std::string& text) const {
    for (const auto& line : harness_.logs()) {
      if (line.find(text) != std::string::npos) return true;
    }
    return false;
  }

  SqliteMessageStore inner_{{":memory:", Durability::full}};
  StorageFaultStore store_;
  CoreHarness harness_;
};

TEST_F(StorageFaultCore, AFailedInsertIsNeverAcknowledgedAndItsRetryIsStoredOnce) {
  for (const auto mode : {StorageFaultMode::busy, StorageFaultMode::read_only, StorageFaultMode::full}) {
    SCOPED_TRACE(storage_fault_error_text(mode));
    const std::string offset = "alice-" + std::to_string(static_cast<int>(mode));
    const std::uint64_t ack = 10 * static_cast<std::uint64_t>(mode);
    store_.set_mode(mode);
    send_acked("hello " + offset, offset, ack);
    harness_.commit();
    EXPECT_EQ(acks_for(ack), 0) << "acknowledged although the insert failed";
    EXPECT_TRUE(logged("insert failed")) << "no log line says what failed";
    EXPECT_TRUE(logged(storage_fault_error_text(mode)));
    store_.set_mode(StorageFaultMode::none);
    send_acked("hello " + offset, offset, ack + 1);  // the client's retry
    harness_.commit();
    send_acked("hello " + offset, offset, ack + 2);  // and one more, after the commit
    harness_.commit();
    EXPECT_EQ(acks_for(ack + 1), 1);
    EXPECT_EQ(acks_for(ack + 2), 1) << "a duplicate is acknowledged: it is stored";
  }
  const auto rows = inner_.read_range(0, inner_.last_committed_id(), 100);
  ASSERT_EQ(rows.size(), 3u) << "each message stored exactly once";
}

TEST_F(StorageFaultCore, AFailureLaterInACommitGroupWithdrawsTheAcksAndBroadcastsHeldBeforeIt) {
  send_acked("first", "alice-1", 1);  // nothing in flight: the first group goes to the store
  send_acked("first", "alice-1", 2);  // the client's retry: a duplicate, in the second group
  send_plain("plain after");           // a new row, later in the second group
  harness_.complete_commit();
  ASSERT_EQ(acks_for(1), 1);
  store_.set_mode(StorageFaultMode::full);  // the duplicate still passes, the new row cannot
  harness_.complete_commit();
  store_.set_mode(StorageFaultMode::none);
  EXPECT_EQ(acks_for(2), 0) << "the duplicate was rolled back with its group, its ack must go";
  EXPECT_EQ(harness_.received_ids(1), std::vector<std::int64_t>{1}) << "nothing of the failed group is broadcast";
  EXPECT_TRUE(logged("insert failed"));
  EXPECT_EQ(inner_.last_committed_id(), 1);
}

// A lock held for less than the busy timeout fails nothing: the commit only takes longer.
// The log must still say why acknowledgements stalled.
TEST_F(StorageFaultCore, ASlowCommitIsAcknowledgedAndLoggedAsAWarning) {
  send_acked("first", "alice-1", 1);
  harness_.complete_commit(slow_commit_warning_ms - 1);
  EXPECT_FALSE(logged("took")) << "a commit under the threshold is not worth a line";
  send_acked("second", "alice-2", 2);
  harness_.complete_commit(2000);
  EXPECT_EQ(acks_for(2), 1);
  EXPECT_TRUE(logged("commit of 1 messages took 2000 ms"));
  EXPECT_TRUE(logged("write lock"));
}

TEST_F(StorageFaultCore, AFailedCommitAcknowledgesNothingAndLogsWhy) {
  send_acked("first", "alice-1", 1);
  harness_.commit();
  send_acked("first", "alice-1", 2);  // a duplicate: its insert passes a full disk, the COMMIT does not
  store_.set_mode(StorageFaultMode::full);
  harness_.commit();
  store_.set_mode(StorageFaultMode::none);
  EXPECT_EQ(acks_for(2), 0);
  EXPECT_TRUE(logged("commit failed"));
  EXPECT_TRUE(logged("nothing acknowledged"));
  send_acked("first", "alice-1", 3);
  harness_.commit();
  EXPECT_EQ(acks_for(3), 1);
  EXPECT_EQ(harness_.received_ids(1), std::vector<std::int64_t>{1});
  EXPECT_EQ(inner_.read_range(0, 100, 100).size(), 1u);
}

// A real COMMIT refused by the file: RLIMIT_FSIZE 0 on this process makes every write to a
// regular file fail with EFBIG (SIGXFSZ ignored), so SQLite cannot append the WAL frames.
TEST(SqliteMessageStoreCommitFailure, AFailedCommitDoesNotAdvanceTheCommittedHead) {
  const auto directory = std::filesystem::temp_directory_path() / ("resync-commit-failure-" + std::to_string(::getpid()));
  std::filesystem::create_directories(directory);
  const std::string path = (directory / "chat.db").string();
  {
    SqliteMessageStore store({path, Durability::full});
    store.insert("kept", std::string_view("client-1"));
    store.commit();
    store.insert("refused", std::string_view("client-2"));
    const auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
    rlimit old_limit{};
    ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
    rlimit no_writes = old_limit;
    no_writes.rlim_cur = 0;
    ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &no_writes), 0);
    bool commit_failed = false;
    try {
      store.commit();
    } catch (const StorageError&) {
      commit_failed = true;
    }
    ::setrlimit(RLIMIT_FSIZE, &old_limit);
    ::signal(SIGXFSZ, old_handler);
    ASSERT_TRUE(commit_failed) << "the COMMIT went through although no file could be written";
    EXPECT_EQ(store.last_committed_id(), 1);
    // A transaction with only a duplicate commits nothing new: the head stays at 1, not at
    // the id of the row that was never stored.
    EXPECT_EQ(store.insert("kept", std::string_view("client-1")).outcome, InsertOutcome::duplicate_client_offset);
    store.commit();
    EXPECT_EQ(store.last_committed_id(), 1);
    const InsertResult retried = store.insert("refused", std::string_view("client-2"));
    store.commit();
    EXPECT_EQ(retried.outcome, InsertOutcome::inserted);
    EXPECT_EQ(store.last_committed_id(), retried.id);
    EXPECT_EQ(store.read_range(0, 100, 100).size(), 2u);
  }
  std::filesystem::remove_all(directory);
}

}  // namespace
}  // namespace resync::server
