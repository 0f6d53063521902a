#pragma once
// The embedded server's stderr lines as history lines (server_log, docs/HISTORY.md). The
// shell writes one line per log call (server/shell/shell_log.hpp): "resync serve: TEXT",
// "resync serve: warning: TEXT" or "resync serve: error: TEXT". Anything else on its stderr
// (a sanitizer report, a crash message) is not a log line: server_stopped's detail has it.
#include <cstdint>
#include <optional>
#include <string_view>

#include "sim/history/history_event.hpp"

namespace resync::sim {

// A log line longer than this is cut (a server echoing a huge request must not make one
// history line of megabytes).
inline constexpr std::size_t server_log_text_bytes_max = 2000;

// The log line `line` (without its newline) of server incarnation `incarnation`, or nothing
// when it is not in the shell's format. Levels: "info", "warning", "error".
std::optional<history::ServerLog> parse_server_log_line(std::string_view line, std::int64_t incarnation);

}  // namespace resync::sim
