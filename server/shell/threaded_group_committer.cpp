#include "server/shell/threaded_group_committer.hpp"

#include <chrono>
#include <utility>

#include "common/invariant.hpp"

namespace resync::server::shell {

ThreadedGroupCommitter::ThreadedGroupCommitter(MessageStore& store,
                                               std::function<void(std::function<void()>)> post_to_host)
    : store_(store), post_to_host_(std::move(post_to_host)), thread_([this] { run_commits(); }) {}

ThreadedGroupCommitter::~ThreadedGroupCommitter() {
  {
    std::unique_lock lock(mutex_);
    // A queued group the thread has not started is still committed: its messages were
    // received and their clients may never retry (no ack is lost: none was sent).
    changed_.wait(lock, [this] { return !queued_; });
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void ThreadedGroupCommitter::run_commits() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stopping_ || queued_; });
    if (!queued_) return;  // stopping, and nothing left to commit
    CommitRequest request = std::move(*queued_);
    queued_.reset();
    lock.unlock();
    const auto started = std::chrono::steady_clock::now();
    CommitCompletion completion = run_commit_group(store_, request);
    completion.commit_duration_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    lock.lock();
    finished_ = std::move(completion);
    changed_.notify_all();
    if (!stopping_) post_to_host_([this] { deliver_finished(); });
  }
}

void ThreadedGroupCommitter::submit(CommitRequest request, Completed completed) {
  {
    std::lock_guard lock(mutex_);
    RESYNC_ASSERT(!in_flight_, "one commit group at a time");
    in_flight_ = true;
    queued_ = std::move(request);
  }
  completed_ = std::move(completed);
  changed_.notify_all();
}

void ThreadedGroupCommitter::deliver_finished() {
  std::optional<CommitCompletion> completion;
  {
    std::lock_guard lock(mutex_);
    if (!finished_) return;  // finish_now() took it
    completion = std::exchange(finished_, std::nullopt);
    in_flight_ = false;
  }
  // Called outside the lock: the completion usually submits the next group.
  std::exchange(completed_, nullptr)(std::move(*completion));
}

std::optional<CommitCompletion> ThreadedGroupCommitter::finish_now() {
  std::unique_lock lock(mutex_);
  if (!in_flight_) return std::nullopt;
  changed_.wait(lock, [this] { return finished_.has_value(); });
  in_flight_ = false;
  completed_ = nullptr;
  return std::exchange(finished_, std::nullopt);
}

CommitCompletion ThreadedGroupCommitter::commit_now(const CommitRequest& request) {
  std::lock_guard lock(mutex_);
  RESYNC_ASSERT(!in_flight_, "commit_now runs only when no group is in flight");
  // The commit thread is waiting for work, so this thread may use the store meanwhile: the
  // lock is held until the commit is done.
  return run_commit_group(store_, request);
}

}  // namespace resync::server::shell
