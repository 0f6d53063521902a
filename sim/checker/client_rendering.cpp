#include "sim/checker/client_rendering.hpp"

#include <limits>
#include <map>
#include <optional>

#include "sim/checker/quoted_text.hpp"

namespace resync::checker {
namespace {

constexpr std::size_t not_rendered = std::numeric_limits<std::size_t>::max();

const std::string& content_of(const RenderedMessage& message, const history::History& history) {
  return history.events[message.event_index].as<history::MessageReceived>()->content;
}

std::string positions_text(const std::vector<std::size_t>& positions) {
  std::string text;
  for (std::size_t position : positions) {
    if (!text.empty()) text += ", ";
    text += std::to_string(position);
  }
  return text;
}

// What one pass over a client's rendered list learns about every id in it.
struct RenderingTally {
  std::vector<std::size_t> times_rendered;    // per log position
  std::vector<std::size_t> first_position;    // per log position; not_rendered when never
  std::map<std::int64_t, std::vector<std::size_t>> unexpected_positions;  // ids not in the log
  std::map<std::size_t, std::vector<std::size_t>> repeated_positions;     // log position -> positions
  std::map<std::size_t, std::vector<std::size_t>> altered_positions;      // log position -> positions
};

RenderingTally tally(const ClientRendering& rendering, const CommittedLogIndex& log, const history::History& history) {
  RenderingTally tally;
  tally.times_rendered.assign(log.size(), 0);
  tally.first_position.assign(log.size(), not_rendered);
  for (std::size_t position = 0; position < rendering.rendered.size(); ++position) {
    const RenderedMessage& message = rendering.rendered[position];
    const std::optional<std::size_t> log_position = log.position_of(message.id);
    if (!log_position) {
      tally.unexpected_positions[message.id].push_back(position);
      continue;
    }
    if (tally.times_rendered[*log_position]++ == 0) tally.first_position[*log_position] = position;
    if (content_of(message, history) != log.at(*log_position).content) {
      tally.altered_positions[*log_position].push_back(position);
    }
  }
  // Positions of every rendering of a repeated id, in a second pass so that the common case
  // (no duplicates) allocates nothing.
  for (std::size_t position = 0; position < rendering.rendered.size(); ++position) {
    const std::optional<std::size_t> log_position = log.position_of(rendering.rendered[position].id);
    if (log_position && tally.times_rendered[*log_position] > 1) {
      tally.repeated_positions[*log_position].push_back(position);
    }
  }
  return tally;
}

}  // namespace

std::vector<ClientRendering> collect_client_renderings(const history::History& history) {
  std::vector<ClientRendering> renderings;
  std::map<std::string, std::size_t, std::less<>> index_of_client;
  const auto rendering_of = [&](std::string_view client) -> ClientRendering& {
    auto found = index_of_client.find(client);
    if (found == index_of_client.end()) {
      found = index_of_client.emplace(std::string(client), renderings.size()).first;
      renderings.push_back(ClientRendering{std::string(client), {}, 0, 0});
    }
    return renderings[found->second];
  };
  for (const std::string& client : history.run.clients) rendering_of(client);

  for (std::size_t event_index = 0; event_index < history.events.size(); ++event_index) {
    const history::HistoryEvent& event = history.events[event_index];
    if (event.client().empty()) continue;
    ClientRendering& rendering = rendering_of(event.client());
    if (event.as<history::ClientReloaded>() != nullptr) {
      // A reload is a new page: what was on screen is gone, so only what follows counts.
      rendering.rendered.clear();
      rendering.ignored_since_reload = 0;
      ++rendering.reload_count;
    } else if (const auto* received = event.as<history::MessageReceived>()) {
      if (stored_before_the_run(received->id, history.run.start_offset_or_zero())) continue;
      if (received->rendered) {
        rendering.rendered.push_back(RenderedMessage{received->id, event.t_ms, event_index});
      } else {
        ++rendering.ignored_since_reload;
      }
    }
  }
  return renderings;
}

std::vector<Anomaly> compare_rendering_with_log(const ClientRendering& rendering, const CommittedLogIndex& log,
                                                const history::History& history) {
  const RenderingTally counts = tally(rendering, log, history);
  const auto t_ms_at = [&](std::size_t position) { return rendering.rendered[position].t_ms; };
  std::vector<Anomaly> anomalies;

  for (std::size_t log_position = 0; log_position < log.size(); ++log_position) {
    if (counts.times_rendered[log_position] != 0) continue;
    const history::CommittedMessage& message = log.at(log_position);
    anomalies.push_back({AnomalyKind::lost, rendering.client, message.id, {},
                         "never rendered; stored " + quote_text(message.content) + " (log index " +
                             std::to_string(log_position) + ")",
                         std::nullopt});
  }

  // A duplicate becomes visible when it is rendered the second time.
  for (const auto& [log_position, positions] : counts.repeated_positions) {
    anomalies.push_back({AnomalyKind::duplicated, rendering.client, log.at(log_position).id, positions,
                         "rendered " + std::to_string(positions.size()) + " times, at positions " +
                             positions_text(positions),
                         t_ms_at(positions[1])});
  }
  for (const auto& [id, positions] : counts.unexpected_positions) {
    if (positions.size() < 2) continue;
    anomalies.push_back({AnomalyKind::duplicated, rendering.client, id, positions,
                         "rendered " + std::to_string(positions.size()) + " times, at positions " +
                             positions_text(positions) + " (and never stored)",
                         t_ms_at(positions[1])});
  }

  // Only first renderings of stored ids take part: a duplicate is already reported as one,
  // and an unexpected id has no place in the order.
  std::optional<std::int64_t> highest_id;
  std::size_t highest_position = 0;
  for (std::size_t position = 0; position < rendering.rendered.size(); ++position) {
    const std::int64_t id = rendering.rendered[position].id;
    const std::optional<std::size_t> log_position = log.position_of(id);
    if (!log_position || counts.first_position[*log_position] != position) continue;
    if (highest_id && *highest_id > id) {
      anomalies.push_back({AnomalyKind::reordered, rendering.client, id, {position},
                           "rendered at position " + std::to_string(position) + " after id " +
                               std::to_string(*highest_id) + " (position " + std::to_string(highest_position) + ")",
                           t_ms_at(position)});
    } else {
      highest_id = id;
      highest_position = position;
    }
  }

  for (const auto& [id, positions] : counts.unexpected_positions) {
    anomalies.push_back({AnomalyKind::unexpected, rendering.client, id, positions,
                         "not in the committed log; rendered " +
                             quote_text(content_of(rendering.rendered[positions.front()], history)) +
                             " at position(s) " + positions_text(positions),
                         t_ms_at(positions.front())});
  }

  for (const auto& [log_position, positions] : counts.altered_positions) {
    const history::CommittedMessage& stored = log.at(log_position);
    anomalies.push_back({AnomalyKind::altered, rendering.client, stored.id, positions,
                         "rendered " + quote_text(content_of(rendering.rendered[positions.front()], history)) +
                             " but stored " + quote_text(stored.content) + ", at position(s) " +
                             positions_text(positions),
                         t_ms_at(positions.front())});
  }
  return anomalies;
}

}  // namespace resync::checker
