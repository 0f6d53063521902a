#include "sim/checker/log_agreement.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>

#include "sim/checker/committed_log.hpp"
#include "sim/checker/quoted_text.hpp"

namespace resync::checker {
namespace {

// The t_ms of the history line that holds `log`, so the anomaly points at the audit.
std::optional<std::int64_t> t_ms_of(const history::History& history, const history::CommittedLog* log) {
  for (const history::HistoryEvent& event : history.events) {
    if (event.as<history::CommittedLog>() == log) return event.t_ms;
  }
  return std::nullopt;
}

std::vector<history::CommittedMessage> above(const std::vector<history::CommittedMessage>& messages, std::int64_t floor) {
  std::vector<history::CommittedMessage> kept;
  std::copy_if(messages.begin(), messages.end(), std::back_inserter(kept),
               [&](const history::CommittedMessage& message) { return message.id > floor; });
  return kept;
}

}  // namespace

std::vector<Anomaly> check_catch_up_against_database(const history::History& history) {
  const history::CommittedLog* database = last_committed_log(history, history::CommittedLogSource::database);
  const history::CommittedLog* audit = last_committed_log(history, history::CommittedLogSource::catch_up_audit);
  if (database == nullptr || audit == nullptr) return {};
  const std::int64_t from_offset = audit->from_offset.value_or(0);
  const std::int64_t floor = std::max(history.run.start_offset_or_zero(), from_offset);
  // The reader sorts both by id and rejects repeated ids, so one merge walk finds them all.
  const std::vector<history::CommittedMessage> stored = above(database->messages, floor);
  const std::vector<history::CommittedMessage> served = above(audit->messages, floor);

  std::size_t differing = 0;
  std::optional<std::int64_t> first_id;
  std::string first;
  const auto differs = [&](std::int64_t id, std::string what) {
    if (++differing == 1) {
      first_id = id;
      first = std::move(what);
    }
  };
  std::size_t at_stored = 0;
  std::size_t at_served = 0;
  while (at_stored < stored.size() || at_served < served.size()) {
    const history::CommittedMessage* in_database = at_stored < stored.size() ? &stored[at_stored] : nullptr;
    const history::CommittedMessage* in_catch_up = at_served < served.size() ? &served[at_served] : nullptr;
    if (in_catch_up == nullptr || (in_database != nullptr && in_database->id < in_catch_up->id)) {
      differs(in_database->id, "id " + std::to_string(in_database->id) + " is in the database (" +
                                   quote_text(in_database->content) + ") but not in the catch-up");
      ++at_stored;
    } else if (in_database == nullptr || in_catch_up->id < in_database->id) {
      differs(in_catch_up->id, "id " + std::to_string(in_catch_up->id) + " came in the catch-up (" +
                                   quote_text(in_catch_up->content) + ") but is not in the database");
      ++at_served;
    } else {
      if (in_database->content != in_catch_up->content) {
        differs(in_database->id, "id " + std::to_string(in_database->id) + " is " + quote_text(in_database->content) +
                                     " in the database but " + quote_text(in_catch_up->content) + " in the catch-up");
      }
      ++at_stored;
      ++at_served;
    }
  }
  if (differing == 0) return {};
  const std::string scope = floor > 0 ? " above id " + std::to_string(floor) : std::string();
  std::string detail = "the catch-up audit from offset " + std::to_string(from_offset) + " (" +
                       std::to_string(served.size()) + " rows" + scope + ") and the database (" +
                       std::to_string(stored.size()) + " rows" + scope + ") differ at " + std::to_string(differing) +
                       (differing == 1 ? " id" : " ids") + "; first: " + first;
  return {Anomaly{AnomalyKind::catch_up_disagrees_with_database, "", first_id, {}, std::move(detail), t_ms_of(history, audit)}};
}

}  // namespace resync::checker
