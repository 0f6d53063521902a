#include "sim/checker/recovery_continuity.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "sim/checker/quoted_text.hpp"

namespace resync::checker {
namespace {

// One client's memory of what it received, and the recovered connection being checked.
struct ClientMemory {
  std::set<std::int64_t> received_since_reload;
  std::int64_t kept_offset = 0;  // the last reload's kept_offset: ids up to it count as had
  std::optional<std::int64_t> last_received_id;  // since the last reload

  bool checking = false;          // on a recovered connection whose check has not ended
  std::size_t next_position = 0;  // into the log: the id that must come next
  std::int64_t recovered_t_ms = 0;
  std::string socket_id;

  std::int64_t offset_id() const { return last_received_id.value_or(kept_offset); }
  bool had(std::int64_t id) const { return id <= kept_offset || received_since_reload.count(id) != 0; }
};

// The first log position whose id is above `id`: where a recovery from `id` resumes.
std::size_t first_position_after(const CommittedLogIndex& log, std::int64_t id) {
  std::size_t low = 0;
  std::size_t high = log.size();
  while (low < high) {
    const std::size_t middle = low + (high - low) / 2;
    if (log.at(middle).id <= id) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

std::string after_text(std::int64_t offset_id) {
  return offset_id > 0 ? "after id " + std::to_string(offset_id) : "as the first id (no earlier event)";
}

std::string recovered_text(const ClientMemory& memory) {
  return "recovered at " + std::to_string(memory.recovered_t_ms) + " ms (socket id " +
         quote_text(memory.socket_id) + ")";
}

// The deviation `id` makes on a recovered connection, if it is a gap or a repeat.
std::optional<Anomaly> judge(const std::string& client, const ClientMemory& memory, std::int64_t id,
                             std::int64_t t_ms, const CommittedLogIndex& log) {
  const std::optional<std::int64_t> expected =
      memory.next_position < log.size() ? std::optional(log.at(memory.next_position).id) : std::nullopt;
  const std::string expected_text =
      expected ? "expected id " + std::to_string(*expected) + " " + after_text(memory.offset_id())
               : "expected nothing after id " + std::to_string(memory.offset_id()) + " (the last committed id)";
  if (memory.had(id)) {
    return Anomaly{AnomalyKind::recovery_repeat, client, id, {},
                   recovered_text(memory) + ": " + expected_text + ", got id " + std::to_string(id) +
                       " again (the client already had it)",
                   t_ms};
  }
  const std::optional<std::size_t> position = log.position_of(id);
  if (expected && position && *position > memory.next_position) {
    const std::size_t skipped = *position - memory.next_position;
    return Anomaly{AnomalyKind::recovery_gap, client, id, {},
                   recovered_text(memory) + ": " + expected_text + ", got id " + std::to_string(id) + " (" +
                       std::to_string(skipped) + (skipped == 1 ? " committed id" : " committed ids") + " skipped)",
                   t_ms};
  }
  return std::nullopt;
}

}  // namespace

std::vector<Anomaly> check_recovery_continuity(const history::History& history, const CommittedLogIndex& log) {
  std::map<std::string, ClientMemory, std::less<>> clients;
  // Ids up to the start offset count as had by every page from the start (docs/HISTORY.md).
  const std::int64_t start_offset = history.run.start_offset_or_zero();
  const auto memory_of = [&](const std::string& client) -> ClientMemory& {
    const auto [found, inserted] = clients.try_emplace(client);
    if (inserted) found->second.kept_offset = start_offset;
    return found->second;
  };
  std::vector<Anomaly> anomalies;
  for (const history::HistoryEvent& event : history.events) {
    if (const auto* connected = event.as<history::ClientConnected>()) {
      ClientMemory& memory = memory_of(connected->client);
      memory.checking = connected->recovered;
      memory.next_position = first_position_after(log, memory.offset_id());
      memory.recovered_t_ms = event.t_ms;
      memory.socket_id = connected->socket_id;
    } else if (const auto* disconnected = event.as<history::ClientDisconnected>()) {
      memory_of(disconnected->client).checking = false;
    } else if (const auto* reloaded = event.as<history::ClientReloaded>()) {
      ClientMemory& memory = memory_of(reloaded->client);
      memory = ClientMemory{};
      memory.kept_offset = std::max(reloaded->kept_offset.value_or(0), start_offset);
    } else if (const auto* received = event.as<history::MessageReceived>()) {
      ClientMemory& memory = memory_of(received->client);
      if (memory.checking) {
        const std::optional<std::int64_t> expected =
            memory.next_position < log.size() ? std::optional(log.at(memory.next_position).id) : std::nullopt;
        if (expected == received->id) {
          ++memory.next_position;
        } else {
          if (std::optional<Anomaly> deviation = judge(received->client, memory, received->id, event.t_ms, log)) {
            anomalies.push_back(std::move(*deviation));
          }
          memory.checking = false;  // the first deviation only, once per connection
        }
      }
      memory.received_since_reload.insert(received->id);
      memory.last_received_id = received->id;
    }
  }
  return anomalies;
}

}  // namespace resync::checker
