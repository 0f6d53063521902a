#include "sim/checker/send_accounting.hpp"

#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "sim/checker/quoted_text.hpp"

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
  std::size_t attempts = 0;
  bool acknowledged = false;
  std::string abandoned_reason;  // "" unless the client gave up
};

std::string offset_text(const std::optional<std::string>& client_offset) {
  return client_offset ? "client_offset " + quote_text(*client_offset) : "no client_offset";
}

// Sends and acknowledgements in order of first appearance, each once.
class SendLedger {
 public:
  void record_send(const history::MessageSent& sent, std::int64_t t_ms) {
    SendRecord& record = find_or_add(sends_, send_index_, sent.client, sent.client_offset, sent.content, t_ms);
    ++record.attempts;
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
    if (added) records.push_back(SendRecord{client, content, client_offset, t_ms, 0, false, {}});
    return records[found->second];
  }

  std::vector<SendRecord> sends_;
  std::map<SendKey, std::size_t> send_index_;
  std::vector<SendRecord> acks_;
  std::map<SendKey, std::size_t> ack_index_;
};

}  // namespace

std::vector<Anomaly> check_sends(const history::History& history, const CommittedLogIndex& log,
                                 CommittedLogOrigin log_origin) {
  SendLedger ledger;
  for (const history::HistoryEvent& event : history.events) {
    if (const auto* sent = event.as<history::MessageSent>()) {
      ledger.record_send(*sent, event.t_ms);
    } else if (const auto* acked = event.as<history::MessageAcked>()) {
      ledger.record_ack(*acked, event.t_ms);
    } else if (const auto* abandoned = event.as<history::SendAbandoned>()) {
      ledger.record_abandon(*abandoned, event.t_ms);
    }
  }

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
    if (send.acknowledged || send.attempts == 0 || log.holds_send(send.client_offset, send.content)) continue;
    std::string detail = "sent " + quote_text(send.content) + " (" + offset_text(send.client_offset) + ") " +
                         std::to_string(send.attempts) + (send.attempts == 1 ? " time" : " times") + " from " +
                         std::to_string(send.first_t_ms) + " ms, never acknowledged, " + missing;
    if (!send.abandoned_reason.empty()) detail += "; abandoned: " + first_line_of(send.abandoned_reason);
    anomalies.push_back(
        {AnomalyKind::sent_unknown, send.client, std::nullopt, {}, std::move(detail), send.first_t_ms});
  }
  return anomalies;
}

}  // namespace resync::checker
