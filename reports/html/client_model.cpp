#include "reports/html/client_model.hpp"

#include <algorithm>
#include <map>

#include "reports/html/report_text.hpp"
#include "sim/checker/quoted_text.hpp"

namespace resync::reports {
namespace {

using nlohmann::json;

const std::string& rendered_content(const checker::RenderedMessage& message, const history::History& history) {
  return history.events[message.event_index].as<history::MessageReceived>()->content;
}

struct Divergence {
  std::optional<std::size_t> position;
  std::string text;
};

Divergence find_first_divergence(const checker::ClientRendering& client, const checker::CheckResult& result,
                                 const history::History& history) {
  const auto& rendered = client.rendered;
  const auto& log = result.committed_log;
  const std::size_t length = std::max(rendered.size(), log.size());
  for (std::size_t position = 0; position < length; ++position) {
    const std::string at = "position " + std::to_string(position) + ": ";
    if (position >= rendered.size()) {
      return {position, at + "the rendered list ends (" + std::to_string(rendered.size()) + " messages) where the log has id " +
                            std::to_string(log[position].id) + " and " + std::to_string(log.size() - position) +
                            " more"};
    }
    if (position >= log.size()) {
      return {position, at + "the log ends (" + std::to_string(log.size()) + " messages) but the client rendered id " +
                            std::to_string(rendered[position].id) + " and " +
                            std::to_string(rendered.size() - position - 1) + " more"};
    }
    if (rendered[position].id != log[position].id) {
      return {position, at + "rendered id " + std::to_string(rendered[position].id) + " where the log has id " +
                            std::to_string(log[position].id)};
    }
    if (rendered_content(rendered[position], history) != log[position].content) {
      return {position, at + "id " + std::to_string(log[position].id) + " rendered as " +
                            checker::quote_text(rendered_content(rendered[position], history)) + ", stored as " +
                            checker::quote_text(log[position].content)};
    }
  }
  return {std::nullopt, "the rendered list equals the committed log"};
}

json comparison_model(const checker::ClientRendering& client, const checker::CheckResult& result,
                      const history::History& history, const ClientListLimits& limits) {
  const Divergence divergence = find_first_divergence(client, result, history);
  const std::size_t length = std::max(client.rendered.size(), result.committed_log.size());
  std::size_t start = 0;
  std::size_t end = length;
  if (length > limits.whole_comparison_max) {
    if (divergence.position) start = *divergence.position - std::min(*divergence.position, limits.comparison_rows_before);
    end = std::min(length, start + limits.comparison_rows_max);
  }
  json rows = json::array();
  for (std::size_t position = start; position < end; ++position) {
    json row = json::array({nullptr, nullptr, nullptr, nullptr});
    if (position < client.rendered.size()) {
      row[0] = client.rendered[position].id;
      row[1] = shorten_text(rendered_content(client.rendered[position], history), limits.content_bytes_max);
    }
    if (position < result.committed_log.size()) {
      row[2] = result.committed_log[position].id;
      row[3] = shorten_text(result.committed_log[position].content, limits.content_bytes_max);
    }
    rows.push_back(std::move(row));
  }
  return {{"first_divergence", divergence.position ? json(*divergence.position) : json(nullptr)},
          {"divergence", divergence.text},
          {"start", start},
          {"rendered_total", client.rendered.size()},
          {"log_total", result.committed_log.size()},
          {"rows", std::move(rows)}};
}

}  // namespace

json latency_model(const LatencySummary& latency) {
  json histogram = json::array();
  for (const LatencyBucket& bucket : latency.histogram) histogram.push_back({bucket.lower_ms, bucket.upper_ms, bucket.count});
  return {{"count", latency.count}, {"p50", latency.p50_ms},  {"p90", latency.p90_ms},
          {"p99", latency.p99_ms},  {"max", latency.max_ms},  {"histogram", std::move(histogram)}};
}

json build_client_models(const history::History& history, const checker::CheckResult& result,
                         const ScenarioAnalysis& analysis, const ClientListLimits& limits) {
  std::map<std::string, std::size_t, std::less<>> index_of_client;
  for (std::size_t index = 0; index < result.clients.size(); ++index) index_of_client.try_emplace(result.clients[index].client, index);

  // Per client and kind: the total, and the first items.
  std::vector<std::vector<std::size_t>> totals(result.clients.size(),
                                               std::vector<std::size_t>(checker::all_anomaly_kinds.size(), 0));
  std::vector<std::vector<json>> items(result.clients.size(), std::vector<json>(checker::all_anomaly_kinds.size(), json::array()));
  for (const checker::Anomaly& anomaly : result.anomalies) {
    const auto found = index_of_client.find(anomaly.client);
    if (anomaly.client.empty() || found == index_of_client.end()) continue;
    const auto kind = static_cast<std::size_t>(anomaly.kind);
    if (totals[found->second][kind]++ < limits.anomaly_items_per_kind_max) {
      items[found->second][kind].push_back({anomaly.id ? json(*anomaly.id) : json(nullptr), anomaly.detail});
    }
  }

  json clients = json::array();
  for (std::size_t index = 0; index < result.clients.size(); ++index) {
    const checker::ClientRendering& rendering = result.clients[index];
    const ClientAnalysis& analyzed = analysis.clients[index];
    json lists = json::object();
    for (checker::AnomalyKind kind : checker::all_anomaly_kinds) {
      const auto kind_index = static_cast<std::size_t>(kind);
      if (totals[index][kind_index] == 0) continue;
      lists[std::string(checker::anomaly_kind_name(kind))] = {{"total", totals[index][kind_index]},
                                                               {"items", std::move(items[index][kind_index])}};
    }
    json catch_ups = json::array();
    for (const CatchUpWindow& window : analyzed.catch_ups) {
      catch_ups.push_back({window.start_t_ms, window.end_t_ms ? json(*window.end_t_ms) : json(nullptr), window.missing,
                           shorten_text(window.server_offset, 60), window.recovered});
    }
    json resyncs = json::array();
    for (const ClientResync& resync : analyzed.resyncs) {
      resyncs.push_back({resync.recovery_index, resync.missing, resync.after_ms ? json(*resync.after_ms) : json(nullptr)});
    }
    clients.push_back({{"name", rendering.client},
                       {"rendered", rendering.rendered.size()},
                       {"ignored", rendering.ignored_since_reload},
                       {"reloads", rendering.reload_count},
                       {"connects", analyzed.connects},
                       {"reconnects", analyzed.reconnects},
                       {"connect_errors", analyzed.connect_errors},
                       {"counts", totals[index]},
                       {"latency", latency_model(analyzed.latency)},
                       {"catch_ups", std::move(catch_ups)},
                       {"resyncs", std::move(resyncs)},
                       {"in_sync_at_recoveries", analyzed.in_sync_at_recoveries},
                       {"comparison", comparison_model(rendering, result, history, limits)},
                       {"lists", std::move(lists)}});
  }
  return clients;
}

}  // namespace resync::reports
