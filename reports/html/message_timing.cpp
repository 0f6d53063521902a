#include "reports/html/message_timing.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <string_view>
#include <unordered_map>

namespace resync::reports {
namespace {

// Lookups only (never iterated), so hash order cannot reach the output.
using PositionByText = std::unordered_map<std::string_view, std::size_t>;

void keep_earliest(std::int64_t& current, std::int64_t candidate) { current = std::min(current, candidate); }

struct SendLookup {
  PositionByText by_offset;
  PositionByText by_content;

  explicit SendLookup(const checker::CommittedLogIndex& log) {
    for (std::size_t position = 0; position < log.size(); ++position) {
      const history::CommittedMessage& message = log.at(position);
      if (message.client_offset) by_offset.try_emplace(*message.client_offset, position);
      by_content.try_emplace(message.content, position);
    }
  }

  std::optional<std::size_t> find(const std::optional<std::string>& client_offset, const std::string& content) const {
    if (client_offset) {
      if (const auto found = by_offset.find(*client_offset); found != by_offset.end()) return found->second;
    }
    if (const auto found = by_content.find(content); found != by_content.end()) return found->second;
    return std::nullopt;
  }
};

std::int64_t quantile(const std::vector<std::int64_t>& sorted, double fraction) {
  const auto rank = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

// 0, 1, 2, 5, 10, 20, 50, ...
std::int64_t next_bucket_bound(std::int64_t bound) {
  if (bound == 0) return 1;
  std::int64_t decade = 1;
  while (decade * 10 <= bound) decade *= 10;
  const std::int64_t leading = bound / decade;
  return leading == 1 ? 2 * decade : leading == 2 ? 5 * decade : 10 * decade;
}

}  // namespace

std::size_t StoredTimes::existing_before(std::int64_t t_ms) const {
  return static_cast<std::size_t>(std::lower_bound(stored_order_t_ms.begin(), stored_order_t_ms.end(), t_ms) -
                                  stored_order_t_ms.begin());
}

StoredTimes estimate_stored_times(const history::History& history, const checker::CommittedLogIndex& log) {
  StoredTimes stored;
  // A receive or an acknowledgement proves the message was stored by then; a send only that
  // it could have been, so sends count only for messages nobody ever saw or acknowledged.
  std::vector<std::int64_t> observed_t_ms(log.size(), never_t_ms);
  std::vector<std::int64_t> sent_t_ms(log.size(), never_t_ms);
  const SendLookup sends(log);
  for (const history::HistoryEvent& event : history.events) {
    if (const auto* received = event.as<history::MessageReceived>()) {
      if (const auto position = log.position_of(received->id)) keep_earliest(observed_t_ms[*position], event.t_ms);
    } else if (const auto* acked = event.as<history::MessageAcked>()) {
      if (const auto position = sends.find(acked->client_offset, acked->content)) {
        keep_earliest(observed_t_ms[*position], event.t_ms);
      }
    } else if (const auto* sent = event.as<history::MessageSent>()) {
      if (const auto position = sends.find(sent->client_offset, sent->content)) {
        keep_earliest(sent_t_ms[*position], event.t_ms);
      }
    }
  }
  stored.by_log_position.resize(log.size());
  for (std::size_t position = 0; position < log.size(); ++position) {
    stored.by_log_position[position] = observed_t_ms[position] != never_t_ms ? observed_t_ms[position]
                                       : sent_t_ms[position] != never_t_ms   ? sent_t_ms[position]
                                                                             : 0;
  }
  stored.log_positions_in_stored_order.resize(log.size());
  std::iota(stored.log_positions_in_stored_order.begin(), stored.log_positions_in_stored_order.end(), 0);
  std::stable_sort(stored.log_positions_in_stored_order.begin(), stored.log_positions_in_stored_order.end(),
                   [&](std::size_t left, std::size_t right) {
                     return stored.by_log_position[left] < stored.by_log_position[right];
                   });
  stored.stored_order_t_ms.reserve(log.size());
  for (std::size_t position : stored.log_positions_in_stored_order) {
    stored.stored_order_t_ms.push_back(stored.by_log_position[position]);
  }
  return stored;
}

std::vector<ClientMessageTimes> collect_client_message_times(const history::History& history,
                                                             const std::vector<std::string>& clients,
                                                             const checker::CommittedLogIndex& log,
                                                             const StoredTimes& stored) {
  const auto new_life = [&](std::int64_t start_t_ms) {
    ClientMessageTimes::PageLife life;
    life.start_t_ms = start_t_ms;
    life.first_render_t_ms.assign(log.size(), never_t_ms);
    return life;
  };
  std::vector<ClientMessageTimes> times(clients.size());
  std::map<std::string, std::size_t, std::less<>> index_of_client;
  for (std::size_t index = 0; index < clients.size(); ++index) {
    index_of_client.try_emplace(clients[index], index);
    times[index].lives.push_back(new_life(std::numeric_limits<std::int64_t>::min()));
    times[index].first_render_ever_t_ms.assign(log.size(), never_t_ms);
  }
  for (const history::HistoryEvent& event : history.events) {
    const std::string_view client = event.client();
    if (client.empty()) continue;
    const auto found = index_of_client.find(client);
    if (found == index_of_client.end()) continue;
    ClientMessageTimes& client_times = times[found->second];
    if (event.as<history::ClientReloaded>() != nullptr) {
      client_times.lives.push_back(new_life(event.t_ms));
    } else if (const auto* received = event.as<history::MessageReceived>(); received != nullptr && received->rendered) {
      if (const auto position = log.position_of(received->id)) {
        keep_earliest(client_times.lives.back().first_render_t_ms[*position], event.t_ms);
        keep_earliest(client_times.first_render_ever_t_ms[*position], event.t_ms);
      }
    }
  }
  for (ClientMessageTimes& client_times : times) {
    for (ClientMessageTimes::PageLife& life : client_times.lives) {
      life.complete_prefix_t_ms.reserve(log.size());
      std::int64_t complete_t_ms = std::numeric_limits<std::int64_t>::min();
      for (std::size_t position : stored.log_positions_in_stored_order) {
        complete_t_ms = std::max(complete_t_ms, life.first_render_t_ms[position]);
        life.complete_prefix_t_ms.push_back(complete_t_ms);
      }
    }
  }
  return times;
}

namespace {

std::size_t life_at(const ClientMessageTimes& client, std::int64_t t_ms) {
  std::size_t life = 0;
  while (life + 1 < client.lives.size() && client.lives[life + 1].start_t_ms <= t_ms) ++life;
  return life;
}

}  // namespace

std::size_t missing_at(const ClientMessageTimes& client, const StoredTimes& stored, std::int64_t t_ms) {
  return missing_at(client, stored, t_ms, t_ms);
}

std::size_t missing_at(const ClientMessageTimes& client, const StoredTimes& stored, std::int64_t t_ms,
                       std::int64_t existed_before_t_ms) {
  const ClientMessageTimes::PageLife& life = client.lives[life_at(client, t_ms)];
  const std::size_t existing = stored.existing_before(std::min(existed_before_t_ms, t_ms));
  std::size_t missing = 0;
  for (std::size_t rank = 0; rank < existing; ++rank) {
    if (life.first_render_t_ms[stored.log_positions_in_stored_order[rank]] >= t_ms) ++missing;
  }
  return missing;
}

std::optional<std::int64_t> in_sync_at(const ClientMessageTimes& client, const StoredTimes& stored, std::int64_t t_ms) {
  const std::size_t existing = stored.existing_before(t_ms);
  if (existing == 0) return t_ms;
  for (std::size_t life = life_at(client, t_ms); life < client.lives.size(); ++life) {
    const std::int64_t complete_t_ms = client.lives[life].complete_prefix_t_ms[existing - 1];
    if (complete_t_ms != never_t_ms) return std::max(complete_t_ms, t_ms);
  }
  return std::nullopt;
}

std::vector<std::int64_t> first_send_t_ms_by_log_position(const history::History& history,
                                                          const std::vector<history::CommittedMessage>& log) {
  std::unordered_map<std::string_view, std::int64_t> first_send_by_content;
  for (const history::HistoryEvent& event : history.events) {
    if (const auto* sent = event.as<history::MessageSent>()) first_send_by_content.try_emplace(sent->content, event.t_ms);
  }
  std::vector<std::int64_t> send_t_ms(log.size(), never_t_ms);
  for (std::size_t position = 0; position < log.size(); ++position) {
    if (const auto found = first_send_by_content.find(log[position].content); found != first_send_by_content.end()) {
      send_t_ms[position] = found->second;
    }
  }
  return send_t_ms;
}

std::vector<std::int64_t> delivery_latencies_ms(const ClientMessageTimes& client,
                                                const std::vector<std::int64_t>& send_t_ms_by_log_position) {
  std::vector<std::int64_t> latencies;
  for (std::size_t position = 0; position < send_t_ms_by_log_position.size(); ++position) {
    const std::int64_t rendered = client.first_render_ever_t_ms[position];
    const std::int64_t sent = send_t_ms_by_log_position[position];
    if (rendered == never_t_ms || sent == never_t_ms) continue;
    // A message can be rendered before its send line in a live history (two threads write
    // it); a negative latency would be noise, zero is the honest floor.
    latencies.push_back(std::max<std::int64_t>(0, rendered - sent));
  }
  return latencies;
}

LatencySummary summarize_latencies(std::vector<std::int64_t> latencies_ms) {
  LatencySummary summary;
  summary.count = latencies_ms.size();
  if (latencies_ms.empty()) return summary;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  summary.p50_ms = quantile(latencies_ms, 0.50);
  summary.p90_ms = quantile(latencies_ms, 0.90);
  summary.p99_ms = quantile(latencies_ms, 0.99);
  summary.max_ms = latencies_ms.back();
  auto next = latencies_ms.begin();
  for (std::int64_t lower = 0; next != latencies_ms.end();) {
    const std::int64_t upper = next_bucket_bound(lower);
    const auto end = std::lower_bound(next, latencies_ms.end(), upper);
    summary.histogram.push_back({lower, upper, static_cast<std::size_t>(end - next)});
    next = end;
    lower = upper;
  }
  return summary;
}

}  // namespace resync::reports
