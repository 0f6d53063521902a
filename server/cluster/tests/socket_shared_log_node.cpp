#include "server/cluster/tests/socket_shared_log_node.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "server/cluster/tests/redis_server_process.hpp"

namespace resync::server::cluster::testing {

SocketSharedLogNode::SocketSharedLogNode(SharedLogConfig config, int port) : client_(std::move(config)), port_(port) {}

SocketSharedLogNode::~SocketSharedLogNode() {
  for (int socket_fd : sockets_) {
    if (socket_fd >= 0) ::close(socket_fd);
  }
}

std::int64_t SocketSharedLogNode::now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void SocketSharedLogNode::start() {
  client_.start(now_ms());
  run_actions();
}

void SocketSharedLogNode::submit(const CommitRequest& request) {
  client_.submit_group(request, now_ms());
  run_actions();
}

void SocketSharedLogNode::link_failed(Link link) {
  int& socket_fd = socket_of(link);
  if (socket_fd >= 0) ::close(socket_fd);
  socket_fd = -1;
  client_.on_link_closed(link, now_ms());
}

void SocketSharedLogNode::run_actions() {
  while (true) {
    std::vector<SharedLogAction> actions = client_.take_actions();
    if (actions.empty()) return;
    for (SharedLogAction& action : actions) {
      if (auto* open = std::get_if<OpenLink>(&action)) {
        const int socket_fd = connect_to_loopback(port_);
        if (socket_fd < 0) {
          client_.on_link_closed(open->link, now_ms());
        } else {
          socket_of(open->link) = socket_fd;
          client_.on_link_open(open->link, now_ms());
        }
      } else if (auto* send = std::get_if<SendBytes>(&action)) {
        const int socket_fd = socket_of(send->link);
        if (socket_fd < 0) continue;  // closed since: the core has heard of it
        std::size_t written = 0;
        while (written < send->bytes.size()) {
          const ssize_t count = ::send(socket_fd, send->bytes.data() + written, send->bytes.size() - written, MSG_NOSIGNAL);
          if (count <= 0) break;
          written += static_cast<std::size_t>(count);
        }
        if (written < send->bytes.size()) link_failed(send->link);
      } else if (auto* close = std::get_if<CloseLink>(&action)) {
        link_failed(close->link);
      } else if (auto* committed = std::get_if<GroupCommitted>(&action)) {
        completions.push_back(std::move(committed->completion));
      } else if (auto* entries = std::get_if<EntriesTailed>(&action)) {
        for (StoredMessage& message : entries->entries) tailed.push_back(std::move(message));
      } else if (auto* gap = std::get_if<LogGap>(&action)) {
        gaps.push_back(*gap);
      } else if (auto* line = std::get_if<SharedLogLine>(&action)) {
        lines.push_back(line->text);
      }
    }
  }
}

void SocketSharedLogNode::step(std::int64_t wait_ms) {
  std::int64_t timeout_ms = wait_ms;
  if (const auto deadline_ms = client_.next_deadline_ms()) timeout_ms = std::clamp<std::int64_t>(*deadline_ms - now_ms(), 0, wait_ms);
  std::vector<pollfd> descriptors;
  std::vector<Link> links;
  for (const Link link : {Link::command, Link::tail}) {
    if (socket_of(link) >= 0) {
      descriptors.push_back({socket_of(link), POLLIN, 0});
      links.push_back(link);
    }
  }
  if (descriptors.empty()) {
    ::poll(nullptr, 0, static_cast<int>(timeout_ms));
  } else {
    ::poll(descriptors.data(), descriptors.size(), static_cast<int>(timeout_ms));
  }
  for (std::size_t index = 0; index < descriptors.size(); ++index) {
    if (descriptors[index].revents == 0 || socket_of(links[index]) != descriptors[index].fd) continue;
    char buffer[read_chunk_bytes_max];
    const ssize_t count = ::recv(descriptors[index].fd, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (count > 0) {
      client_.on_link_bytes(links[index], std::string_view(buffer, static_cast<std::size_t>(count)), now_ms());
    } else if (count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
      link_failed(links[index]);
    }
    run_actions();
  }
  client_.on_timer(now_ms());
  run_actions();
}

}  // namespace resync::server::cluster::testing
