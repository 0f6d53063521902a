#pragma once
// A live cluster node's connection to the shared log on Redis (server/cluster): runs the
// sans-I/O cluster::SharedLogClient on a thread of its own, with its own io_context and its
// two TCP connections to Redis, so a slow or unreachable Redis never stalls the node's event
// loop. What the node reads from the log, the gaps, the log lines and each commit group's
// outcome are posted to the host's thread. No Asio in this header.
//
// SharedLogGroupCommitter is the host's GroupCommitter on it: a group is durable when the
// append script's reply says so (Redis with appendfsync always has written it to its AOF).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "server/cluster/shared_log_client.hpp"
#include "server/core/commit_group.hpp"
#include "server/host/group_committer.hpp"
#include "server/host/log_sink.hpp"
#include "server/host/lost_socket_directory.hpp"

namespace resync::server::shell {

struct SharedLogSettings {
  std::string redis_host = "127.0.0.1";
  std::uint16_t redis_port = 6379;
  cluster::SharedLogConfig log;
};

// What the node hears from the log, always on the host's thread.
struct SharedLogListener {
  std::function<void(std::vector<StoredMessage>)> on_entries;
  std::function<void(std::int64_t after_id, std::int64_t next_id)> on_gap;
  std::function<void(host::LogLevel, std::string)> on_log;
};

class SharedLogConnection {
 public:
  // Starts the thread and opens both links. `post_to_host` must be callable from any thread
  // and run its work on the host's thread.
  SharedLogConnection(SharedLogSettings settings, std::function<void(std::function<void()>)> post_to_host,
                      SharedLogListener listener);
  // Closes the links and ends the thread; a group still in flight gets no completion.
  ~SharedLogConnection();
  SharedLogConnection(const SharedLogConnection&) = delete;
  SharedLogConnection& operator=(const SharedLogConnection&) = delete;

  // Host thread: appends the group; `completed` runs on the host's thread, exactly once,
  // unless wait_for_group() took its outcome first or the connection is destroyed.
  void submit(CommitRequest request, std::function<void(CommitCompletion)> completed);
  // Host thread: blocks until the group in flight has an outcome and returns it instead of
  // running its `completed`; nothing when none is in flight. Bounded: the client fails a
  // group after its commit_timeout_ms.
  std::optional<CommitCompletion> wait_for_group();

  // Host thread: the cluster's table of lost sockets (connection state recovery on any node).
  // `found` runs on the host's thread, exactly once, unless the connection is destroyed first.
  void remember_lost_socket(const std::string& private_id, const DisconnectedSocket& socket, std::int64_t window_ms);
  void take_lost_socket(const std::string& private_id, host::LostSocketDirectory::Found found);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class SharedLogLostSocketDirectory final : public host::LostSocketDirectory {
 public:
  explicit SharedLogLostSocketDirectory(SharedLogConnection& connection) : connection_(connection) {}
  void remember(const std::string& private_id, const DisconnectedSocket& socket, std::int64_t window_ms) override {
    connection_.remember_lost_socket(private_id, socket, window_ms);
  }
  void take(const std::string& private_id, Found found) override {
    connection_.take_lost_socket(private_id, std::move(found));
  }

 private:
  SharedLogConnection& connection_;
};

class SharedLogGroupCommitter final : public host::GroupCommitter {
 public:
  explicit SharedLogGroupCommitter(SharedLogConnection& connection) : connection_(connection) {}
  void submit(CommitRequest request, Completed completed) override;
  std::optional<CommitCompletion> finish_now() override;
  CommitCompletion commit_now(const CommitRequest& request) override;

 private:
  SharedLogConnection& connection_;
};

}  // namespace resync::server::shell
