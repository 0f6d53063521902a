#include "reports/html/client_model.hpp"

#include <algorithm>
#include <map>

#include "reports/html/report_text.hpp"

namespace resync::reports {
namespace {

using nlohmann::json;

const std::string& rendered_content(const checker::RenderedMessage& message, const history::History& history) {
  return history.events[message.event_index].as<history::MessageReceived>()->content;
}

json optional_json(const std::optional<std::size_t>& value) { return value ? json(*value) : json(nullptr); }
json optional_json(const std::optional<std::int64_t>& value) { return value ? json(*value) : json(nullptr); }
json optional_json(const std::optional<std::string>& value) { return value ? json(*value) : json(nullptr); }

json diff_model(const checker::ClientRendering& client, const checker::CheckResult& result, const history::History& history,
                const ClientListLimits& limits) {
  std::vector<RenderedItem> rendered;
  rendered.reserve(client.rendered.size());
  for (const checker::RenderedMessage& message : client.rendered) rendered.push_back({message.id, rendered_content(message, history)});
  const RenderingDiff diff = diff_rendering_with_log(rendered, result.committed_log, limits.diff);
  json runs = json::array();
  for (const DiffRun& run : diff.runs) {
    runs.push_back({diff_kind_name(run.kind), run.length, optional_json(run.rendered_first), optional_json(run.log_first),
                    run.first_id, run.last_id, optional_json(run.other), optional_json(run.rendered_content),
                    optional_json(run.log_content)});
  }
  json rows_per_kind = json::object();
  for (std::size_t kind = 0; kind < diff_kind_count; ++kind) {
    if (diff.rows_per_kind[kind] > 0) rows_per_kind[std::string(diff_kind_name(static_cast<DiffKind>(kind)))] = diff.rows_per_kind[kind];
  }
  return {{"rendered_total", diff.rendered_total},
          {"log_total", diff.log_total},
          {"runs_total", diff.runs_total},
          {"first_shown", diff.first_shown_run},
          {"first_difference", optional_json(diff.first_difference_run)},
          {"rows_per_kind", std::move(rows_per_kind)},
          {"runs", std::move(runs)}};
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
                       {"diff", diff_model(rendering, result, history, limits)},
                       {"lists", std::move(lists)}});
  }
  return clients;
}

}  // namespace resync::reports
