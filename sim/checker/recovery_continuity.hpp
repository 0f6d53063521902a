#pragma once
// Honest recovery (docs/HISTORY.md, `recovery_gap` / `recovery_repeat`): after a `connected`
// line with recovered: true, what the client receives on that connection must be, in
// order, the committed ids that follow the last id it received (since its last reload; the
// reload's kept_offset, or nothing, when it has received none since). Live broadcasts after
// the replay count too: they continue the committed order. A later catch-up that would
// hide a skipped or repeated id does not excuse it.
#include <vector>

#include "sim/checker/anomaly.hpp"
#include "sim/checker/committed_log.hpp"
#include "sim/history/history.hpp"

namespace resync::checker {

// At most one anomaly per recovered connection (its first deviation), in history order.
// A deviation that is neither a skip nor a repeat (an id the log does not hold, or an
// older id the client never had) ends the check of that connection silently: the
// rendering checks report it as unexpected or reordered.
std::vector<Anomaly> check_recovery_continuity(const history::History& history, const CommittedLogIndex& log);

}  // namespace resync::checker
