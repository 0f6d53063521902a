#pragma once
// Where a host sends the core's commit groups (commit_group.hpp): "submit a group, be told
// when it is durable". The live server commits on a thread of its own, so the event loop keeps
// reading while an fsync runs (server/shell/threaded_group_committer.hpp); the simulator and
// the tests commit on the scheduler, after a simulated fsync time (scheduled_group_committer.hpp).
// A networked log (a cluster's shared log) fits the same interface.
#include <functional>
#include <optional>

#include "server/core/commit_group.hpp"

namespace resync::server::host {

class GroupCommitter {
 public:
  using Completed = std::function<void(CommitCompletion)>;
  virtual ~GroupCommitter() = default;

  // Starts making the group durable; one group at a time. `completed` runs later on the
  // host's thread, never inside submit(), exactly once, unless finish_now() took its outcome
  // or the committer is destroyed first.
  virtual void submit(CommitRequest request, Completed completed) = 0;
  // Waits for the group in flight and returns its outcome instead of calling `completed`;
  // nothing when no group is in flight. For a graceful stop.
  virtual std::optional<CommitCompletion> finish_now() = 0;
  // Commits a group on the calling thread and returns its outcome; nothing may be in flight.
  virtual CommitCompletion commit_now(const CommitRequest& request) = 0;
};

}  // namespace resync::server::host
