#include "sim/checker/stored_once.hpp"

#include <map>
#include <set>
#include <string>

#include "sim/checker/quoted_text.hpp"

namespace resync::checker {
namespace {

constexpr std::size_t quoted_text_bytes_max = 80;

struct OffsetSend {
  std::string client;
  std::string content;
};

// The ids one client_offset is stored under, and whether they were found by content.
struct StoredUnder {
  std::vector<std::int64_t> ids;
  bool by_content = false;
};

std::string id_list(const std::vector<std::int64_t>& ids) {
  std::string text;
  for (std::size_t index = 0; index < ids.size(); ++index) {
    if (index > 0) text += index + 1 == ids.size() ? " and " : ", ";
    text += std::to_string(ids[index]);
  }
  return text;
}

}  // namespace

std::vector<Anomaly> check_stored_once(const history::History& history,
                                       const std::vector<history::CommittedMessage>& committed_log) {
  std::map<std::string, OffsetSend> sends_by_offset;
  // Which sends carried each content: an offset, or for a plain send its place in the history.
  std::map<std::string, std::set<std::string>> senders_of_content;
  std::size_t plain_sends = 0;
  for (const history::HistoryEvent& event : history.events) {
    const auto* sent = event.as<history::MessageSent>();
    if (sent == nullptr) continue;
    if (sent->client_offset) {
      sends_by_offset.try_emplace(*sent->client_offset, OffsetSend{sent->client, sent->content});
      senders_of_content[sent->content].insert("offset " + *sent->client_offset);
    } else {
      senders_of_content[sent->content].insert("plain " + std::to_string(plain_sends++));
    }
  }
  // The one offset send a content came from, when no other send had that content.
  std::map<std::string, std::string> offset_of_unique_content;
  for (const auto& [offset, send] : sends_by_offset) {
    if (senders_of_content[send.content].size() == 1) offset_of_unique_content[send.content] = offset;
  }

  std::map<std::string, StoredUnder> stored;
  for (const history::CommittedMessage& message : committed_log) {
    if (message.client_offset) {
      stored[*message.client_offset].ids.push_back(message.id);
      continue;
    }
    const auto found = offset_of_unique_content.find(message.content);
    if (found == offset_of_unique_content.end()) continue;
    StoredUnder& under = stored[found->second];
    under.ids.push_back(message.id);
    under.by_content = true;
  }

  std::vector<Anomaly> anomalies;
  for (const auto& [offset, under] : stored) {
    if (under.ids.size() < 2) continue;
    const auto send = sends_by_offset.find(offset);
    Anomaly anomaly;
    anomaly.kind = AnomalyKind::stored_twice;
    anomaly.id = under.ids[1];
    std::string what = "client_offset " + quote_text(offset, quoted_text_bytes_max);
    if (send != sends_by_offset.end()) {
      anomaly.client = send->second.client;
      what += " (" + send->second.client + "'s " + quote_text(send->second.content, quoted_text_bytes_max) + ")";
    }
    anomaly.detail = what + " is stored under ids " + id_list(under.ids) +
                     (under.by_content ? " (matched by content: the committed log carries no client offsets)" : "") +
                     ": every attempt of a send carries its client_offset, so a retry must be answered as a "
                     "duplicate, not stored again";
    anomalies.push_back(std::move(anomaly));
  }
  return anomalies;
}

}  // namespace resync::checker
