#pragma once
// Group commit as messages between the core and whoever runs its storage: the core hands
// over every chat message that arrived since the last group as one CommitRequest and hears
// back with a CommitCompletion once the group is durable (or failed). At most one group is
// in flight; what arrives meanwhile waits in the core and becomes the next group, so a slow
// fsync makes groups larger instead of stalling the server.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "server/core/message_store.hpp"

namespace resync::server {

struct PendingWrite {
  std::string content;
  std::optional<std::string> client_offset;
};

struct CommitRequest {
  std::uint64_t group = 0;  // 1, 2, ... per core; a completion names the group it answers
  std::vector<PendingWrite> writes;
};

struct CommitCompletion {
  std::uint64_t group = 0;
  // One result per write, in the request's order, when the group is durable.
  std::vector<InsertResult> results;
  // Set when nothing of the group is durable (an insert or the commit failed); the text
  // says which and why.
  std::optional<std::string> error;
  // How long the group took to commit, measured by a committer that runs on a real clock
  // (the live ThreadedGroupCommitter); 0 where nobody measured (the simulator, tests). The
  // core logs a group slower than slow_commit_warning_ms: a disk that stalls, or another
  // process holding the database's write lock for less than the busy timeout, which fails
  // nothing and would otherwise leave no trace in the log.
  std::int64_t commit_duration_ms = 0;
};

inline constexpr std::int64_t slow_commit_warning_ms = 1000;

// Inserts every write of the group in one transaction and commits it: the synchronous work
// behind a completion. On an error (StorageError or any other exception of the store) the
// transaction is rolled back and nothing of it stays; the error is returned, never thrown.
CommitCompletion run_commit_group(MessageStore& store, const CommitRequest& request);

}  // namespace resync::server
