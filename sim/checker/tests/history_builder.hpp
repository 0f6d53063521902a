#pragma once
// Hand-written histories for checker tests. Lines go through the real HistoryWriter and
// history reader, so every checker test also exercises the file format both ways.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "sim/history/tests/hand_written_history.hpp"
#include "sim/history/history_writer.hpp"

namespace resync::checker::testing {

class HistoryBuilder {
 public:
  explicit HistoryBuilder(std::vector<std::string> clients, std::string mode = "sim") {
    run_.scenario = "hand-written";
    run_.file = "scenarios/hand-written.json";
    run_.seed = 7;
    run_.mode = std::move(mode);
    run_.clients = std::move(clients);
    run_.replay_sim = "resync sim scenarios/hand-written.json --seed 7";
    run_.replay_live = "resync run scenarios/hand-written.json --seed 7";
  }

  HistoryBuilder& expect(sim::Verdict verdict, std::vector<std::string> anomalies = {},
                         std::vector<std::string> allow = {}) {
    run_.expect = {verdict, std::move(anomalies), std::move(allow)};
    return *this;
  }
  // The server's highest id before the run (a --target URL's older rows).
  HistoryBuilder& start_offset(std::int64_t offset) {
    run_.start_offset = offset;
    return *this;
  }
  HistoryBuilder& scenario(std::string name) {
    run_.scenario = std::move(name);
    return *this;
  }
  HistoryBuilder& event(history::EventPayload payload) {
    events_.push_back(history::HistoryEvent{next_t_ms_, std::move(payload), 0});
    next_t_ms_ += 10;
    return *this;
  }
  // Lets `time_ms` pass before the next line (lines are otherwise 10 ms apart).
  HistoryBuilder& wait_ms(std::int64_t time_ms) {
    next_t_ms_ += time_ms;
    return *this;
  }
  std::int64_t next_t_ms() const { return next_t_ms_; }
  HistoryBuilder& received(const std::string& client, std::int64_t id, std::string content, bool rendered = true) {
    return event(history::MessageReceived{client, id, std::move(content), rendered});
  }
  // Renders ids with the content the committed log built by `log_of` gives them.
  HistoryBuilder& renders(const std::string& client, const std::vector<std::int64_t>& ids) {
    for (std::int64_t id : ids) received(client, id, content_for(id));
    return *this;
  }
  HistoryBuilder& reloaded(const std::string& client) { return event(history::ClientReloaded{client, std::nullopt}); }
  HistoryBuilder& sent(const std::string& client, std::string content, std::optional<std::string> offset,
                       std::int64_t attempt = 1) {
    const bool acked_delivery = offset.has_value();
    return event(history::MessageSent{client, std::move(content), std::move(offset), attempt, acked_delivery});
  }
  HistoryBuilder& acked(const std::string& client, std::string content, std::optional<std::string> offset) {
    return event(history::MessageAcked{client, std::move(content), std::move(offset)});
  }
  HistoryBuilder& fault_started(std::string name) {
    return event(history::FaultChanged{std::move(name), "start", "reset_peer", nlohmann::json::object()});
  }
  // A `connecting` line and, 10 ms later, its `connected` line.
  HistoryBuilder& connects(const std::string& client, std::string socket_id, bool recovered = false) {
    event(history::ClientConnecting{client, 1});
    return event(history::ClientConnected{client, std::move(socket_id), nullptr, recovered});
  }
  HistoryBuilder& disconnected(const std::string& client, std::string reason = "transport close") {
    return event(history::ClientDisconnected{client, std::move(reason)});
  }
  // A fault with the toxic JSON the scenario gave it (type, stream, target, ...).
  HistoryBuilder& fault(std::string name, const nlohmann::json& toxic) {
    return event(history::FaultChanged{std::move(name), "start", toxic.value("type", ""), toxic});
  }
  HistoryBuilder& healed(std::string name) {
    return event(history::FaultChanged{std::move(name), "heal", "", nullptr});
  }
  HistoryBuilder& committed(std::vector<history::CommittedMessage> messages,
                            history::CommittedLogSource source = history::CommittedLogSource::database) {
    return event(history::CommittedLog{std::move(messages), source});
  }
  // The log an audit client read through the target's catch-up from `from_offset`.
  HistoryBuilder& audited(std::vector<history::CommittedMessage> messages, std::int64_t from_offset = 0) {
    return event(history::CommittedLog{std::move(messages), history::CommittedLogSource::catch_up_audit, from_offset});
  }
  HistoryBuilder& log_unavailable(history::CommittedLogSource source, std::string detail,
                                  std::optional<std::int64_t> from_offset = 0) {
    return event(history::CommittedLogUnavailable{source, from_offset, std::move(detail)});
  }
  // A committed log of `ids` with the contents content_for(id) and offsets "o<id>".
  HistoryBuilder& committed_ids(const std::vector<std::int64_t>& ids) {
    std::vector<history::CommittedMessage> messages;
    for (std::int64_t id : ids) messages.push_back({id, content_for(id), "o" + std::to_string(id)});
    return committed(std::move(messages));
  }
  HistoryBuilder& finished(bool converged = true, std::string detail = "") {
    return event(history::RunFinished{converged, std::move(detail)});
  }

  static std::string content_for(std::int64_t id) { return "message-" + std::to_string(id); }

  std::string text() const { return history::history_text(run_, events_); }

  history::History build() const { return history::testing::parse_hand_written(text()); }

 private:
  history::RunStarted run_;
  std::vector<history::HistoryEvent> events_;
  std::int64_t next_t_ms_ = 10;
};

}  // namespace resync::checker::testing
