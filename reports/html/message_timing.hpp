#pragma once
// When each committed message came to exist, and when each client had everything that
// existed at a given moment. The report derives from these, from the history alone:
// - the catch-up window after a reconnect: from the connect until the client has rendered
//   every message that existed when it connected (never closing = it never caught up);
// - the time to resync after a heal: the same question asked at the moment of the heal;
// - delivery latency: from a message's first send to its first rendering by each client.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "sim/checker/committed_log.hpp"
#include "sim/history/history.hpp"

namespace resync::reports {

inline constexpr std::int64_t never_t_ms = std::numeric_limits<std::int64_t>::max();

// A history has no "stored" line per message, so the moment a message existed is estimated
// as the earliest of: its first `received` by anyone, the first `acked` or `sent` of the
// same client offset (or content, for plain sends). A message nobody sent or saw during the
// run (preloaded rows, or stored and then lost by everyone) existed from the start.
struct StoredTimes {
  std::vector<std::int64_t> by_log_position;
  std::vector<std::size_t> log_positions_in_stored_order;  // by stored time, then log position
  std::vector<std::int64_t> stored_order_t_ms;             // the stored time of each of those

  // How many committed messages existed before `t_ms`: they are the first N in stored order.
  // Strictly before: in virtual time a reconnect and its whole catch-up can share one
  // millisecond, and what arrives in that millisecond arrived because of the reconnect.
  std::size_t existing_before(std::int64_t t_ms) const;
};

StoredTimes estimate_stored_times(const history::History& history, const checker::CommittedLogIndex& log);

// One client's renderings, split into page lives: a reload is a new page, so what was
// rendered before it does not count after it (as in the checker).
struct ClientMessageTimes {
  struct PageLife {
    std::int64_t start_t_ms = std::numeric_limits<std::int64_t>::min();
    std::vector<std::int64_t> first_render_t_ms;  // by log position; never_t_ms when not rendered
    // [k]: when this page had rendered all of the first k+1 messages in stored order.
    std::vector<std::int64_t> complete_prefix_t_ms;
  };
  std::vector<PageLife> lives;                       // at least one
  std::vector<std::int64_t> first_render_ever_t_ms;  // by log position, across reloads (latency)
};

// One entry per name in `clients`, in that order; lines about other clients are skipped.
std::vector<ClientMessageTimes> collect_client_message_times(const history::History& history,
                                                             const std::vector<std::string>& clients,
                                                             const checker::CommittedLogIndex& log,
                                                             const StoredTimes& stored);

// How many messages that existed before `t_ms` the client's page of that moment had not
// rendered before it.
std::size_t missing_at(const ClientMessageTimes& client, const StoredTimes& stored, std::int64_t t_ms);
// The same, counting only messages that existed before `existed_before_t_ms` (<= t_ms).
std::size_t missing_at(const ClientMessageTimes& client, const StoredTimes& stored, std::int64_t t_ms,
                       std::int64_t existed_before_t_ms);

// The first moment at or after `t_ms` at which the client (this page or a later one) had
// rendered every message that existed before `t_ms`; nullopt when it never did.
std::optional<std::int64_t> in_sync_at(const ClientMessageTimes& client, const StoredTimes& stored, std::int64_t t_ms);

// The first `sent` time of each committed message, matched by content (the one field every
// send has); never_t_ms for messages nobody sent during the run (preloaded rows).
std::vector<std::int64_t> first_send_t_ms_by_log_position(const history::History& history,
                                                          const std::vector<history::CommittedMessage>& log);

// Send-to-first-render latency of every message this client rendered that was sent in the run.
std::vector<std::int64_t> delivery_latencies_ms(const ClientMessageTimes& client,
                                                const std::vector<std::int64_t>& send_t_ms_by_log_position);

struct LatencyBucket {
  std::int64_t lower_ms = 0;  // inclusive
  std::int64_t upper_ms = 0;  // exclusive
  std::size_t count = 0;
};

struct LatencySummary {
  std::size_t count = 0;
  std::int64_t p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;  // nearest-rank quantiles
  // Buckets on a 1-2-5 scale (0-1, 1-2, 2-5, 5-10, 10-20 ms, ...) up to the maximum: readable
  // labels, and both 1 ms simulated hops and 5 s reconnect delays fit in one small chart.
  std::vector<LatencyBucket> histogram;
};

LatencySummary summarize_latencies(std::vector<std::int64_t> latencies_ms);

}  // namespace resync::reports
