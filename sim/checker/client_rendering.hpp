#pragma once
// Per client: the list it rendered since its last reload, and how that list differs from the
// committed log (lost, duplicated, reordered, unexpected, altered; docs/HISTORY.md).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/checker/anomaly.hpp"
#include "sim/checker/committed_log.hpp"
#include "sim/history/history.hpp"

namespace resync::checker {

struct RenderedMessage {
  std::int64_t id = 0;
  std::int64_t t_ms = 0;
  std::size_t event_index = 0;  // into History::events (a MessageReceived): the content is there
};

struct ClientRendering {
  std::string client;
  std::vector<RenderedMessage> rendered;  // `received` lines with rendered: true since the last reload
  std::size_t ignored_since_reload = 0;   // `received` lines with rendered: false (dedupe policy)
  std::size_t reload_count = 0;
};

// One entry per client: those named by run_started first, in that order, then any other
// client a line mentions, in order of first mention.
std::vector<ClientRendering> collect_client_renderings(const history::History& history);

// The per-client anomalies of one client, grouped by kind, each kind in id order.
std::vector<Anomaly> compare_rendering_with_log(const ClientRendering& rendering, const CommittedLogIndex& log,
                                                const history::History& history);

}  // namespace resync::checker
