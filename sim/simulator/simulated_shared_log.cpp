#include "sim/simulator/simulated_shared_log.hpp"

#include <utility>

#include "common/invariant.hpp"
#include "server/cluster/lost_socket_record.hpp"

namespace resync::sim {

namespace cluster = server::cluster;

namespace {

server::host::LogLevel host_level(cluster::SharedLogLine::Level level) {
  switch (level) {
    case cluster::SharedLogLine::Level::info: return server::host::LogLevel::info;
    case cluster::SharedLogLine::Level::warning: return server::host::LogLevel::warning;
    case cluster::SharedLogLine::Level::error: return server::host::LogLevel::error;
  }
  return server::host::LogLevel::error;
}

}  // namespace

SimulatedSharedLog::SimulatedSharedLog(VirtualScheduler& scheduler, SimulatedRedis& redis, int node,
                                       cluster::SharedLogConfig config, SimulatedSharedLogListener listener)
    : scheduler_(scheduler), redis_(redis), node_(node), listener_(std::move(listener)), client_(std::move(config)) {}

SimulatedSharedLog::~SimulatedSharedLog() {
  for (const auto& [link, connection] : connections_) redis_.close(connection);
  if (wake_timer_) scheduler_.cancel(*wake_timer_);
}

void SimulatedSharedLog::start() {
  client_.start(now_ms());
  process();
}

void SimulatedSharedLog::process() {
  for (cluster::SharedLogAction& action : client_.take_actions()) carry_out(action);
  rearm_timer();
}

void SimulatedSharedLog::carry_out(cluster::SharedLogAction& action) {
  std::weak_ptr<bool> alive = alive_;
  if (auto* open = std::get_if<cluster::OpenLink>(&action)) {
    const cluster::Link link = open->link;
    SimRedisLinkEnds ends;
    ends.opened = [this, alive, link] {
      if (alive.expired()) return;
      client_.on_link_open(link, now_ms());
      process();
    };
    ends.bytes = [this, alive, link](std::string bytes) {
      if (alive.expired()) return;
      client_.on_link_bytes(link, bytes, now_ms());
      process();
    };
    ends.closed = [this, alive, link] {
      if (alive.expired()) return;
      connections_.erase(link);
      client_.on_link_closed(link, now_ms());
      process();
    };
    connections_[link] = redis_.connect(node_, std::move(ends));
  } else if (auto* send = std::get_if<cluster::SendBytes>(&action)) {
    if (const auto found = connections_.find(send->link); found != connections_.end()) {
      redis_.send(found->second, std::move(send->bytes));
    }
  } else if (auto* close = std::get_if<cluster::CloseLink>(&action)) {
    if (const auto found = connections_.find(close->link); found != connections_.end()) {
      redis_.close(found->second);
      connections_.erase(found);
    }
    // The shell's part: it closed the socket, and tells the client after what it is doing.
    scheduler_.post([this, alive, link = close->link] {
      if (alive.expired()) return;
      client_.on_link_closed(link, now_ms());
      process();
    });
  } else if (auto* committed = std::get_if<cluster::GroupCommitted>(&action)) {
    if (!group_in_flight_ || *group_in_flight_ != committed->completion.group) return;  // taken by finish_now
    group_in_flight_.reset();
    // Never inside submit(): the completion runs as work of its own on the node's clock.
    scheduler_.post([alive, completed = std::exchange(completed_, nullptr),
                     completion = std::move(committed->completion)]() mutable {
      if (!alive.expired() && completed) completed(std::move(completion));
    });
  } else if (auto* tailed = std::get_if<cluster::EntriesTailed>(&action)) {
    listener_.on_entries(std::move(tailed->entries));
  } else if (auto* gap = std::get_if<cluster::LogGap>(&action)) {
    listener_.on_gap(gap->after_id, gap->next_id);
  } else if (auto* line = std::get_if<cluster::SharedLogLine>(&action)) {
    listener_.on_log(host_level(line->level), std::move(line->text));
  } else if (auto* taken = std::get_if<cluster::LostSocketTaken>(&action)) {
    const auto found = lost_socket_answers_.find(taken->request);
    RESYNC_ASSERT(found != lost_socket_answers_.end(), "a lost-socket answer answers a take asked for");
    std::optional<server::DisconnectedSocket> socket;
    if (taken->value) socket = cluster::decode_lost_socket(*taken->value);
    scheduler_.post([alive, answer = std::move(found->second), socket = std::move(socket)] {
      if (!alive.expired()) answer(socket);
    });
    lost_socket_answers_.erase(found);
  }
}

void SimulatedSharedLog::rearm_timer() {
  const std::optional<std::int64_t> deadline = client_.next_deadline_ms();
  if (deadline == wake_ms_) return;
  if (wake_timer_) scheduler_.cancel(*wake_timer_);
  wake_timer_.reset();
  wake_ms_ = deadline;
  if (!deadline) return;
  wake_timer_ = scheduler_.run_at(*deadline * 1000, [this] {
    wake_timer_.reset();
    wake_ms_.reset();
    client_.on_timer(now_ms());
    process();
  });
}

void SimulatedSharedLog::submit(server::CommitRequest request, Completed completed) {
  RESYNC_ASSERT(!group_in_flight_, "one commit group at a time");
  group_in_flight_ = request.group;
  completed_ = std::move(completed);
  client_.submit_group(request, now_ms());
  process();
}

std::optional<server::CommitCompletion> SimulatedSharedLog::finish_now() {
  if (!group_in_flight_) return std::nullopt;
  server::CommitCompletion completion;
  completion.group = *group_in_flight_;
  completion.error = "node " + std::to_string(node_) + " stops: the group's reply from Redis is not awaited";
  group_in_flight_.reset();
  completed_ = nullptr;
  return completion;
}

server::CommitCompletion SimulatedSharedLog::commit_now(const server::CommitRequest& request) {
  server::CommitCompletion completion;
  completion.group = request.group;
  completion.error = "node " + std::to_string(node_) + " stops: a group is not sent to Redis any more";
  return completion;
}

void SimulatedSharedLog::remember(const std::string& private_id, const server::DisconnectedSocket& socket,
                                  std::int64_t window_ms) {
  client_.remember_lost_socket(private_id, cluster::encode_lost_socket(socket), window_ms, now_ms());
  process();
}

void SimulatedSharedLog::take(const std::string& private_id, Found found) {
  const std::uint64_t request = client_.take_lost_socket(private_id, now_ms());
  lost_socket_answers_.emplace(request, std::move(found));
  process();
}

}  // namespace resync::sim
