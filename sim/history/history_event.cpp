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

std::string_view committed_log_source_name(CommittedLogSource source) {
  switch (source) {
    case CommittedLogSource::database:
      return "database";
    case CommittedLogSource::observed:
      return "observed";
  }
  return "database";
}

}  // namespace resync::history
