#pragma once
// A test shell for SharedLogClient on plain POSIX sockets to a real Redis: what the Asio
// shell does, reduced to poll(2) and blocking loopback connects, so the integration test
// drives the very core a node runs. It records what the core reports for the test to check.
#include <cstdint>
#include <string>
#include <vector>

#include "server/cluster/shared_log_client.hpp"

namespace resync::server::cluster::testing {

class SocketSharedLogNode {
 public:
  SocketSharedLogNode(SharedLogConfig config, int port);
  ~SocketSharedLogNode();
  SocketSharedLogNode(const SocketSharedLogNode&) = delete;
  SocketSharedLogNode& operator=(const SocketSharedLogNode&) = delete;

  void start();
  void submit(const CommitRequest& request);
  // Waits at most wait_ms for bytes or the core's next deadline, then handles what came.
  void step(std::int64_t wait_ms);

  const SharedLogClient& client() const { return client_; }
  static std::int64_t now_ms();

  std::vector<CommitCompletion> completions;
  std::vector<StoredMessage> tailed;
  std::vector<LogGap> gaps;
  std::vector<std::string> lines;

  static constexpr std::size_t read_chunk_bytes_max = 64 * 1024;

 private:
  int& socket_of(Link link) { return sockets_[link == Link::command ? 0 : 1]; }
  void run_actions();
  void link_failed(Link link);

  SharedLogClient client_;
  int port_;
  int sockets_[2] = {-1, -1};
};

}  // namespace resync::server::cluster::testing
