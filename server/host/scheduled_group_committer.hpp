#pragma once
// Commits each group on the host's own scheduler, `commit_latency_us` after it was submitted:
// the simulator's fsync (a stop before that loses the group, as a SIGKILL before the fsync
// does) and the tests' committer. The group's inserts and its commit run together at the
// completion time, so a storage fault in force then is what the group meets.
#include <cstdint>
#include <optional>

#include "server/core/message_store.hpp"
#include "server/host/group_committer.hpp"
#include "server/host/scheduler.hpp"

namespace resync::server::host {

class ScheduledGroupCommitter final : public GroupCommitter {
 public:
  ScheduledGroupCommitter(Scheduler& scheduler, MessageStore& store, std::int64_t commit_latency_us);
  // Cancels the group in flight: it never reaches the store.
  ~ScheduledGroupCommitter() override;
  ScheduledGroupCommitter(const ScheduledGroupCommitter&) = delete;
  ScheduledGroupCommitter& operator=(const ScheduledGroupCommitter&) = delete;

  void submit(CommitRequest request, Completed completed) override;
  std::optional<CommitCompletion> finish_now() override;
  CommitCompletion commit_now(const CommitRequest& request) override;

 private:
  struct InFlight {
    CommitRequest request;
    Completed completed;
    TimerId timer = 0;
  };

  Scheduler& scheduler_;
  MessageStore& store_;
  std::int64_t commit_latency_us_;
  std::optional<InFlight> in_flight_;
};

}  // namespace resync::server::host
