#pragma once
// The live server's GroupCommitter: each group is inserted and committed (the fsync) on a
// thread of its own, with its own SQLite connection, so the event loop keeps reading, sending
// and serving catch-up reads (on another connection, WAL) while the disk works; the messages
// that arrive meanwhile become the next group. The completion is posted back to the event
// loop's thread. No Beast or Asio here: the shell passes its post function.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "server/core/message_store.hpp"
#include "server/host/group_committer.hpp"

namespace resync::server::shell {

class ThreadedGroupCommitter final : public host::GroupCommitter {
 public:
  // `post_to_host` must be safe to call from another thread (Asio's post is) and run its work
  // on the host's thread. Only the commit thread touches `store` while the committer lives.
  ThreadedGroupCommitter(MessageStore& store, std::function<void(std::function<void()>)> post_to_host);
  // Waits for the group in flight, then ends the thread; its completion is not delivered.
  ~ThreadedGroupCommitter() override;
  ThreadedGroupCommitter(const ThreadedGroupCommitter&) = delete;
  ThreadedGroupCommitter& operator=(const ThreadedGroupCommitter&) = delete;

  void submit(CommitRequest request, Completed completed) override;
  std::optional<CommitCompletion> finish_now() override;
  CommitCompletion commit_now(const CommitRequest& request) override;

 private:
  void run_commits();
  // On the host's thread, posted by the commit thread: hands the outcome to `completed_`,
  // unless finish_now() took it already.
  void deliver_finished();

  MessageStore& store_;
  std::function<void(std::function<void()>)> post_to_host_;
  Completed completed_;  // only touched on the host's thread

  std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<CommitRequest> queued_;      // submitted, not yet taken by the commit thread
  std::optional<CommitCompletion> finished_; // done, not yet delivered
  bool in_flight_ = false;                   // from submit() until delivered or taken
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace resync::server::shell
