#include "reports/html/timeline_model.hpp"

#include <algorithm>
#include <map>
#include <string_view>

#include "reports/html/report_text.hpp"
#include "sim/checker/fault_windows.hpp"
#include "sim/checker/quoted_text.hpp"

namespace resync::reports {
namespace {

using nlohmann::json;

struct Lanes {
  std::map<std::string, std::size_t, std::less<>> index_of_client;

  explicit Lanes(const checker::CheckResult& result) {
    for (std::size_t index = 0; index < result.clients.size(); ++index) {
      index_of_client.try_emplace(result.clients[index].client, index);
    }
  }
  std::optional<std::size_t> of(std::string_view client) const {
    const auto found = index_of_client.find(client);
    if (client.empty() || found == index_of_client.end()) return std::nullopt;
    return found->second;
  }
};

// One series of point events on one lane: exact items while the scenario is small, bins beyond.
class PointSeries {
 public:
  PointSeries(bool exact, const ScenarioAnalysis& analysis, const TimelineLimits& limits)
      : exact_(exact), bin_ms_(bin_width_ms(analysis, limits)), bins_(exact ? 0 : limits.bins, 0) {}

  static std::int64_t bin_width_ms(const ScenarioAnalysis& analysis, const TimelineLimits& limits) {
    const auto bins = static_cast<std::int64_t>(std::max<std::size_t>(limits.bins, 1));
    return std::max<std::int64_t>(1, (analysis.end_ms + bins - 1) / bins);
  }

  void add(std::int64_t t_ms, json item) {
    if (exact_) {
      items_.push_back(std::move(item));
    } else {
      const auto bin = static_cast<std::size_t>(std::max<std::int64_t>(0, t_ms) / bin_ms_);
      ++bins_[std::min(bin, bins_.size() - 1)];
      any_binned_ = true;
    }
  }
  // Callers skip building hover text for points that will only be counted.
  bool exact() const { return exact_; }

  json to_json() const {
    if (exact_) return {{"exact", items_}};
    if (!any_binned_) return {{"bins", json::array()}};
    // Trailing empty bins are implied.
    std::size_t used = bins_.size();
    while (used > 0 && bins_[used - 1] == 0) --used;
    return {{"bins", std::vector<std::size_t>(bins_.begin(), bins_.begin() + static_cast<std::ptrdiff_t>(used))}};
  }

 private:
  bool exact_;
  std::int64_t bin_ms_;
  std::vector<std::size_t> bins_;
  json items_ = json::array();
  bool any_binned_ = false;
};

struct LaneBuilder {
  json segments = json::array();
  json marks = json::array();
  std::size_t marks_not_shown = 0;
  std::optional<std::int64_t> segment_start;
  std::string segment_state;
  PointSeries sends, deliveries, anomalies;
  // Clusters: [start, end, node] for each session, from its connecting line to the next one.
  json node_spans = json::array();
  std::optional<std::pair<std::int64_t, std::int64_t>> open_node_span;  // start, node

  LaneBuilder(bool exact_sends, bool exact_deliveries, bool exact_anomalies, const ScenarioAnalysis& analysis,
              const TimelineLimits& limits)
      : sends(exact_sends, analysis, limits),
        deliveries(exact_deliveries, analysis, limits),
        anomalies(exact_anomalies, analysis, limits) {}

  void enter(std::string_view state, std::int64_t t_ms) {
    if (segment_start && segment_state == state) return;
    close_segment(t_ms);
    segment_start = t_ms;
    segment_state = std::string(state);
  }
  void close_segment(std::int64_t t_ms) {
    // A state left in the same millisecond (connecting, then connected at once) is not drawn,
    // and a state that resumes where the same state ended extends it.
    if (segment_start && t_ms > *segment_start) {
      if (!segments.empty() && segments.back()[2] == segment_state && segments.back()[1] == *segment_start) {
        segments.back()[1] = t_ms;
      } else {
        segments.push_back({*segment_start, t_ms, segment_state});
      }
    }
    segment_start.reset();
  }
  void mark(std::int64_t t_ms, std::string_view kind, std::string text, const TimelineLimits& limits) {
    if (marks.size() >= limits.marks_per_lane_max) {
      ++marks_not_shown;
      return;
    }
    marks.push_back({t_ms, kind, shorten_text(text, limits.text_bytes_max)});
  }
};

struct ScenarioTotals {
  std::size_t sends = 0;
  std::size_t deliveries = 0;
};

ScenarioTotals count_points(const history::History& history) {
  ScenarioTotals totals;
  for (const history::HistoryEvent& event : history.events) {
    if (event.as<history::MessageSent>() != nullptr) ++totals.sends;
    if (event.as<history::MessageReceived>() != nullptr) ++totals.deliveries;
  }
  return totals;
}

std::string offset_text(const std::optional<std::string>& client_offset) {
  return client_offset ? "offset " + checker::quote_text(*client_offset, 40) : std::string("no offset");
}

// Client lines: connection state, marks, sends and deliveries.
void add_client_event(const history::HistoryEvent& event, LaneBuilder& lane, const TimelineLimits& limits) {
  const std::int64_t t = event.t_ms;
  const std::size_t text_max = limits.text_bytes_max;
  if (const auto* connecting = event.as<history::ClientConnecting>()) {
    lane.enter("connecting", t);
    std::string text = "connecting, attempt " + std::to_string(connecting->attempt);
    if (connecting->node) {
      text += ", to node " + std::to_string(*connecting->node);
      if (lane.open_node_span) lane.node_spans.push_back({lane.open_node_span->first, t, lane.open_node_span->second});
      lane.open_node_span = {t, *connecting->node};
    }
    lane.mark(t, "connecting", text, limits);
  } else if (const auto* connected = event.as<history::ClientConnected>()) {
    lane.enter("connected", t);
    lane.mark(t, "connected",
              std::string(connected->recovered ? "connected, state recovered" : "connected") + " (serverOffset " +
                  json_text(connected->server_offset, 40) + ", socket " + shorten_text(connected->socket_id, 40) + ")",
              limits);
  } else if (const auto* error = event.as<history::ClientConnectError>()) {
    lane.enter("disconnected", t);
    lane.mark(t, "connect_error", "connect error: " + error->message, limits);
  } else if (const auto* disconnected = event.as<history::ClientDisconnected>()) {
    lane.enter("disconnected", t);
    lane.mark(t, "disconnected", "disconnected: " + disconnected->reason, limits);
  } else if (const auto* reloaded = event.as<history::ClientReloaded>()) {
    lane.mark(t, "reloaded",
              "page reloaded" + (reloaded->kept_offset ? ", kept offset " + std::to_string(*reloaded->kept_offset)
                                                       : std::string(", offset forgotten")),
              limits);
  } else if (const auto* abandoned = event.as<history::SendAbandoned>()) {
    lane.mark(t, "abandoned",
              "gave up sending " + checker::quote_text(abandoned->content, text_max / 2) + ": " + abandoned->reason,
              limits);
  } else if (const auto* sent = event.as<history::MessageSent>()) {
    if (!lane.sends.exact()) {
      lane.sends.add(t, nullptr);
      return;
    }
    std::string text = "sent " + checker::quote_text(sent->content, text_max / 2);
    if (sent->acked_delivery) text += " (" + offset_text(sent->client_offset) + ", attempt " + std::to_string(sent->attempt) + ")";
    lane.sends.add(t, json::array({t, std::move(text)}));
  } else if (const auto* received = event.as<history::MessageReceived>()) {
    if (!lane.deliveries.exact()) {
      lane.deliveries.add(t, nullptr);
      return;
    }
    std::string text = "received id " + std::to_string(received->id) + " " +
                       checker::quote_text(received->content, text_max / 2) +
                       (received->rendered ? "" : " (ignored by the client's policy)");
    lane.deliveries.add(t, json::array({t, std::move(text)}));
  }
}

// "node 2: " in a cluster's lines, nothing for a single server.
std::string node_text(const std::optional<std::int64_t>& node) {
  return node ? "node " + std::to_string(*node) + ": " : std::string();
}

// The server lane. In a cluster every node is up or down on its own: each up span carries its
// node (a fourth element, written only when the history names nodes, so single-server
// reports keep their bytes) and the page draws one row per node.
json build_server_lane(const history::History& history, const ScenarioAnalysis& analysis,
                       const TimelineLimits& limits) {
  struct Running {
    std::int64_t start_ms = 0;
    std::int64_t incarnation = 0;
    std::optional<std::int64_t> node;
  };
  json up = json::array();
  json marks = json::array();
  std::map<std::int64_t, Running> running;  // by node (a single server is node 0)
  auto close_span = [&](std::int64_t node, std::int64_t end_ms) {
    const auto found = running.find(node);
    if (found == running.end()) return;
    json span = {found->second.start_ms, end_ms, found->second.incarnation};
    if (found->second.node) span.push_back(*found->second.node);
    up.push_back(std::move(span));
    running.erase(found);
  };
  std::size_t log_lines = 0;
  for (const history::HistoryEvent& event : history.events) {
    if (const auto* started = event.as<history::ServerStarted>()) {
      const std::int64_t node = started->node.value_or(0);
      close_span(node, event.t_ms);
      running[node] = Running{event.t_ms, started->incarnation, started->node};
      marks.push_back({event.t_ms, "server_started", node_text(started->node) + "server started (incarnation " +
                                                        std::to_string(started->incarnation) + ")"});
    } else if (const auto* stopped = event.as<history::ServerStopped>()) {
      close_span(stopped->node.value_or(0), event.t_ms);
      std::string text = node_text(stopped->node) + "server stopped by " + stopped->signal + " (incarnation " +
                         std::to_string(stopped->incarnation) + ")";
      if (!stopped->detail.empty()) text += ": " + checker::first_line_of(stopped->detail);
      marks.push_back({event.t_ms, "server_stopped", shorten_text(text, limits.text_bytes_max * 2)});
    } else if (const auto* fault = event.as<history::ProcessFault>(); fault != nullptr && fault->action != "armed") {
      // Why the server stopped at this instant (fired), or why it did not (not_fired).
      const std::string text = fault->action == "fired" ? fault->signal + " on a trigger: " + fault->detail
                                                        : "process fault " + fault->name + " did not fire: " + fault->detail;
      marks.push_back({event.t_ms, "process_fault", shorten_text(text, limits.text_bytes_max * 2)});
    } else if (const auto* log_line = event.as<history::ServerLog>()) {
      // The server's own words, where they were said; bounded like a client lane's marks.
      if (log_lines >= limits.marks_per_lane_max) continue;
      ++log_lines;
      const std::string_view level = log_line->level == "error"                               ? "error"
                                     : log_line->level == "warning" || log_line->level == "warn" ? "warning"
                                                                                                 : "info";
      marks.push_back({event.t_ms, "server_log_" + std::string(level),
                       shorten_text(node_text(log_line->node) + "server log (" + std::string(level) + ", incarnation " +
                                        std::to_string(log_line->incarnation) + "): " + log_line->text,
                                    limits.text_bytes_max * 2)});
    } else if (const auto* failed = event.as<history::ServerFailed>()) {
      marks.push_back({event.t_ms, "server_failed",
                       shorten_text("server failed to start: " + checker::first_line_of(failed->detail),
                                    limits.text_bytes_max * 2)});
    } else if (const auto* finished = event.as<history::RunFinished>(); finished != nullptr && !finished->converged) {
      marks.push_back({event.t_ms, "anomaly",
                       shorten_text("no convergence: " + checker::first_line_of(finished->detail), limits.text_bytes_max * 2)});
    }
  }
  while (!running.empty()) close_span(running.begin()->first, analysis.end_ms);
  // By start, as a single server's spans are anyway.
  std::stable_sort(up.begin(), up.end(), [](const json& a, const json& b) { return a[0] < b[0]; });
  return {{"up", std::move(up)}, {"marks", std::move(marks)}};
}

struct FaultSpans {
  json spans = json::array();
  std::size_t rows = 0;
};

std::optional<std::size_t> fault_target_lane(const nlohmann::json& detail, const Lanes& lanes) {
  if (!detail.is_object() || !detail.contains("target")) return std::nullopt;
  const json& target = detail["target"];
  if (target.is_object() && target.contains("tag") && target["tag"].is_string()) {
    return lanes.of(target["tag"].get_ref<const std::string&>());
  }
  return std::nullopt;
}

FaultSpans build_fault_spans(const history::History& history, const ScenarioAnalysis& analysis, const Lanes& lanes,
                             const TimelineLimits& limits) {
  struct OpenFault {
    std::int64_t start = 0;
    std::string toxic;
    std::string detail;
    std::optional<std::size_t> target;
    std::vector<std::int64_t> fired;
  };
  struct Span {
    std::int64_t start = 0, end = 0;
    std::string name;
    OpenFault fault;
    bool healed = false;
  };
  std::vector<Span> spans;
  std::map<std::string, OpenFault, std::less<>> open;
  for (const history::HistoryEvent& event : history.events) {
    const auto* fault = event.as<history::FaultChanged>();
    if (fault == nullptr) continue;
    if (fault->action == "start") {
      if (auto previous = open.find(fault->name); previous != open.end()) {
        spans.push_back({previous->second.start, event.t_ms, fault->name, std::move(previous->second), false});
        open.erase(previous);
      }
      // The place goes with the type ("latency on node 1's link to Redis"): the proxy lane
      // holds every link's faults.
      open[fault->name] = {event.t_ms, fault->toxic + checker::fault_place_text(*fault),
                           json_text(fault->detail, limits.text_bytes_max * 2),
                           fault_target_lane(fault->detail, lanes), {}};
    } else if (fault->action == "heal") {
      if (auto found = open.find(fault->name); found != open.end()) {
        spans.push_back({found->second.start, event.t_ms, fault->name, std::move(found->second), true});
        open.erase(found);
      }
    } else if (fault->action == "fired") {
      // The runner writes one `fired` line per connection a triggered fault struck (a reset on
      // every connect attempt is one per attempt); bounded like a lane's marks.
      if (auto found = open.find(fault->name); found != open.end() && found->second.fired.size() < limits.marks_per_lane_max) {
        found->second.fired.push_back(event.t_ms);
      }
    }
  }
  for (auto& [name, fault] : open) spans.push_back({fault.start, analysis.end_ms, name, std::move(fault), false});
  std::stable_sort(spans.begin(), spans.end(), [](const Span& left, const Span& right) { return left.start < right.start; });

  // Overlapping faults go on separate rows of the proxy lane (first row that is free).
  FaultSpans result;
  std::vector<std::int64_t> row_end;
  for (Span& span : spans) {
    std::size_t row = 0;
    while (row < row_end.size() && row_end[row] > span.start) ++row;
    if (row == row_end.size()) row_end.push_back(0);
    row_end[row] = std::max(span.end, span.start + 1);
    result.spans.push_back({span.start, span.end, shorten_text(span.name, limits.text_bytes_max), span.fault.toxic,
                            span.fault.detail, row, span.healed, span.fault.fired,
                            span.fault.target ? static_cast<std::int64_t>(*span.fault.target) : -1});
  }
  result.rows = row_end.size();
  return result;
}

std::string anomaly_text(const checker::Anomaly& anomaly) {
  std::string text(checker::anomaly_kind_name(anomaly.kind));
  if (anomaly.id) text += " id " + std::to_string(*anomaly.id);
  return text + ": " + anomaly.detail;
}

}  // namespace

json build_timeline_model(const history::History& history, const checker::CheckResult& result,
                          const ScenarioAnalysis& analysis, const TimelineLimits& limits) {
  const Lanes lanes(result);
  const ScenarioTotals totals = count_points(history);
  std::vector<LaneBuilder> builders;
  builders.reserve(result.clients.size());
  for (std::size_t index = 0; index < result.clients.size(); ++index) {
    builders.emplace_back(totals.sends <= limits.exact_sends_max, totals.deliveries <= limits.exact_deliveries_max,
                          result.anomalies.size() <= limits.exact_anomalies_max, analysis, limits);
  }

  json phases = json::array();
  for (const history::HistoryEvent& event : history.events) {
    if (const auto* phase = event.as<history::PhaseChanged>()) phases.push_back({event.t_ms, phase->phase});
    if (const auto lane = lanes.of(event.client())) add_client_event(event, builders[*lane], limits);
  }

  json server = build_server_lane(history, analysis, limits);
  for (const checker::Anomaly& anomaly : result.anomalies) {
    const std::int64_t t_ms = anomaly_timeline_t_ms(anomaly, result, analysis);
    const auto lane = lanes.of(anomaly.client);
    if (!lane) continue;  // run-wide (no_convergence): already a mark on the server lane
    PointSeries& series = builders[*lane].anomalies;
    if (!series.exact()) {
      series.add(t_ms, nullptr);
      continue;
    }
    series.add(t_ms, json::array({t_ms, static_cast<int>(anomaly.kind),
                                  shorten_text(anomaly_text(anomaly), limits.text_bytes_max)}));
  }

  json lane_models = json::array();
  std::int64_t cluster_nodes = 0;
  for (std::size_t index = 0; index < builders.size(); ++index) {
    LaneBuilder& lane = builders[index];
    lane.close_segment(analysis.end_ms);
    if (lane.open_node_span) lane.node_spans.push_back({lane.open_node_span->first, analysis.end_ms, lane.open_node_span->second});
    json catch_ups = json::array();
    for (const CatchUpWindow& window : analysis.clients[index].catch_ups) {
      catch_ups.push_back({window.start_t_ms, window.end_t_ms ? json(*window.end_t_ms) : json(nullptr), window.missing});
    }
    lane_models.push_back({{"segments", std::move(lane.segments)},
                           {"marks", std::move(lane.marks)},
                           {"marks_not_shown", lane.marks_not_shown},
                           {"catch_ups", std::move(catch_ups)},
                           {"sends", lane.sends.to_json()},
                           {"deliveries", lane.deliveries.to_json()},
                           {"anomalies", lane.anomalies.to_json()}});
    // Written only for a cluster's runs, so single-server reports keep their bytes.
    if (!lane.node_spans.empty()) {
      for (const json& span : lane.node_spans) cluster_nodes = std::max(cluster_nodes, span[2].get<std::int64_t>() + 1);
      lane_models.back()["nodes"] = std::move(lane.node_spans);
    }
  }

  for (const json& span : server["up"]) {
    if (span.size() > 3) cluster_nodes = std::max(cluster_nodes, span[3].get<std::int64_t>() + 1);
  }
  FaultSpans faults = build_fault_spans(history, analysis, lanes, limits);
  json recoveries = json::array();
  for (const Recovery& recovery : analysis.recoveries) recoveries.push_back({recovery.t_ms, recovery.what});
  json model = {{"end_ms", analysis.end_ms},
          {"bin_ms", PointSeries::bin_width_ms(analysis, limits)},
          {"bins", limits.bins},
          {"phases", std::move(phases)},
          {"recoveries", std::move(recoveries)},
          {"server", std::move(server)},
          {"faults", std::move(faults.spans)},
          {"fault_rows", faults.rows},
          {"lanes", std::move(lane_models)}};
  if (cluster_nodes > 0) model["nodes"] = cluster_nodes;
  return model;
}

}  // namespace resync::reports
