#include "server/core/sqlite_message_store.hpp"

#include <sqlite3.h>

#include "common/invariant.hpp"

namespace resync::server {

namespace {

// The tutorial's schema, verbatim, so a database written by its Node server opens unchanged.
constexpr const char* create_table_sql =
    "CREATE TABLE IF NOT EXISTS messages ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " client_offset TEXT UNIQUE,"
    " content TEXT"
    ");";

// A second writer (for example a tutorial Node server on the same file) may hold the lock
// briefly; wait instead of failing at once.
constexpr int busy_timeout_ms = 5000;

}  // namespace

SqliteMessageStore::SqliteMessageStore(const SqliteOptions& options) : path_(options.path) {
  const int open_status = sqlite3_open_v2(path_.c_str(), &database_,
                                          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (open_status != SQLITE_OK) {
    const std::string reason = database_ ? sqlite3_errmsg(database_) : sqlite3_errstr(open_status);
    sqlite3_close(database_);
    database_ = nullptr;
    throw StorageError("cannot open database '" + path_ + "': " + reason +
                       " (check that the directory exists and is writable)");
  }
  try {
    sqlite3_busy_timeout(database_, busy_timeout_ms);
    execute("PRAGMA journal_mode=WAL;");
    execute(options.durability == Durability::full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");
    execute(create_table_sql);
    insert_statement_ = prepare("INSERT INTO messages (content, client_offset) VALUES (?1, ?2);");
    insert_with_id_statement_ = prepare("INSERT INTO messages (id, content, client_offset) VALUES (?1, ?2, ?3);");
    find_by_client_offset_statement_ = prepare("SELECT id FROM messages WHERE client_offset = ?1;");
    read_range_statement_ = prepare("SELECT id, content, client_offset FROM messages WHERE id > ?1 AND id <= ?2 ORDER BY id LIMIT ?3;");
    sqlite3_stmt* max_id = prepare("SELECT COALESCE(MAX(id), 0) FROM messages;");
    if (sqlite3_step(max_id) == SQLITE_ROW) last_committed_id_ = sqlite3_column_int64(max_id, 0);
    sqlite3_finalize(max_id);
  } catch (...) {
    sqlite3_finalize(insert_statement_);
    sqlite3_finalize(insert_with_id_statement_);
    sqlite3_finalize(find_by_client_offset_statement_);
    sqlite3_finalize(read_range_statement_);
    sqlite3_close(database_);
    throw;
  }
}

SqliteMessageStore::~SqliteMessageStore() {
  if (in_transaction_) sqlite3_exec(database_, "ROLLBACK;", nullptr, nullptr, nullptr);
  sqlite3_finalize(insert_statement_);
  sqlite3_finalize(insert_with_id_statement_);
  sqlite3_finalize(find_by_client_offset_statement_);
  sqlite3_finalize(read_range_statement_);
  sqlite3_close(database_);
}

void SqliteMessageStore::fail(const std::string& what) {
  throw StorageError(what + " on database '" + path_ + "': " + sqlite3_errmsg(database_));
}

void SqliteMessageStore::execute(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(database_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string reason = message ? message : "unknown error";
    sqlite3_free(message);
    throw StorageError(std::string("'") + sql + "' failed on database '" + path_ + "': " + reason);
  }
}

sqlite3_stmt* SqliteMessageStore::prepare(const char* sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v3(database_, sql, -1, SQLITE_PREPARE_PERSISTENT, &statement, nullptr) != SQLITE_OK) {
    fail(std::string("preparing '") + sql + "'");
  }
  return statement;
}

void SqliteMessageStore::refuse_if_file_moved() {
  // SQLite keeps writing to the inode it opened: a database file removed (or renamed, or
  // replaced) while the server runs takes every later commit with it into a file nobody
  // will open again, and the next start creates an empty one. Committing there would
  // acknowledge messages that are already lost, so the group fails instead. A :memory:
  // database has no file and answers SQLITE_NOTFOUND.
  // A private temporary database (empty path) is unlinked by SQLite itself: it has no name.
  if (path_.empty()) return;
  int moved = 0;
  if (sqlite3_file_control(database_, "main", SQLITE_FCNTL_HAS_MOVED, &moved) != SQLITE_OK || moved == 0) return;
  throw StorageError("database file '" + path_ +
                     "' was removed or replaced while the server runs; refusing to store (and acknowledge) "
                     "messages into a file that is gone. Restore the file (while the server runs its content is "
                     "still readable at /proc/<server pid>/fd, the entry marked '(deleted)') and restart the server");
}

InsertResult SqliteMessageStore::insert(std::string_view content, std::optional<std::string_view> client_offset) {
  if (!in_transaction_) {
    refuse_if_file_moved();
    execute("BEGIN IMMEDIATE;");
    in_transaction_ = true;
  }
  sqlite3_reset(insert_statement_);
  sqlite3_bind_text(insert_statement_, 1, content.data(), static_cast<int>(content.size()), SQLITE_TRANSIENT);
  if (client_offset) {
    sqlite3_bind_text(insert_statement_, 2, client_offset->data(), static_cast<int>(client_offset->size()),
                      SQLITE_TRANSIENT);
  } else {
    sqlite3_bind_null(insert_statement_, 2);
  }
  const int status = sqlite3_step(insert_statement_);
  sqlite3_reset(insert_statement_);
  sqlite3_clear_bindings(insert_statement_);
  if (status == SQLITE_DONE) {
    last_inserted_id_ = sqlite3_last_insert_rowid(database_);
    return {InsertOutcome::inserted, last_inserted_id_};
  }
  if (status == SQLITE_CONSTRAINT && client_offset) {
    // The UNIQUE client_offset says "already stored": exactly-once storage of retried sends.
    sqlite3_reset(find_by_client_offset_statement_);
    sqlite3_bind_text(find_by_client_offset_statement_, 1, client_offset->data(),
                      static_cast<int>(client_offset->size()), SQLITE_TRANSIENT);
    std::int64_t existing_id = 0;
    if (sqlite3_step(find_by_client_offset_statement_) == SQLITE_ROW) {
      existing_id = sqlite3_column_int64(find_by_client_offset_statement_, 0);
    }
    sqlite3_reset(find_by_client_offset_statement_);
    sqlite3_clear_bindings(find_by_client_offset_statement_);
    return {InsertOutcome::duplicate_client_offset, existing_id};
  }
  fail("inserting a message");
}

void SqliteMessageStore::insert_with_id(const StoredMessage& row) {
  RESYNC_ASSERT(row.id > last_inserted_id_, "rows of a shared log are copied in increasing id order");
  if (!in_transaction_) {
    execute("BEGIN IMMEDIATE;");
    in_transaction_ = true;
  }
  sqlite3_reset(insert_with_id_statement_);
  sqlite3_bind_int64(insert_with_id_statement_, 1, row.id);
  sqlite3_bind_text(insert_with_id_statement_, 2, row.content.data(), static_cast<int>(row.content.size()),
                    SQLITE_TRANSIENT);
  if (row.client_offset) {
    sqlite3_bind_text(insert_with_id_statement_, 3, row.client_offset->data(),
                      static_cast<int>(row.client_offset->size()), SQLITE_TRANSIENT);
  } else {
    sqlite3_bind_null(insert_with_id_statement_, 3);
  }
  const int status = sqlite3_step(insert_with_id_statement_);
  sqlite3_reset(insert_with_id_statement_);
  sqlite3_clear_bindings(insert_with_id_statement_);
  if (status != SQLITE_DONE) fail("copying message " + std::to_string(row.id) + " of the shared log");
  last_inserted_id_ = row.id;
}

void SqliteMessageStore::commit() {
  if (!in_transaction_) return;
  // Checked again here: the file may have gone while the group's inserts ran.
  try {
    refuse_if_file_moved();
  } catch (const StorageError&) {
    rollback();
    throw;
  }
  const int status = sqlite3_exec(database_, "COMMIT;", nullptr, nullptr, nullptr);
  if (status != SQLITE_OK) {
    const std::string reason = sqlite3_errmsg(database_);
    // A failed COMMIT may leave the transaction open; roll it back so nothing half-done stays.
    if (!sqlite3_get_autocommit(database_)) sqlite3_exec(database_, "ROLLBACK;", nullptr, nullptr, nullptr);
    in_transaction_ = false;
    // The rows of the failed transaction do not exist: a later commit that inserts nothing
    // (only duplicates) must not take their ids for committed.
    last_inserted_id_ = last_committed_id_;
    throw StorageError("COMMIT failed on database '" + path_ + "': " + reason);
  }
  in_transaction_ = false;
  last_committed_id_ = std::max(last_committed_id_, last_inserted_id_);
}

void SqliteMessageStore::rollback() {
  if (!in_transaction_) return;
  sqlite3_exec(database_, "ROLLBACK;", nullptr, nullptr, nullptr);
  in_transaction_ = false;
  last_inserted_id_ = last_committed_id_;
}

std::vector<StoredMessage> SqliteMessageStore::read_range(std::int64_t after_id, std::int64_t up_to_id,
                                                          std::size_t limit) {
  std::vector<StoredMessage> rows;
  sqlite3_reset(read_range_statement_);
  sqlite3_bind_int64(read_range_statement_, 1, after_id);
  sqlite3_bind_int64(read_range_statement_, 2, up_to_id);
  sqlite3_bind_int64(read_range_statement_, 3, static_cast<sqlite3_int64>(limit));
  int status = SQLITE_ROW;
  while ((status = sqlite3_step(read_range_statement_)) == SQLITE_ROW) {
    StoredMessage row;
    row.id = sqlite3_column_int64(read_range_statement_, 0);
    // The tutorial's Node server may have stored non-text content; read it as text either way.
    if (const auto* text = sqlite3_column_text(read_range_statement_, 1)) {
      row.content.assign(reinterpret_cast<const char*>(text),
                         static_cast<std::size_t>(sqlite3_column_bytes(read_range_statement_, 1)));
    }
    if (sqlite3_column_type(read_range_statement_, 2) != SQLITE_NULL) {
      const auto* offset = sqlite3_column_text(read_range_statement_, 2);
      row.client_offset = std::string(reinterpret_cast<const char*>(offset),
                                      static_cast<std::size_t>(sqlite3_column_bytes(read_range_statement_, 2)));
    }
    rows.push_back(std::move(row));
  }
  sqlite3_reset(read_range_statement_);
  if (status != SQLITE_DONE) fail("reading messages");
  return rows;
}

std::int64_t SqliteMessageStore::last_committed_id() { return last_committed_id_; }

SqliteSettings SqliteMessageStore::settings() {
  const auto read_pragma = [this](const char* sql) {
    sqlite3_stmt* statement = prepare(sql);
    std::string value;
    if (sqlite3_step(statement) == SQLITE_ROW) {
      if (const auto* text = sqlite3_column_text(statement, 0)) value = reinterpret_cast<const char*>(text);
    }
    sqlite3_finalize(statement);
    return value;
  };
  SqliteSettings settings;
  settings.journal_mode = read_pragma("PRAGMA journal_mode;");
  // PRAGMA synchronous answers a number: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA.
  const std::string level = read_pragma("PRAGMA synchronous;");
  static constexpr const char* level_names[] = {"OFF", "NORMAL", "FULL", "EXTRA"};
  settings.synchronous = level.size() == 1 && level[0] >= '0' && level[0] <= '3' ? level_names[level[0] - '0'] : level;
  return settings;
}

}  // namespace resync::server
