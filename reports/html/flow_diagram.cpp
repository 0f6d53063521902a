#include "reports/html/flow_diagram.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/html/report_text.hpp"

namespace resync::reports {
namespace {

using nlohmann::json;

// Which committed message a send or a delivery is about.
class MessageLookup {
 public:
  explicit MessageLookup(const std::vector<history::CommittedMessage>& log) {
    for (std::size_t position = 0; position < log.size(); ++position) {
      const history::CommittedMessage& message = log[position];
      by_id_.try_emplace(message.id, position);
      if (message.client_offset) by_offset_.try_emplace(*message.client_offset, position);
      by_content_.try_emplace(message.content, position);
    }
  }
  std::int64_t of_id(std::int64_t id) const { return found(by_id_, id); }
  // As the checker matches a send: by its client offset, else by its content.
  std::int64_t of_send(const history::MessageSent& sent) const {
    if (sent.client_offset) {
      if (const std::int64_t position = found(by_offset_, *sent.client_offset); position >= 0) return position;
    }
    return found(by_content_, sent.content);
  }

 private:
  template <typename Map, typename Key>
  static std::int64_t found(const Map& map, const Key& key) {
    const auto entry = map.find(key);
    return entry == map.end() ? -1 : static_cast<std::int64_t>(entry->second);
  }
  std::map<std::int64_t, std::size_t> by_id_;
  std::map<std::string, std::size_t, std::less<>> by_offset_;
  std::map<std::string, std::size_t, std::less<>> by_content_;
};

// Counts per client in equal time bins, for the zoomed-out view.
class LaneBins {
 public:
  LaneBins(std::size_t clients, std::size_t bins, std::int64_t bin_ms)
      : bin_ms_(bin_ms), counts_(clients, std::vector<std::size_t>(bins, 0)) {}
  void add(std::size_t client, std::int64_t t_ms) {
    std::vector<std::size_t>& lane = counts_[client];
    if (lane.empty()) return;
    const auto bin = static_cast<std::size_t>(std::max<std::int64_t>(0, t_ms) / bin_ms_);
    ++lane[std::min(bin, lane.size() - 1)];
  }
  json to_json() const {
    json lanes = json::array();
    for (const std::vector<std::size_t>& lane : counts_) {
      std::size_t used = lane.size();  // trailing empty bins are implied
      while (used > 0 && lane[used - 1] == 0) --used;
      lanes.push_back(std::vector<std::size_t>(lane.begin(), lane.begin() + static_cast<std::ptrdiff_t>(used)));
    }
    return lanes;
  }

 private:
  std::int64_t bin_ms_;
  std::vector<std::vector<std::size_t>> counts_;
};

int log_level_index(std::string_view level) {
  if (level == "error") return 2;
  if (level == "warning" || level == "warn") return 1;
  return 0;
}

std::size_t count_message_events(const history::History& history) {
  std::size_t events = 0;
  for (const history::HistoryEvent& event : history.events) {
    if (event.as<history::MessageSent>() != nullptr || event.as<history::MessageReceived>() != nullptr) ++events;
  }
  return events;
}

}  // namespace

json build_flow_diagram(const history::History& history, const checker::CheckResult& result,
                        const ScenarioAnalysis& analysis, const FlowDiagramLimits& limits) {
  std::map<std::string, std::size_t, std::less<>> client_index;
  json clients = json::array();
  for (std::size_t index = 0; index < result.clients.size(); ++index) {
    client_index.try_emplace(result.clients[index].client, index);
    clients.push_back(result.clients[index].client);
  }
  const MessageLookup lookup(result.committed_log);
  const bool exact = count_message_events(history) <= limits.exact_events_max;
  const auto bin_count = static_cast<std::int64_t>(std::max<std::size_t>(limits.bins, 1));
  const std::int64_t bin_ms = std::max<std::int64_t>(1, (analysis.end_ms + bin_count - 1) / bin_count);
  LaneBins send_bins(result.clients.size(), limits.bins, bin_ms);
  LaneBins live_bins(result.clients.size(), limits.bins, bin_ms);
  LaneBins catch_up_bins(result.clients.size(), limits.bins, bin_ms);

  std::vector<std::int64_t> sends;
  std::vector<std::int64_t> deliveries;
  std::vector<std::optional<std::int64_t>> connected_at(result.clients.size());
  json server_log = json::array();
  std::size_t server_log_not_shown = 0;
  json firings = json::array();
  std::size_t firings_not_shown = 0;
  const std::vector<std::int64_t>& stored_t_ms = analysis.stored.by_log_position;

  for (const history::HistoryEvent& event : history.events) {
    const std::int64_t t = event.t_ms;
    if (const auto* log_line = event.as<history::ServerLog>()) {
      if (server_log.size() >= limits.server_log_lines_max) {
        ++server_log_not_shown;
        continue;
      }
      server_log.push_back({t, log_level_index(log_line->level), shorten_text(log_line->text, limits.text_bytes_max),
                            log_line->incarnation});
      continue;
    }
    if (const auto* fault = event.as<history::FaultChanged>(); fault != nullptr && fault->action == "fired") {
      if (firings.size() >= limits.firings_max) {
        ++firings_not_shown;
        continue;
      }
      const std::string detail = fault->detail.is_string() ? shorten_text(fault->detail.get_ref<const std::string&>(), limits.text_bytes_max)
                                                           : json_text(fault->detail, limits.text_bytes_max);
      firings.push_back({t, shorten_text(fault->name, limits.text_bytes_max), detail});
      continue;
    }
    const auto client = client_index.find(event.client());
    if (event.client().empty() || client == client_index.end()) continue;
    const std::size_t lane = client->second;
    if (event.as<history::ClientConnected>() != nullptr) {
      connected_at[lane] = t;
    } else if (const auto* sent = event.as<history::MessageSent>()) {
      send_bins.add(lane, t);
      if (exact) sends.insert(sends.end(), {t, static_cast<std::int64_t>(lane), lookup.of_send(*sent)});
    } else if (const auto* received = event.as<history::MessageReceived>()) {
      const std::int64_t position = lookup.of_id(received->id);
      const bool catch_up = position >= 0 && connected_at[lane] &&
                            stored_t_ms[static_cast<std::size_t>(position)] < *connected_at[lane];
      (catch_up ? catch_up_bins : live_bins).add(lane, t);
      if (exact) deliveries.insert(deliveries.end(), {t, static_cast<std::int64_t>(lane), position, catch_up ? 1 : 0});
    }
  }

  json ids = json::array();
  for (const history::CommittedMessage& message : result.committed_log) ids.push_back(message.id);
  return {{"end_ms", analysis.end_ms},
          {"clients", std::move(clients)},
          {"ids", std::move(ids)},
          {"stores", stored_t_ms},
          {"exact", exact},
          {"sends", std::move(sends)},
          {"deliveries", std::move(deliveries)},
          {"bins", {{"count", limits.bins},
                    {"bin_ms", bin_ms},
                    {"sends", send_bins.to_json()},
                    {"live", live_bins.to_json()},
                    {"catch_up", catch_up_bins.to_json()}}},
          {"server_log", std::move(server_log)},
          {"server_log_not_shown", server_log_not_shown},
          {"firings", std::move(firings)},
          {"firings_not_shown", firings_not_shown}};
}

}  // namespace resync::reports
