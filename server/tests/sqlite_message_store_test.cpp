#include "server/core/sqlite_message_store.hpp"

#include "server/core/commit_group.hpp"

#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace resync::server {
namespace {

TEST(SqliteMessageStore, InsertsAreInvisibleToTheCommittedHeadUntilCommit) {
  SqliteMessageStore store({":memory:", Durability::full});
  EXPECT_EQ(store.last_committed_id(), 0);
  const auto first = store.insert("hello", std::nullopt);
  EXPECT_EQ(first.outcome, InsertOutcome::inserted);
  EXPECT_EQ(first.id, 1);
  EXPECT_TRUE(store.has_uncommitted_writes());
  EXPECT_EQ(store.last_committed_id(), 0);
  store.commit();
  EXPECT_FALSE(store.has_uncommitted_writes());
  EXPECT_EQ(store.last_committed_id(), 1);
}

TEST(SqliteMessageStore, RepeatedClientOffsetIsStoredOnceAndNamesTheFirstRow) {
  SqliteMessageStore store({":memory:", Durability::full});
  const auto first = store.insert("hi", std::string_view("client-1"));
  const auto again = store.insert("hi", std::string_view("client-1"));  // same transaction
  store.commit();
  const auto later = store.insert("hi", std::string_view("client-1"));  // after commit
  store.commit();
  EXPECT_EQ(again.outcome, InsertOutcome::duplicate_client_offset);
  EXPECT_EQ(again.id, first.id);
  EXPECT_EQ(later.outcome, InsertOutcome::duplicate_client_offset);
  EXPECT_EQ(store.read_range(0, 100, 100).size(), 1u);
}

TEST(SqliteMessageStore, RollbackForgetsUncommittedRows) {
  SqliteMessageStore store({":memory:", Durability::full});
  store.insert("kept", std::nullopt);
  store.commit();
  store.insert("forgotten", std::nullopt);
  store.rollback();
  EXPECT_EQ(store.last_committed_id(), 1);
  const auto rows = store.read_range(0, 100, 100);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].content, "kept");
}

TEST(SqliteMessageStore, ReadRangeHonoursBoundsAndLimit) {
  SqliteMessageStore store({":memory:", Durability::full});
  for (int index = 1; index <= 10; ++index) store.insert("m" + std::to_string(index), std::nullopt);
  store.commit();
  const auto rows = store.read_range(3, 8, 3);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].id, 4);
  EXPECT_EQ(rows[2].id, 6);
  EXPECT_EQ(store.read_range(7, 8, 100).size(), 1u);
}

TEST(SqliteMessageStore, KeepsSqlMetacharactersAndLargeTextExactly) {
  SqliteMessageStore store({":memory:", Durability::full});
  const std::string sneaky = "'); DROP TABLE messages; --\"\\%_";
  const std::string large(100 * 1024, 'x');
  store.insert(sneaky, std::string_view("'; --"));
  store.insert(large, std::nullopt);
  store.commit();
  const auto rows = store.read_range(0, 10, 10);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].content, sneaky);
  EXPECT_EQ(rows[0].client_offset, "'; --");
  EXPECT_EQ(rows[1].content, large);
}

TEST(SqliteMessageStore, OpensADatabaseWrittenWithTheTutorialsSchemaAndSurvivesReopen) {
  std::string directory_name = "resync-store-";
  directory_name += std::to_string(::getpid());
  const auto directory = std::filesystem::temp_directory_path() / directory_name;
  std::filesystem::create_directories(directory);
  const std::string path = (directory / "chat.db").string();
  {
    // What the tutorial's Node server leaves behind: its exact CREATE TABLE and two rows.
    sqlite3* database = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &database), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(database,
                           "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY AUTOINCREMENT,"
                           " client_offset TEXT UNIQUE, content TEXT);"
                           "INSERT INTO messages (content) VALUES ('from node');"
                           "INSERT INTO messages (content, client_offset) VALUES ('acked', 'abc-1');",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(database);
  }
  {
    SqliteMessageStore store({path, Durability::full});
    EXPECT_EQ(store.last_committed_id(), 2);
    EXPECT_EQ(store.insert("again", std::string_view("abc-1")).outcome, InsertOutcome::duplicate_client_offset);
    EXPECT_EQ(store.insert("new", std::nullopt).id, 3);
    store.commit();
  }
  SqliteMessageStore reopened({path, Durability::process_crash});
  const auto rows = reopened.read_range(0, 100, 100);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].content, "from node");
  EXPECT_EQ(rows[2].content, "new");
  std::filesystem::remove_all(directory);
}

// --durability full|process-crash must reach SQLite: the journal mode is WAL for a file, and
// synchronous is FULL or NORMAL, as SQLite itself reports them on that connection.
TEST(SqliteMessageStore, DurabilitySetsWalAndTheSynchronousLevelSqliteReportsBack) {
  std::string directory_name = "resync-store-settings-";
  directory_name += std::to_string(::getpid());
  const auto directory = std::filesystem::temp_directory_path() / directory_name;
  std::filesystem::create_directories(directory);
  const std::string path = (directory / "chat.db").string();
  {
    SqliteMessageStore store({path, Durability::full});
    const SqliteSettings settings = store.settings();
    EXPECT_EQ(settings.journal_mode, "wal");
    EXPECT_EQ(settings.synchronous, "FULL");
  }
  {
    SqliteMessageStore store({path, Durability::process_crash});
    const SqliteSettings settings = store.settings();
    EXPECT_EQ(settings.journal_mode, "wal");
    EXPECT_EQ(settings.synchronous, "NORMAL");
  }
  {
    // WAL stays in the file: another connection (the sqlite3 shell, a tutorial server) sees it.
    sqlite3* database = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &database), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(database, "PRAGMA journal_mode;", -1, &statement, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)), "wal");
    sqlite3_finalize(statement);
    sqlite3_close(database);
  }
  std::filesystem::remove_all(directory);
}

TEST(SqliteMessageStore, UnopenableFileGivesAClearError) {
  try {
    SqliteMessageStore store({"/nonexistent-directory/for/sure/chat.db", Durability::full});
    FAIL() << "expected StorageError";
  } catch (const StorageError& error) {
    EXPECT_NE(std::string(error.what()).find("/nonexistent-directory/for/sure/chat.db"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("writable"), std::string::npos);
  }
}


// A database file removed while the server runs: SQLite would go on committing into the
// unlinked inode, and everything acknowledged from then on is gone at the next start. The
// store sees it (SQLITE_FCNTL_HAS_MOVED) and fails the group, naming the path and what to do.
class RemovedDatabaseFile : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("resync-removed-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
    path_ = (directory_ / "chat.db").string();
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  static CommitRequest group_of(std::string content, std::string client_offset) {
    CommitRequest request;
    request.group = 1;
    request.writes.push_back(PendingWrite{std::move(content), std::move(client_offset)});
    return request;
  }

  std::filesystem::path directory_;
  std::string path_;
};

TEST_F(RemovedDatabaseFile, FailsTheNextGroupNamingThePathInsteadOfCommittingIntoTheDeletedFile) {
  SqliteMessageStore store({path_, Durability::full});
  ASSERT_FALSE(run_commit_group(store, group_of("before", "offset-1")).error);
  std::filesystem::remove(path_);

  const CommitCompletion after = run_commit_group(store, group_of("after", "offset-2"));
  ASSERT_TRUE(after.error) << "a group was committed (and would be acknowledged) into a removed file";
  EXPECT_TRUE(after.results.empty());
  EXPECT_NE(after.error->find(path_), std::string::npos) << *after.error;
  EXPECT_NE(after.error->find("removed or replaced"), std::string::npos) << *after.error;
  EXPECT_NE(after.error->find("restart the server"), std::string::npos) << *after.error;
  EXPECT_FALSE(store.has_uncommitted_writes());
  EXPECT_EQ(store.last_committed_id(), 1);
}

TEST_F(RemovedDatabaseFile, ReplacedByAnotherFileAtThePathIsRefusedToo) {
  SqliteMessageStore store({path_, Durability::process_crash});
  ASSERT_FALSE(run_commit_group(store, group_of("before", "offset-1")).error);
  const std::string moved_aside = path_ + ".moved";
  std::filesystem::rename(path_, moved_aside);
  { SqliteMessageStore other({path_, Durability::full}); }  // a new, empty database at the path

  const CommitCompletion after = run_commit_group(store, group_of("after", "offset-2"));
  ASSERT_TRUE(after.error);
  EXPECT_NE(after.error->find("removed or replaced"), std::string::npos) << *after.error;
}

TEST_F(RemovedDatabaseFile, RemovedBetweenTheInsertsAndTheCommitRollsTheGroupBack) {
  SqliteMessageStore store({path_, Durability::full});
  store.insert("inserted before the removal", std::string_view("offset-1"));
  std::filesystem::remove(path_);
  EXPECT_THROW(store.commit(), StorageError);
  EXPECT_FALSE(store.has_uncommitted_writes());
  EXPECT_EQ(store.last_committed_id(), 0);
}

TEST_F(RemovedDatabaseFile, AFileLeftInPlaceKeepsCommitting) {
  SqliteMessageStore store({path_, Durability::full});
  for (int group = 1; group <= 3; ++group) {
    EXPECT_FALSE(run_commit_group(store, group_of("m" + std::to_string(group), "o" + std::to_string(group))).error);
  }
  EXPECT_EQ(store.last_committed_id(), 3);
}

}  // namespace
}  // namespace resync::server
