#include "sim/history/history_event.hpp"

#include <type_traits>

namespace resync::history {

std::string_view HistoryEvent::type_name() const {
  return std::visit(
      [](const auto& event) -> std::string_view {
        using Payload = std::decay_t<decltype(event)>;
        if constexpr (std::is_same_v<Payload, UnrecognizedEvent>) {
          return event.type;
        } else {
          return Payload::type_name;
        }
      },
      payload);
}

std::string_view HistoryEvent::client() const {
  return std::visit(
      [](const auto& event) -> std::string_view {
        if constexpr (requires { event.client; }) {
          return event.client;
        } else {
          return {};
        }
      },
      payload);
}

bool operator==(const RunStarted& left, const RunStarted& right) {
  return left.scenario == right.scenario && left.file == right.file && left.seed == right.seed &&
         left.mode == right.mode && left.target == right.target && left.delivery == right.delivery &&
         left.expect.verdict == right.expect.verdict && left.expect.anomalies == right.expect.anomalies &&
         left.expect.allow == right.expect.allow && left.replay_live == right.replay_live &&
         left.replay_sim == right.replay_sim && left.clients == right.clients &&
         left.start_offset == right.start_offset && left.description == right.description &&
         left.converge_within_ms == right.converge_within_ms;
}

std::string_view committed_log_source_name(CommittedLogSource source) {
  switch (source) {
    case CommittedLogSource::database:
      return "database";
    case CommittedLogSource::observed:
      return "observed";
    case CommittedLogSource::catch_up_audit:
      return "catch_up_audit";
  }
  return "database";
}

std::optional<CommittedLogSource> committed_log_source_from_name(std::string_view name) {
  for (CommittedLogSource source :
       {CommittedLogSource::database, CommittedLogSource::observed, CommittedLogSource::catch_up_audit}) {
    if (committed_log_source_name(source) == name) return source;
  }
  return std::nullopt;
}

}  // namespace resync::history
