// The live storage-fault mechanisms on their own: the harness's write lock really blocks
// another writer and lets it go again, a file-size limit really lands on (and comes off)
// another process, and the stderr pipe copies everything into the file.
#include "common/tests/temporary_directory.hpp"

#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "sim/runner/live_storage_faults.hpp"
#include "sim/runner/stderr_drain.hpp"

extern char** environ;

namespace resync::sim {
namespace {

using Outcome = StorageFaultAttempt::Outcome;

using resync::test_support::TemporaryDirectory;

// A second writer that never waits: the answer of its BEGIN IMMEDIATE.
int begin_immediate_once(const std::string& path) {
  sqlite3* database = nullptr;
  sqlite3_open_v2(path.c_str(), &database, SQLITE_OPEN_READWRITE, nullptr);
  sqlite3_busy_timeout(database, 0);
  const int status = sqlite3_exec(database, "BEGIN IMMEDIATE;", nullptr, nullptr, nullptr);
  sqlite3_exec(database, "ROLLBACK;", nullptr, nullptr, nullptr);
  sqlite3_close(database);
  return status;
}

void create_wal_database(const std::string& path) {
  sqlite3* database = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &database), SQLITE_OK);
  sqlite3_exec(database, "PRAGMA journal_mode=WAL; CREATE TABLE messages (id INTEGER PRIMARY KEY, content TEXT);", nullptr,
               nullptr, nullptr);
  sqlite3_close(database);
}

TEST(DatabaseWriteLock, HoldsOffAnotherWriterUntilReleased) {
  TemporaryDirectory directory;
  const std::string path = directory.file("chat.db");
  create_wal_database(path);
  DatabaseWriteLock lock;
  const StorageFaultAttempt attempt = lock.try_acquire(path);
  ASSERT_EQ(attempt.outcome, Outcome::started) << attempt.detail;
  EXPECT_EQ(begin_immediate_once(path), SQLITE_BUSY) << "another writer got the lock the harness holds";
  lock.release();
  EXPECT_EQ(begin_immediate_once(path), SQLITE_OK);
}

TEST(DatabaseWriteLock, IsBusyWhileAWriterHoldsItAndRefusesAMissingFile) {
  TemporaryDirectory directory;
  const std::string path = directory.file("chat.db");
  create_wal_database(path);
  sqlite3* writer = nullptr;
  sqlite3_open(path.c_str(), &writer);
  ASSERT_EQ(sqlite3_exec(writer, "BEGIN IMMEDIATE;", nullptr, nullptr, nullptr), SQLITE_OK);
  DatabaseWriteLock lock;
  EXPECT_EQ(lock.try_acquire(path).outcome, Outcome::busy);
  sqlite3_exec(writer, "ROLLBACK;", nullptr, nullptr, nullptr);
  sqlite3_close(writer);
  EXPECT_EQ(lock.try_acquire(path).outcome, Outcome::started) << "a retry once the writer is done";
  lock.release();
  const StorageFaultAttempt missing = lock.try_acquire(directory.file("absent.db"));
  EXPECT_EQ(missing.outcome, Outcome::refused);
  EXPECT_NE(missing.detail.find("no database file at"), std::string::npos) << missing.detail;
  EXPECT_FALSE(std::filesystem::exists(directory.file("absent.db"))) << "the lock must not create a database";
}

rlim_t soft_file_size_limit(pid_t process) {
  rlimit limit{};
  ::prlimit(process, RLIMIT_FSIZE, nullptr, &limit);
  return limit.rlim_cur;
}

TEST(FileSizeLimit, LandsOnAnotherProcessAndComesOffAgain) {
  pid_t child = 0;
  char sleep_path[] = "/bin/sleep";
  char seconds[] = "30";
  char* argv[] = {sleep_path, seconds, nullptr};
  ASSERT_EQ(::posix_spawn(&child, sleep_path, nullptr, nullptr, argv, environ), 0);
  const rlim_t before = soft_file_size_limit(child);
  {
    FileSizeLimit limit;
    ASSERT_EQ(limit.apply({child}, 0), std::nullopt);
    EXPECT_EQ(soft_file_size_limit(child), 0u);
    limit.restore();
    EXPECT_EQ(soft_file_size_limit(child), before);
    ASSERT_EQ(limit.apply({child}, 4096), std::nullopt);
    EXPECT_EQ(soft_file_size_limit(child), 4096u);
  }
  EXPECT_EQ(soft_file_size_limit(child), before) << "the destructor restores";
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  FileSizeLimit limit;
  EXPECT_TRUE(limit.apply({child}, 0).has_value()) << "a reaped process cannot be limited";
}

TEST(ProcessesInGroup, FindsThisProcessInItsOwnGroup) {
  const auto members = processes_in_group(::getpgrp());
  EXPECT_NE(std::find(members.begin(), members.end(), ::getpid()), members.end());
}

TEST(SmallestDatabaseFile, IsTheSmallestOfTheDatabaseAndItsLogs) {
  TemporaryDirectory directory;
  const std::string path = directory.file("chat.db");
  std::string sizes;
  EXPECT_EQ(smallest_database_file_bytes(path, sizes), std::nullopt) << "no database";
  std::ofstream(path) << std::string(8192, 'x');
  std::ofstream(path + "-wal") << std::string(100, 'x');
  EXPECT_EQ(smallest_database_file_bytes(path, sizes), 100u);
  EXPECT_EQ(sizes, "chat.db 8192 bytes, chat.db-wal 100 bytes");
}

TEST(StderrDrain, CopiesEverythingWrittenBeforeTheEnd) {
  TemporaryDirectory directory;
  const std::string path = directory.file("server.stderr");
  std::string error;
  auto drain = StderrDrain::start(path, error);
  ASSERT_TRUE(drain) << error;
  const std::string text(100000, 'e');  // more than a pipe holds
  std::thread writer([fd = ::dup(drain->write_fd()), &text] {
    for (std::size_t done = 0; done < text.size();) done += static_cast<std::size_t>(::write(fd, text.data() + done, text.size() - done));
    ::close(fd);
  });
  writer.join();
  ASSERT_TRUE(drain->finish(2000));
  std::stringstream copied;
  copied << std::ifstream(path).rdbuf();
  EXPECT_EQ(copied.str(), text);
}

}  // namespace
}  // namespace resync::sim
