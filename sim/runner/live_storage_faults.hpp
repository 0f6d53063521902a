#pragma once
// Storage faults on a real server's database, while the database stays reachable
// (docs/SCENARIOS.md, "Storage faults"). POSIX and SQLite only; no Asio:
// - DatabaseWriteLock: the harness's own SQLite connection holds BEGIN IMMEDIATE (the write
//   lock, in WAL and rollback-journal mode alike) until released. No thread: an open
//   transaction just stays open. The server's writers wait their busy_timeout, then get
//   SQLITE_BUSY.
// - FileSizeLimit: RLIMIT_FSIZE (prlimit(2)) on the server's processes. Permissions cannot
//   do it (an open descriptor keeps writing, and the runner may be root); a file-size limit
//   makes every write past the limit fail with EFBIG (and SIGXFSZ, which `resync serve`
//   and Node ignore). 0 = no write to any regular file; the smallest database file's size =
//   no database file can grow (a full disk).
#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sim/execution/scenario_execution.hpp"

struct sqlite3;

namespace resync::sim {

class DatabaseWriteLock {
 public:
  DatabaseWriteLock() = default;
  ~DatabaseWriteLock() { release(); }
  DatabaseWriteLock(const DatabaseWriteLock&) = delete;
  DatabaseWriteLock& operator=(const DatabaseWriteLock&) = delete;

  // One try, without waiting: started (held now), busy (a writer holds it at this instant)
  // or refused (no such database, not a database).
  StorageFaultAttempt try_acquire(const std::string& database_path);
  void release();
  bool held() const { return database_ != nullptr; }

 private:
  sqlite3* database_ = nullptr;
};

class FileSizeLimit {
 public:
  FileSizeLimit() = default;
  ~FileSizeLimit() { restore(); }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

  // Lowers the soft RLIMIT_FSIZE of each process to `limit_bytes` (the hard limit stays, so
  // restoring needs no privilege); an error names the process that could not be limited
  // (the others are restored at once).
  std::optional<std::string> apply(const std::vector<pid_t>& processes, std::uint64_t limit_bytes);
  // Puts back each process's old limit (a process that has exited since is skipped).
  void restore();
  bool applied() const { return !previous_.empty(); }

 private:
  std::vector<std::pair<pid_t, rlimit>> previous_;
};

// The processes of a process group (from /proc/*/stat), the leader first when alive.
std::vector<pid_t> processes_in_group(pid_t group);

// The size of the smallest of the database file, its -wal and its -journal that exist: a
// limit at that size keeps every one of them from growing. nullopt when the database
// file does not exist.
std::optional<std::uint64_t> smallest_database_file_bytes(const std::string& database_path, std::string& sizes_text);

}  // namespace resync::sim
