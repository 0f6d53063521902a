#pragma once
// The committed log every client is compared with: what the server stored, in id order.
//
// Where it comes from (docs/HISTORY.md, "Which committed log"):
// - a `committed_log` line with source `database`: the server's SQLite file read after the
//   run (the embedded server, or an external target whose database is reachable). It wins
//   over every other source;
// - else one with source `catch_up_audit`: an external target's log read through its own
//   catch-up by an audit client that connected with `from_offset` after convergence;
// - else one with source `observed` (older runners: rebuilt from what clients observed);
//   of each source the last line counts;
// - else (older histories, or an audit that failed: a `committed_log_unavailable` line) the
//   checker rebuilds it from the history alone. Every id that any client received (rendered
//   or not) is in the log with the content of its first observation in history order;
//   client offsets are unknown (null). A message the server acknowledged but nobody ever
//   received has no id to place it by: it stays out of the log and is reported as
//   acknowledged_not_stored ("acknowledged, never observed"), and a message lost for
//   everybody is invisible: this is a guess, and the text says so.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sim/history/history.hpp"

namespace resync::checker {

enum class CommittedLogOrigin {
  database,            // `committed_log` line with source database
  observed_by_runner,  // `committed_log` line with source observed
  rebuilt_by_checker,  // no `committed_log` line: rebuilt from `received` lines
  catch_up_audit,      // `committed_log` line with source catch_up_audit (and none from a database)
};

// True for an id the server stored before this run began (1..start_offset): older runs'
// data, whose content this run cannot know, so no rule judges it (docs/HISTORY.md, "Start
// offset"). An id below 1 is never stored by anyone, so it stays judged (unexpected).
constexpr bool stored_before_the_run(std::int64_t id, std::int64_t start_offset) {
  return id >= 1 && id <= start_offset;
}

// E.g. "read from the server's database".
std::string_view committed_log_origin_text(CommittedLogOrigin origin);

struct ResolvedCommittedLog {
  std::vector<history::CommittedMessage> messages;  // sorted by id, ids unique
  CommittedLogOrigin origin = CommittedLogOrigin::database;
  // For people: where the log came from, e.g. "catch-up audit from offset 40", and what the
  // runner could not read ("..., because the catch-up audit failed: ...").
  std::string description;
  // A few words for a summary line: "database", "catch-up audit from offset 40", "rebuilt
  // from what clients received", "observed by the runner".
  std::string label;
  // The sources the runner tried and could not read (`committed_log_unavailable` lines, in
  // history order), e.g. "the catch-up audit from offset 0 failed: ..."; "" when none. A run
  // with any is never valid: the checker had less than it was promised.
  std::string unavailable;
};

ResolvedCommittedLog resolve_committed_log(const history::History& history);

// The last `committed_log` line of `source`, or nullptr.
const history::CommittedLog* last_committed_log(const history::History& history, history::CommittedLogSource source);

// Lookups into a resolved log. Keeps a reference: the log must outlive the index.
class CommittedLogIndex {
 public:
  explicit CommittedLogIndex(const std::vector<history::CommittedMessage>& messages);

  // The index of `id` in the log, or nullopt when it was never stored.
  std::optional<std::size_t> position_of(std::int64_t id) const;
  const history::CommittedMessage& at(std::size_t position) const { return messages_[position]; }
  std::size_t size() const { return messages_.size(); }

  // Whether a send (or its acknowledgement) is in the log. docs/HISTORY.md: a send with a
  // client offset is found by that offset, one without by its content. A log whose offsets
  // are unknown (rebuilt from observations) can only be searched by content, so a send with
  // an offset also matches a stored message with the same content and no offset.
  bool holds_send(const std::optional<std::string>& client_offset, const std::string& content) const;

 private:
  const std::vector<history::CommittedMessage>& messages_;
  std::set<std::string, std::less<>> offsets_;
  std::set<std::string, std::less<>> contents_;
  std::set<std::string, std::less<>> contents_without_offset_;
};

}  // namespace resync::checker
