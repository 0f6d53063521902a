#pragma once
// Where the runner read an external target's log both ways, from its SQLite file and through
// its own catch-up (docs/HISTORY.md, `catch_up_disagrees_with_database`), the two must hold
// the same rows: a page that reconnects sees the catch-up, the database is what the server
// promised to keep. A difference is the server serving something other than what it stored
// (or a --target-db naming another server's file), judged from the two committed_log lines
// alone.
#include <vector>

#include "sim/checker/anomaly.hpp"
#include "sim/history/history.hpp"

namespace resync::checker {

// At most one anomaly (client ""), naming the first id that differs, how many do, and the
// two row counts. Only ids above both the run's start offset and the audit's from_offset are
// compared: the catch-up does not carry the rows below where the audit client started.
// Nothing when the history lacks either line.
std::vector<Anomaly> check_catch_up_against_database(const history::History& history);

}  // namespace resync::checker
