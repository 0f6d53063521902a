#pragma once
// The run-wide promises about sends (docs/HISTORY.md): every acknowledged send is stored
// (acknowledged_not_stored otherwise), and every send the server must have read is stored
// or acknowledged (lost otherwise). A send that never reached the log and that a fault or a
// disconnect could have eaten, on every attempt, is only informational (sent_unknown).
//
// A send is identified by its client and client offset; a send without an offset (plain
// delivery) by its client and content. All attempts (retries) of one send are one send;
// several acknowledgements of it are one acknowledgement.
#include <vector>

#include "sim/checker/anomaly.hpp"
#include "sim/checker/committed_log.hpp"
#include "sim/history/history.hpp"

namespace resync::checker {

// acknowledged_not_stored anomalies in order of first acknowledgement, then lost and
// sent_unknown ones in order of first send. A lost send has no id (it was never stored):
// its detail gives the attempt's time and connection.
std::vector<Anomaly> check_sends(const history::History& history, const CommittedLogIndex& log,
                                 CommittedLogOrigin log_origin);

}  // namespace resync::checker
