#include "sim/checker/committed_log.hpp"

#include <algorithm>
#include <cstdint>
#include <map>

namespace resync::checker {

std::string_view committed_log_origin_text(CommittedLogOrigin origin) {
  switch (origin) {
    case CommittedLogOrigin::database:
      return "read from the server's database";
    case CommittedLogOrigin::observed_by_runner:
      return "rebuilt by the runner from what clients observed";
    case CommittedLogOrigin::rebuilt_by_checker:
      return "rebuilt by the checker from what clients received (the history has no committed_log line: a guess, "
             "in which a message stored but delivered to nobody is missing)";
    case CommittedLogOrigin::catch_up_audit:
      return "read through the target's catch-up by an audit client";
  }
  return "";
}

namespace {

std::vector<history::CommittedMessage> after_start_offset(std::vector<history::CommittedMessage> messages,
                                                          std::int64_t start_offset) {
  std::erase_if(messages, [&](const history::CommittedMessage& message) {
    return stored_before_the_run(message.id, start_offset);
  });
  return messages;
}

std::string unavailable_text(const history::CommittedLogUnavailable& unavailable) {
  if (unavailable.source == history::CommittedLogSource::catch_up_audit) {
    return "the catch-up audit from offset " + std::to_string(unavailable.from_offset.value_or(0)) +
           " failed: " + unavailable.detail;
  }
  return "the target's database could not be read: " + unavailable.detail;
}

std::string describe(const history::CommittedLog& log, const history::CommittedLog* audit) {
  switch (log.source) {
    case history::CommittedLogSource::database:
      return std::string(committed_log_origin_text(CommittedLogOrigin::database)) +
             (audit != nullptr ? " (compared with a catch-up audit from offset " +
                                     std::to_string(audit->from_offset.value_or(0)) + ")"
                               : std::string());
    case history::CommittedLogSource::catch_up_audit:
      return "catch-up audit from offset " + std::to_string(log.from_offset.value_or(0)) +
             " (the target's own catch-up, read by an audit client after convergence)";
    case history::CommittedLogSource::observed:
      return std::string(committed_log_origin_text(CommittedLogOrigin::observed_by_runner));
  }
  return "";
}

std::string label_of(const history::CommittedLog& log) {
  switch (log.source) {
    case history::CommittedLogSource::database:
      return "database";
    case history::CommittedLogSource::catch_up_audit:
      return "catch-up audit from offset " + std::to_string(log.from_offset.value_or(0));
    case history::CommittedLogSource::observed:
      return "observed by the runner";
  }
  return "";
}

CommittedLogOrigin origin_of(history::CommittedLogSource source) {
  switch (source) {
    case history::CommittedLogSource::database:
      return CommittedLogOrigin::database;
    case history::CommittedLogSource::catch_up_audit:
      return CommittedLogOrigin::catch_up_audit;
    case history::CommittedLogSource::observed:
      return CommittedLogOrigin::observed_by_runner;
  }
  return CommittedLogOrigin::observed_by_runner;
}

}  // namespace

const history::CommittedLog* last_committed_log(const history::History& history, history::CommittedLogSource source) {
  const history::CommittedLog* last = nullptr;
  for (const history::HistoryEvent& event : history.events) {
    if (const auto* log = event.as<history::CommittedLog>(); log && log->source == source) last = log;
  }
  return last;
}

ResolvedCommittedLog resolve_committed_log(const history::History& history) {
  const std::int64_t start_offset = history.run.start_offset_or_zero();
  ResolvedCommittedLog resolved;
  std::string& failures = resolved.unavailable;
  for (const history::HistoryEvent& event : history.events) {
    if (const auto* unavailable = event.as<history::CommittedLogUnavailable>()) {
      failures += (failures.empty() ? "" : "; ") + unavailable_text(*unavailable);
    }
  }

  const history::CommittedLog* audit = last_committed_log(history, history::CommittedLogSource::catch_up_audit);
  const history::CommittedLog* chosen = last_committed_log(history, history::CommittedLogSource::database);
  if (chosen == nullptr) chosen = audit;
  if (chosen == nullptr) chosen = last_committed_log(history, history::CommittedLogSource::observed);
  if (chosen != nullptr) {
    resolved.messages = after_start_offset(chosen->messages, start_offset);
    resolved.origin = origin_of(chosen->source);
    resolved.description = describe(*chosen, chosen == audit ? nullptr : audit);
    resolved.label = label_of(*chosen);
    if (!failures.empty()) resolved.description += "; " + failures;
    return resolved;
  }

  // std::map: the log comes out in id order whatever order ids were observed in.
  std::map<std::int64_t, history::CommittedMessage> observed;
  for (const history::HistoryEvent& event : history.events) {
    if (const auto* received = event.as<history::MessageReceived>(); received && !stored_before_the_run(received->id, start_offset)) {
      observed.try_emplace(received->id, history::CommittedMessage{received->id, received->content, std::nullopt});
    }
  }
  resolved.origin = CommittedLogOrigin::rebuilt_by_checker;
  resolved.label = "rebuilt from what clients received";
  resolved.description =
      failures.empty() ? std::string(committed_log_origin_text(CommittedLogOrigin::rebuilt_by_checker))
                       : "rebuilt by the checker from what clients received (a guess, in which a message stored but "
                         "delivered to nobody is missing), because " + failures;
  resolved.messages.reserve(observed.size());
  for (auto& [id, message] : observed) resolved.messages.push_back(std::move(message));
  return resolved;
}

CommittedLogIndex::CommittedLogIndex(const std::vector<history::CommittedMessage>& messages) : messages_(messages) {
  for (const history::CommittedMessage& message : messages_) {
    contents_.insert(message.content);
    if (message.client_offset) {
      offsets_.insert(*message.client_offset);
    } else {
      contents_without_offset_.insert(message.content);
    }
  }
}

std::optional<std::size_t> CommittedLogIndex::position_of(std::int64_t id) const {
  // Ids are usually dense (1, 2, 3, ...): where that holds the position is a subtraction. The
  // checker asks once per rendered message, and the search was 4 % of a fuzz run's profile.
  if (!messages_.empty() && id >= messages_.front().id) {
    const std::uint64_t guess = static_cast<std::uint64_t>(id) - static_cast<std::uint64_t>(messages_.front().id);
    // The first of its id, as the search below finds it.
    if (guess < messages_.size() && messages_[guess].id == id && (guess == 0 || messages_[guess - 1].id < id)) {
      return static_cast<std::size_t>(guess);
    }
  }
  const auto found = std::lower_bound(
      messages_.begin(), messages_.end(), id,
      [](const history::CommittedMessage& message, std::int64_t wanted) { return message.id < wanted; });
  if (found == messages_.end() || found->id != id) return std::nullopt;
  return static_cast<std::size_t>(found - messages_.begin());
}

bool CommittedLogIndex::holds_send(const std::optional<std::string>& client_offset, const std::string& content) const {
  if (!client_offset) return contents_.contains(content);
  return offsets_.contains(*client_offset) || contents_without_offset_.contains(content);
}

}  // namespace resync::checker
