#include "sim/checker/send_accounting.hpp"

#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "sim/checker/client_connections.hpp"
#include "sim/checker/fault_windows.hpp"
#include "sim/checker/quoted_text.hpp"
#include "sim/checker/send_exposure.hpp"

namespace resync::checker {
namespace {

// (client, has offset, offset or content)
using SendKey = std::tuple<std::string, bool, std::string>;

SendKey key_of(const std::string& client, const std::optional<std::string>& client_offset, const std::string& content) {
  return client_offset ? SendKey{client, true, *client_offset} : SendKey{client, false, content};
}

struct SendRecord {
  std::string client;
  std::string content;
  std::optional<std::string> client_offset;
  std::int64_t first_t_ms = 0;
  std::vector<SendAttempt> attempts;  // one per `sent` line, in order
  bool acknowledged = false;
  std::string abandoned_reason;  // "" unless the client gave up
};

std::string offset_text(const std::optional<std::string>& client_offset) {
  return client_offset ? "client_offset " + quote_text(*client_offset) : "no client_offset";
}

// Sends and acknowledgements in order of first appearance, each once.
class SendLedger {
 public:
  void record_send(const history::MessageSent& sent, std::int64_t t_ms, SendAttempt attempt) {
    find_or_add(sends_, send_index_, sent.client, sent.client_offset, sent.content, t_ms).attempts.push_back(attempt);
  }
  void record_ack(const history::MessageAcked& acked, std::int64_t t_ms) {
    find_or_add(sends_, send_index_, acked.client, acked.client_offset, acked.content, t_ms).acknowledged = true;
    find_or_add(acks_, ack_index_, acked.client, acked.client_offset, acked.content, t_ms);
  }
  void record_abandon(const history::SendAbandoned& abandoned, std::int64_t t_ms) {
    find_or_add(sends_, send_index_, abandoned.client, abandoned.client_offset, abandoned.content, t_ms)
        .abandoned_reason = abandoned.reason;
  }

  const std::vector<SendRecord>& sends() const { return sends_; }
  const std::vector<SendRecord>& acks() const { return acks_; }

 private:
  static SendRecord& find_or_add(std::vector<SendRecord>& records, std::map<SendKey, std::size_t>& index,
                                 const std::string& client, const std::optional<std::string>& client_offset,
                                 const std::string& content, std::int64_t t_ms) {
    const auto [found, added] = index.try_emplace(key_of(client, client_offset, content), records.size());
    if (added) records.push_back(SendRecord{client, content, client_offset, t_ms, {}, false, {}});
    return records[found->second];
  }

  std::vector<SendRecord> sends_;
  std::map<SendKey, std::size_t> send_index_;
  std::vector<SendRecord> acks_;
  std::map<SendKey, std::size_t> ack_index_;
};

// A send that never reached the log: lost when one attempt could not have been eaten,
// sent_unknown when every attempt could have been (the first reason is given).
Anomaly unaccounted_send(const SendRecord& send, const std::string& missing, const SendSurroundings& surroundings) {
  std::string detail = "sent " + quote_text(send.content) + " (" + offset_text(send.client_offset) + ") " +
                       std::to_string(send.attempts.size()) + (send.attempts.size() == 1 ? " time" : " times") +
                       " from " + std::to_string(send.first_t_ms) + " ms, never acknowledged, " + missing;
  if (!send.abandoned_reason.empty()) detail += "; abandoned: " + first_line_of(send.abandoned_reason);
  std::optional<std::string> first_way_it_was_eaten;
  for (std::size_t index = 0; index < send.attempts.size(); ++index) {
    const SendAttempt& attempt = send.attempts[index];
    std::optional<std::string> eaten = what_could_have_eaten(send.client, attempt, surroundings);
    if (!eaten) {
      detail += "; " + (send.attempts.size() == 1 ? std::string() : "attempt " + std::to_string(index + 1) + " ") +
                why_it_counts_as_read(send.client, attempt, surroundings);
      return {AnomalyKind::lost, send.client, std::nullopt, {}, std::move(detail), attempt.t_ms};
    }
    if (!first_way_it_was_eaten) first_way_it_was_eaten = std::move(eaten);
  }
  detail += "; could have been eaten: " + first_way_it_was_eaten.value_or("no attempt was recorded");
  return {AnomalyKind::sent_unknown, send.client, std::nullopt, {}, std::move(detail), send.first_t_ms};
}

}  // namespace

std::vector<Anomaly> check_sends(const history::History& history, const CommittedLogIndex& log,
                                 CommittedLogOrigin log_origin) {
  SendLedger ledger;
  ClientConnections connections;
  std::map<std::int64_t, std::vector<std::int64_t>> server_stops_t_ms;   // by node
  std::map<std::int64_t, std::vector<std::int64_t>> server_starts_t_ms;
  std::map<std::int64_t, bool> node_down;
  bool ended_converged = false;
  // The harness's own stop at the end of a run comes after the run converged: every client
  // was quiet and had the whole log, and a graceful stop commits what the server still
  // holds, so it cannot be what ate a send. Counted as an excuse only when the run did not
  // converge; otherwise the last message of every run could go missing unseen.
  bool checking = false;
  std::map<std::int64_t, std::vector<std::int64_t>> end_of_run_stops_t_ms;  // by node
  for (const history::HistoryEvent& event : history.events) {
    connections.observe(event);
    if (const auto* sent = event.as<history::MessageSent>()) {
      const std::optional<std::size_t> connection = connections.open_connection_of(sent->client);
      const std::int64_t node = connection ? connections.at(*connection).node : 0;
      ledger.record_send(*sent, event.t_ms, SendAttempt{event.t_ms, connection, node_down[node]});
    } else if (const auto* acked = event.as<history::MessageAcked>()) {
      ledger.record_ack(*acked, event.t_ms);
    } else if (const auto* abandoned = event.as<history::SendAbandoned>()) {
      ledger.record_abandon(*abandoned, event.t_ms);
    } else if (const auto* phase = event.as<history::PhaseChanged>(); phase != nullptr && phase->phase == "check") {
      checking = true;
    } else if (const auto* stopped = event.as<history::ServerStopped>()) {
      (checking ? end_of_run_stops_t_ms : server_stops_t_ms)[stopped->node.value_or(0)].push_back(event.t_ms);
      node_down[stopped->node.value_or(0)] = true;
    } else if (const auto* started = event.as<history::ServerStarted>()) {
      server_starts_t_ms[started->node.value_or(0)].push_back(event.t_ms);
      node_down[started->node.value_or(0)] = false;
    } else if (const auto* finished = event.as<history::RunFinished>()) {
      ended_converged = finished->converged;
    }
  }
  if (!ended_converged) {
    for (auto& [node, times] : end_of_run_stops_t_ms) {
      std::vector<std::int64_t>& stops = server_stops_t_ms[node];
      stops.insert(stops.end(), times.begin(), times.end());
    }
  }
  const std::vector<FaultWindow> faults = collect_fault_windows(history);
  const std::int64_t history_end_t_ms = history.events.empty() ? history.run_started_t_ms : history.events.back().t_ms;
  const SendSurroundings surroundings{connections,        faults,           server_stops_t_ms,
                                      server_starts_t_ms, history_end_t_ms, ended_converged};

  const std::string missing = log_origin == CommittedLogOrigin::rebuilt_by_checker
                                  ? "never received by any client"
                                  : "not in the committed log";
  std::vector<Anomaly> anomalies;
  for (const SendRecord& ack : ledger.acks()) {
    if (log.holds_send(ack.client_offset, ack.content)) continue;
    anomalies.push_back({AnomalyKind::acknowledged_not_stored, ack.client, std::nullopt, {},
                         "acknowledged at " + std::to_string(ack.first_t_ms) + " ms: " + quote_text(ack.content) +
                             " (" + offset_text(ack.client_offset) + "), " + missing,
                         ack.first_t_ms});
  }
  for (const SendRecord& send : ledger.sends()) {
    if (send.acknowledged || send.attempts.empty() || log.holds_send(send.client_offset, send.content)) continue;
    anomalies.push_back(unaccounted_send(send, missing, surroundings));
  }
  return anomalies;
}

}  // namespace resync::checker
