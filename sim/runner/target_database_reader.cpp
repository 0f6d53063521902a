#include "sim/runner/target_database_reader.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <optional>

namespace resync::sim {
namespace {

// A target still running (a --target URL) may be writing: wait this long for its lock.
constexpr int busy_timeout_ms = 2000;

std::optional<std::string> column_text(sqlite3_stmt* statement, int column) {
  if (sqlite3_column_type(statement, column) == SQLITE_NULL) return std::nullopt;
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement, column));
  return std::string(text != nullptr ? text : "", static_cast<std::size_t>(sqlite3_column_bytes(statement, column)));
}

// Closes the connection on every way out.
struct Connection {
  sqlite3* database = nullptr;
  sqlite3_stmt* statement = nullptr;
  ~Connection() {
    sqlite3_finalize(statement);
    sqlite3_close(database);
  }
};

}  // namespace

std::variant<std::vector<history::CommittedMessage>, std::string> read_target_database(const std::string& path,
                                                                                      std::size_t rows_max) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return "the target's database " + path + " does not exist (or is not a file): give --target-db (or "
           "server.external.database) the SQLite file the target writes; a relative path is taken inside "
           "RESYNC_RUN_DIR when the harness starts the target, else in the current directory";
  }
  Connection connection;
  if (sqlite3_open_v2(path.c_str(), &connection.database, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    return "cannot open the target's database " + path + ": " +
           (connection.database != nullptr ? sqlite3_errmsg(connection.database) : "out of memory");
  }
  sqlite3_busy_timeout(connection.database, busy_timeout_ms);
  if (sqlite3_prepare_v2(connection.database, "SELECT id, content, client_offset FROM messages ORDER BY id;", -1,
                         &connection.statement, nullptr) != SQLITE_OK) {
    return "cannot read the table messages(id, content, client_offset) of the target's database " + path + ": " +
           sqlite3_errmsg(connection.database) + " (the tutorial's schema is " + tutorial_messages_table_sql + ")";
  }
  std::vector<history::CommittedMessage> messages;
  int status = SQLITE_ROW;
  while ((status = sqlite3_step(connection.statement)) == SQLITE_ROW) {
    if (messages.size() == rows_max) {
      return "the target's database " + path + " holds more than " + std::to_string(rows_max) +
             " rows: not the log of one run (point --target-db at the file of the server under test)";
    }
    if (sqlite3_column_type(connection.statement, 0) != SQLITE_INTEGER) {
      return "the target's database " + path + " has a row whose id is not an integer (row " +
             std::to_string(messages.size() + 1) + " in id order)";
    }
    messages.push_back({sqlite3_column_int64(connection.statement, 0),
                        column_text(connection.statement, 1).value_or(""), column_text(connection.statement, 2)});
  }
  if (status != SQLITE_DONE) {
    return "reading the target's database " + path + " failed: " + sqlite3_errmsg(connection.database);
  }
  return messages;
}

}  // namespace resync::sim
