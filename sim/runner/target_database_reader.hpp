#pragma once
// Reads an external target's SQLite file (--target-db, server.external.database) as its
// committed log after a run: the tutorial's table
//   messages(id INTEGER PRIMARY KEY AUTOINCREMENT, client_offset TEXT UNIQUE, content TEXT)
// Read-only: the file is the target's, so reading it must neither create it (a mistyped path
// would read as an empty log), add a table, nor switch its journal mode.
#include <cstddef>
#include <string>
#include <variant>
#include <vector>

#include "sim/history/history_event.hpp"

namespace resync::sim {

// A database with more rows than this is not a run's log (the scenario bounds allow 200,000
// stored rows): an error, not a slow read of someone else's production file.
// The table the reader expects (the tutorial's), as SQL.
inline constexpr const char* tutorial_messages_table_sql =
    "CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, client_offset TEXT UNIQUE, content TEXT)";

inline constexpr std::size_t target_database_rows_max = 1000000;

// The rows in id order, or what went wrong in words that name the file and the fix.
std::variant<std::vector<history::CommittedMessage>, std::string> read_target_database(
    const std::string& path, std::size_t rows_max = target_database_rows_max);

}  // namespace resync::sim
