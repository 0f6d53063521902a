#pragma once
// The tutorial's table in SQLite:
//   messages(id INTEGER PRIMARY KEY AUTOINCREMENT, client_offset TEXT UNIQUE, content TEXT)
// A database written by the tutorial's Node server opens unchanged.
#include <memory>
#include <string>

#include "server/core/message_store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace resync::server {

enum class Durability {
  // WAL + synchronous=FULL: a committed row survives a process kill and a power loss.
  full,
  // WAL + synchronous=NORMAL: a committed row survives a process kill (SIGKILL), but the
  // last commits may be lost if the machine itself loses power.
  process_crash,
};

// What SQLite reports back after opening: PRAGMA journal_mode and PRAGMA synchronous, read
// from the connection, not echoed from the options, so a test can see what is in force.
struct SqliteSettings {
  std::string journal_mode;  // "wal" for a file; "memory" for ":memory:"
  std::string synchronous;   // "OFF", "NORMAL", "FULL" or "EXTRA"
};

struct SqliteOptions {
  std::string path = "chat.db";  // ":memory:" for the simulator
  Durability durability = Durability::full;
};

class SqliteMessageStore final : public MessageStore {
 public:
  // Throws StorageError with the path and SQLite's message when the file cannot be opened.
  explicit SqliteMessageStore(const SqliteOptions& options);
  ~SqliteMessageStore() override;
  SqliteMessageStore(const SqliteMessageStore&) = delete;
  SqliteMessageStore& operator=(const SqliteMessageStore&) = delete;

  InsertResult insert(std::string_view content, std::optional<std::string_view> client_offset) override;
  void commit() override;
  void rollback() override;
  bool has_uncommitted_writes() const override { return in_transaction_; }
  std::vector<StoredMessage> read_range(std::int64_t after_id, std::int64_t up_to_id, std::size_t limit) override;
  std::int64_t last_committed_id() override;

  // Adds a row with the id a shared log gave it (a cluster node's copy of the log,
  // log_replica.hpp), inside the current write transaction; ids must grow.
  void insert_with_id(const StoredMessage& row);

  // Reads PRAGMA journal_mode and PRAGMA synchronous from the open connection.
  SqliteSettings settings();

 private:
  void execute(const char* sql);
  sqlite3_stmt* prepare(const char* sql);
  [[noreturn]] void fail(const std::string& what);
  // Throws StorageError when the file at path_ is no longer the one this connection writes
  // (SQLITE_FCNTL_HAS_MOVED: removed, renamed or replaced).
  void refuse_if_file_moved();

  std::string path_;
  sqlite3* database_ = nullptr;
  sqlite3_stmt* insert_statement_ = nullptr;
  sqlite3_stmt* insert_with_id_statement_ = nullptr;
  sqlite3_stmt* find_by_client_offset_statement_ = nullptr;
  sqlite3_stmt* read_range_statement_ = nullptr;
  bool in_transaction_ = false;
  std::int64_t last_committed_id_ = 0;
  std::int64_t last_inserted_id_ = 0;
};

}  // namespace resync::server
