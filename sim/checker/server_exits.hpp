#pragma once
// A server that exits when nothing asked it to, or that wrote a sanitizer report, is a
// failed run (docs/HISTORY.md, `server_crashed`), judged from `server_stopped` lines alone.
#include <optional>
#include <string>
#include <vector>

#include "sim/checker/anomaly.hpp"
#include "sim/history/history.hpp"

namespace resync::checker {

// The stderr tail is long; the last lines usually say what happened.
inline constexpr std::size_t server_crash_stderr_lines_max = 5;

// Why this stop is a crash, e.g. "it exited although nothing asked it to (signal SIGSEGV)";
// nullopt for a clean stop: SIGTERM answered with exit 0 (or death by that SIGTERM), a
// SIGKILL that killed it, a requested stop with no exit recorded (the simulator's lines).
std::optional<std::string> why_server_stop_is_a_crash(const history::ServerStopped& stopped);

// One server_crashed anomaly (client "") per crashed incarnation, in history order.
std::vector<Anomaly> check_server_exits(const history::History& history);

}  // namespace resync::checker
