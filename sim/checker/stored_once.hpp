#pragma once
// A send is stored once: every attempt of a send carries the same client_offset (client
// delivery), so a committed log that holds one client_offset under two ids stored a retry as
// a new message. Every client then renders both ids in order, which the rendering checks
// accept; only this check sees it (docs/HISTORY.md, `stored_twice`). A log that carries no
// client offsets (a catch-up audit, a log rebuilt from what clients received) is matched by
// content, for sends whose content no other send of the run has.
#include <vector>

#include "sim/checker/anomaly.hpp"
#include "sim/history/history.hpp"

namespace resync::checker {

std::vector<Anomaly> check_stored_once(const history::History& history,
                                       const std::vector<history::CommittedMessage>& committed_log);

}  // namespace resync::checker
