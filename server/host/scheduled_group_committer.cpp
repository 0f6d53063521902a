#include "server/host/scheduled_group_committer.hpp"

#include <utility>

#include "common/invariant.hpp"

namespace resync::server::host {

ScheduledGroupCommitter::ScheduledGroupCommitter(Scheduler& scheduler, MessageStore& store,
                                                 std::int64_t commit_latency_us)
    : scheduler_(scheduler), store_(store), commit_latency_us_(commit_latency_us) {}

ScheduledGroupCommitter::~ScheduledGroupCommitter() {
  if (in_flight_) scheduler_.cancel(in_flight_->timer);
}

void ScheduledGroupCommitter::submit(CommitRequest request, Completed completed) {
  RESYNC_ASSERT(!in_flight_, "one commit group at a time");
  in_flight_ = InFlight{std::move(request), std::move(completed), 0};
  in_flight_->timer = scheduler_.run_at(scheduler_.now_us() + commit_latency_us_, [this] {
    InFlight done = std::move(*in_flight_);
    in_flight_.reset();
    done.completed(run_commit_group(store_, done.request));
  });
}

std::optional<CommitCompletion> ScheduledGroupCommitter::finish_now() {
  if (!in_flight_) return std::nullopt;
  scheduler_.cancel(in_flight_->timer);
  InFlight done = std::move(*in_flight_);
  in_flight_.reset();
  return run_commit_group(store_, done.request);
}

CommitCompletion ScheduledGroupCommitter::commit_now(const CommitRequest& request) {
  RESYNC_ASSERT(!in_flight_, "commit_now runs only when no group is in flight");
  return run_commit_group(store_, request);
}

}  // namespace resync::server::host
