#include "reports/html/scenario_analysis.hpp"

#include <algorithm>
#include <map>
#include <string_view>

namespace resync::reports {
namespace {

std::vector<Recovery> find_recoveries(const history::History& history) {
  std::vector<Recovery> recoveries;
  struct Trouble {
    std::int64_t start_t_ms = 0;
    std::string target_client;
  };
  std::map<std::string, Trouble, std::less<>> active_faults;
  std::int64_t server_stopped_t_ms = 0;
  for (const history::HistoryEvent& event : history.events) {
    if (const auto* fault = event.as<history::FaultChanged>()) {
      if (fault->action == "start") {
        std::string target;
        if (fault->detail.is_object() && fault->detail.contains("target") && fault->detail["target"].is_object() &&
            fault->detail["target"].contains("tag") && fault->detail["target"]["tag"].is_string()) {
          target = fault->detail["target"]["tag"].get<std::string>();
        }
        active_faults[fault->name] = {event.t_ms, std::move(target)};
      } else if (fault->action == "heal") {
        const auto found = active_faults.find(fault->name);
        const Trouble trouble = found != active_faults.end() ? found->second : Trouble{event.t_ms, ""};
        if (found != active_faults.end()) active_faults.erase(found);
        recoveries.push_back({event.t_ms, "heal " + fault->name, trouble.start_t_ms, trouble.target_client});
      }
    } else if (event.as<history::ServerStopped>() != nullptr) {
      server_stopped_t_ms = event.t_ms;
    } else if (const auto* started = event.as<history::ServerStarted>(); started != nullptr && started->incarnation > 1) {
      recoveries.push_back({event.t_ms, "server restarted (incarnation " + std::to_string(started->incarnation) + ")",
                            server_stopped_t_ms, ""});
    }
  }
  return recoveries;
}

// Per client, when it lost its connection or its page: disconnects, connect errors, reloads.
std::vector<std::vector<std::int64_t>> disruption_times(const history::History& history,
                                                        const std::map<std::string, std::size_t, std::less<>>& index_of_client) {
  std::vector<std::vector<std::int64_t>> times(index_of_client.size());
  for (const history::HistoryEvent& event : history.events) {
    if (event.as<history::ClientDisconnected>() == nullptr && event.as<history::ClientConnectError>() == nullptr &&
        event.as<history::ClientReloaded>() == nullptr) {
      continue;
    }
    if (const auto found = index_of_client.find(event.client()); found != index_of_client.end()) {
      times[found->second].push_back(event.t_ms);
    }
  }
  return times;
}

bool disrupted_between(const std::vector<std::int64_t>& times, std::int64_t from_t_ms, std::int64_t to_t_ms) {
  const auto first = std::lower_bound(times.begin(), times.end(), from_t_ms);
  return first != times.end() && *first <= to_t_ms;
}

std::vector<std::string> client_names(const checker::CheckResult& result) {
  std::vector<std::string> names;
  names.reserve(result.clients.size());
  for (const checker::ClientRendering& client : result.clients) names.push_back(client.client);
  return names;
}

void count_connections_and_catch_ups(const history::History& history, const ScenarioAnalysis& analysis,
                                     const std::vector<ClientMessageTimes>& times,
                                     std::vector<ClientAnalysis>& clients) {
  std::map<std::string, std::size_t, std::less<>> index_of_client;
  for (std::size_t index = 0; index < clients.size(); ++index) index_of_client.try_emplace(clients[index].client, index);
  for (const history::HistoryEvent& event : history.events) {
    const auto found = index_of_client.find(event.client());
    if (event.client().empty() || found == index_of_client.end()) continue;
    ClientAnalysis& client = clients[found->second];
    if (const auto* connected = event.as<history::ClientConnected>()) {
      if (client.connects++ > 0) ++client.reconnects;
      const std::size_t missing = missing_at(times[found->second], analysis.stored, event.t_ms);
      if (missing == 0) continue;
      client.catch_ups.push_back({event.t_ms, in_sync_at(times[found->second], analysis.stored, event.t_ms), missing,
                                  connected->server_offset.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                                  connected->recovered});
    } else if (event.as<history::ClientConnectError>() != nullptr) {
      ++client.connect_errors;
    }
  }
}

}  // namespace

ScenarioAnalysis analyze_scenario(const history::History& history, const checker::CheckResult& result) {
  ScenarioAnalysis analysis;
  analysis.end_ms = std::max<std::int64_t>(result.duration_ms, 1);
  const checker::CommittedLogIndex log(result.committed_log);
  analysis.stored = estimate_stored_times(history, log);
  analysis.recoveries = find_recoveries(history);

  const std::vector<std::string> names = client_names(result);
  std::map<std::string, std::size_t, std::less<>> index_of_client;
  for (std::size_t index = 0; index < names.size(); ++index) index_of_client.try_emplace(names[index], index);
  const std::vector<ClientMessageTimes> times = collect_client_message_times(history, names, log, analysis.stored);
  const std::vector<std::int64_t> send_t_ms = first_send_t_ms_by_log_position(history, result.committed_log);
  const std::vector<std::vector<std::int64_t>> disruptions = disruption_times(history, index_of_client);
  analysis.clients.resize(names.size());
  for (std::size_t index = 0; index < names.size(); ++index) {
    ClientAnalysis& client = analysis.clients[index];
    client.client = names[index];
    client.latency = summarize_latencies(delivery_latencies_ms(times[index], send_t_ms));
    for (std::size_t recovery = 0; recovery < analysis.recoveries.size(); ++recovery) {
      const Recovery& moment = analysis.recoveries[recovery];
      const std::int64_t t_ms = moment.t_ms;
      const bool affected = moment.target_client == client.client ||
                            disrupted_between(disruptions[index], moment.trouble_start_t_ms, t_ms) ||
                            missing_at(times[index], analysis.stored, t_ms, t_ms - behind_when_missing_for_ms) > 0;
      const std::size_t missing = affected ? missing_at(times[index], analysis.stored, t_ms) : 0;
      if (missing == 0) {
        ++client.in_sync_at_recoveries;
        continue;
      }
      const std::optional<std::int64_t> synced = in_sync_at(times[index], analysis.stored, t_ms);
      client.resyncs.push_back({recovery, missing, synced ? std::optional(*synced - t_ms) : std::nullopt});
    }
  }
  count_connections_and_catch_ups(history, analysis, times, analysis.clients);
  return analysis;
}

std::int64_t anomaly_timeline_t_ms(const checker::Anomaly& anomaly, const checker::CheckResult& result,
                                   const ScenarioAnalysis& analysis) {
  if (anomaly.t_ms) return *anomaly.t_ms;
  if (anomaly.kind == checker::AnomalyKind::lost && anomaly.id) {
    // The log is sorted by id; a binary search, because building an index per anomaly would
    // cost a whole log's worth of work for each of possibly thousands of lost messages.
    const auto& log = result.committed_log;
    const auto found = std::lower_bound(log.begin(), log.end(), *anomaly.id,
                                        [](const history::CommittedMessage& message, std::int64_t id) { return message.id < id; });
    if (found != log.end() && found->id == *anomaly.id) {
      return analysis.stored.by_log_position[static_cast<std::size_t>(found - log.begin())];
    }
  }
  return analysis.end_ms;
}

}  // namespace resync::reports
