#pragma once
// Asks a running `resync serve` node whether it holds messages it read and has not committed
// yet (GET /resync/status, server/shell/http_request_router.cpp). The convergence check asks
// each running cluster node: a node waiting out its reconnect to Redis still has writes to
// store and broadcast, and a run ended then would blame it for losing them. Real sockets,
// blocking, bounded by a deadline: the caller's loop waits for the answer.
#include <chrono>
#include <cstdint>
#include <string>
#include <variant>

namespace resync::sim {

struct NodeStatus {
  bool pending_commit = false;
};

// What went wrong, for the caller to decide (a node that stopped answering holds nothing the
// harness can wait for).
struct NodeStatusError {
  std::string message;
};

std::variant<NodeStatus, NodeStatusError> read_node_status(const std::string& host, std::uint16_t port,
                                                           std::chrono::milliseconds deadline_max);

}  // namespace resync::sim
