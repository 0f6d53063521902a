#include "sim/checker/committed_log.hpp"

#include <algorithm>
#include <map>

namespace resync::checker {

std::string_view committed_log_origin_text(CommittedLogOrigin origin) {
  switch (origin) {
    case CommittedLogOrigin::database:
      return "read from the server's database";
    case CommittedLogOrigin::observed_by_runner:
      return "rebuilt by the runner from what clients observed";
    case CommittedLogOrigin::rebuilt_by_checker:
      return "rebuilt by the checker from what clients received (the history has no committed_log line)";
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

}  // namespace

ResolvedCommittedLog resolve_committed_log(const history::History& history) {
  const std::int64_t start_offset = history.run.start_offset;
  const history::CommittedLog* written = nullptr;
  for (const history::HistoryEvent& event : history.events) {
    if (const auto* log = event.as<history::CommittedLog>()) written = log;
  }
  if (written != nullptr) {
    return {after_start_offset(written->messages, start_offset), written->source == history::CommittedLogSource::database
                                   ? CommittedLogOrigin::database
                                   : CommittedLogOrigin::observed_by_runner};
  }

  // std::map: the log comes out in id order whatever order ids were observed in.
  std::map<std::int64_t, history::CommittedMessage> observed;
  for (const history::HistoryEvent& event : history.events) {
    if (const auto* received = event.as<history::MessageReceived>(); received && !stored_before_the_run(received->id, start_offset)) {
      observed.try_emplace(received->id, history::CommittedMessage{received->id, received->content, std::nullopt});
    }
  }
  ResolvedCommittedLog rebuilt{{}, CommittedLogOrigin::rebuilt_by_checker};
  rebuilt.messages.reserve(observed.size());
  for (auto& [id, message] : observed) rebuilt.messages.push_back(std::move(message));
  return rebuilt;
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
