#include "server/cluster/shared_log_client.hpp"

#include <algorithm>
#include <utility>

#include "common/invariant.hpp"
#include "server/cluster/stream_tail_read.hpp"

namespace resync::server::cluster {

namespace {

constexpr Link every_link[] = {Link::command, Link::tail, Link::lost_sockets};

}  // namespace

SharedLogClient::SharedLogClient(SharedLogConfig config)
    : config_(std::move(config)), keys_(shared_log_keys(config_.key_prefix)) {
  RESYNC_ASSERT(config_.commit_timeout_ms > 0 && config_.tail_block_ms > 0 && config_.tail_silence_grace_ms > 0,
                "the shared log's timeouts are positive");
  RESYNC_ASSERT(config_.reconnect_delay_ms > 0 && config_.reconnect_delay_ms <= config_.reconnect_delay_max_ms,
                "the reconnect backoff starts positive and below its maximum");
  RESYNC_ASSERT(config_.tail_batch_entries_max > 0 && config_.connect_timeout_ms > 0, "the tail reads at least one entry");
  RESYNC_ASSERT(config_.start_after_id >= 0, "ids are positive");
  for (const Link link : every_link) state_of(link).reconnect_delay_ms = config_.reconnect_delay_ms;
  tailed_head_id_ = config_.start_after_id;
  known_id_max_ = config_.start_after_id;
  tail_batch_entries_ = config_.tail_batch_entries_max;
}

SharedLogClient::LinkState& SharedLogClient::state_of(Link link) {
  return link == Link::command ? command_ : link == Link::tail ? tail_ : lost_sockets_;
}
const SharedLogClient::LinkState& SharedLogClient::state_of(Link link) const {
  return link == Link::command ? command_ : link == Link::tail ? tail_ : lost_sockets_;
}

std::string SharedLogClient::link_name(Link link) const {
  return link == Link::command ? "the command link to Redis"
         : link == Link::tail  ? "the tail link to Redis"
                               : "the lost-socket link to Redis";
}

void SharedLogClient::log(SharedLogLine::Level level, const std::string& text) {
  actions_.emplace_back(SharedLogLine{level, "node " + config_.node_id + ": shared log: " + text});
}

void SharedLogClient::start(std::int64_t now_ms) {
  RESYNC_ASSERT(!started_, "the shared log client starts once");
  started_ = true;
  log(SharedLogLine::Level::info, "connecting to Redis (keys " + keys_.log + ", " + keys_.offsets + ", " + keys_.last_id +
                                      "; tailing after id " + std::to_string(tailed_head_id_) + ")");
  for (const Link link : every_link) open_link(link, now_ms);
}

void SharedLogClient::open_link(Link link, std::int64_t now_ms) {
  LinkState& state = state_of(link);
  RESYNC_ASSERT(state.phase == LinkPhase::down, "a link is opened only when down");
  state.phase = LinkPhase::connecting;
  state.connect_deadline_ms = now_ms + config_.connect_timeout_ms;
  actions_.emplace_back(OpenLink{link});
}

void SharedLogClient::close_link(Link link, SharedLogLine::Level level, const std::string& why) {
  LinkState& state = state_of(link);
  RESYNC_ASSERT(state.phase == LinkPhase::connecting || state.phase == LinkPhase::open, "only a live link is closed");
  log(level, "closing " + link_name(link) + ": " + why);
  state.phase = LinkPhase::closing;
  state.reader.reset();
  if (link == Link::tail) tail_read_deadline_ms_.reset();
  actions_.emplace_back(CloseLink{link});
}

void SharedLogClient::on_link_open(Link link, std::int64_t now_ms) {
  LinkState& state = state_of(link);
  // A connect that completed after we gave up on it: the shell closes it as asked.
  if (state.phase == LinkPhase::closing) return;
  RESYNC_ASSERT(state.phase == LinkPhase::connecting, "on_link_open answers an OpenLink");
  state.phase = LinkPhase::open;
  state.reader = std::make_unique<RespReader>(config_.reply_limits);
  if (state.failures_since_reply > 0) {
    log(SharedLogLine::Level::info, link_name(link) + " is open again after " + std::to_string(state.failures_since_reply) +
                                        " failed attempts");
  }
  if (link == Link::command) {
    send_group_if_ready();
  } else if (link == Link::tail) {
    send_tail_read(now_ms);
  } else {
    send_lost_socket_request_if_ready(now_ms);
  }
}

void SharedLogClient::on_link_closed(Link link, std::int64_t now_ms) {
  LinkState& state = state_of(link);
  RESYNC_ASSERT(state.phase != LinkPhase::down, "on_link_closed answers an OpenLink or a CloseLink");
  if (state.phase == LinkPhase::connecting) {
    log(SharedLogLine::Level::warning, "could not connect " + link_name(link) + "; retrying in " +
                                           std::to_string(state.reconnect_delay_ms) + " ms");
  } else if (state.phase == LinkPhase::open) {
    log(SharedLogLine::Level::warning, link_name(link) + " was closed by Redis or the network; reconnecting in " +
                                           std::to_string(state.reconnect_delay_ms) + " ms");
  }
  state.phase = LinkPhase::down;
  state.reader.reset();
  state.reconnect_at_ms = now_ms + state.reconnect_delay_ms;
  state.reconnect_delay_ms = std::min(state.reconnect_delay_ms * 2, config_.reconnect_delay_max_ms);
  ++state.failures_since_reply;
  if (link == Link::tail) tail_read_deadline_ms_.reset();
  if (link == Link::command && group_ && group_->sent) {
    fail_group("the command link to Redis closed before the reply (the group's outcome is unknown)", now_ms);
  }
  if (link == Link::lost_sockets) abandon_lost_socket_requests(false);
}

void SharedLogClient::on_link_bytes(Link link, std::string_view bytes, std::int64_t now_ms) {
  LinkState& state = state_of(link);
  if (state.phase == LinkPhase::closing) return;  // what was in flight when we closed it
  RESYNC_ASSERT(state.phase == LinkPhase::open && state.reader, "bytes arrive only on an open link");
  state.reader->feed(bytes);
  // Every complete reply is taken at once, so the reader holds at most one incomplete one.
  // The loop ends: each reply consumes at least 3 of the bytes fed.
  while (state.phase == LinkPhase::open) {
    auto taken = state.reader->take();
    if (!taken.ok()) {
      if (link == Link::tail) {
        // A batch too large for the reader must not come back the same after the reconnect.
        tail_batch_entries_ = std::max<std::size_t>(1, tail_batch_entries_ / 2);
      }
      const std::string why = "Redis broke the protocol: " + taken.error();
      if (link == Link::command && group_ && group_->sent) fail_group(why, now_ms);
      if (link == Link::lost_sockets) abandon_lost_socket_requests(false);
      close_link(link, SharedLogLine::Level::error, why);
      return;
    }
    if (!taken.value()) return;
    state.failures_since_reply = 0;
    state.reconnect_delay_ms = config_.reconnect_delay_ms;
    on_reply(link, *taken.value(), now_ms);
  }
}

void SharedLogClient::on_reply(Link link, const RespValue& reply, std::int64_t now_ms) {
  if (link == Link::command) {
    on_command_reply(reply, now_ms);
  } else if (link == Link::tail) {
    on_tail_reply(reply, now_ms);
  } else {
    on_lost_sockets_reply(reply);
    send_lost_socket_request_if_ready(now_ms);
  }
}

void SharedLogClient::remember_lost_socket(std::string_view private_id, std::string_view value, std::int64_t window_ms,
                                           std::int64_t now_ms) {
  RESYNC_ASSERT(window_ms > 0, "a lost socket is kept for a positive time");
  queue_lost_socket_request(false, 0,
                            encode_command({"SET", keys_.lost_socket_prefix + std::string(private_id), std::string(value),
                                            "PX", std::to_string(window_ms)}),
                            now_ms);
}

std::uint64_t SharedLogClient::take_lost_socket(std::string_view private_id, std::int64_t now_ms) {
  const std::uint64_t request = ++last_lost_socket_request_;
  queue_lost_socket_request(true, request, encode_command({"GETDEL", keys_.lost_socket_prefix + std::string(private_id)}),
                            now_ms);
  return request;
}

void SharedLogClient::queue_lost_socket_request(bool is_take, std::uint64_t request, std::string command_bytes,
                                                std::int64_t now_ms) {
  if (lost_socket_requests_.size() >= lost_socket_requests_max) {
    log(SharedLogLine::Level::warning, std::to_string(lost_socket_requests_max) +
                                           " lost-socket requests already wait for Redis; this one is dropped (the "
                                           "client's return is a fresh socket with its catch-up)");
    if (is_take) actions_.emplace_back(LostSocketTaken{request, std::nullopt});
    return;
  }
  lost_socket_requests_.push_back(
      LostSocketRequest{is_take, request, std::move(command_bytes), now_ms + config_.commit_timeout_ms, false});
  send_lost_socket_request_if_ready(now_ms);
}

void SharedLogClient::send_lost_socket_request_if_ready(std::int64_t now_ms) {
  (void)now_ms;
  if (lost_socket_requests_.empty() || lost_socket_requests_.front().sent || lost_sockets_.phase != LinkPhase::open) return;
  lost_socket_requests_.front().sent = true;
  actions_.emplace_back(SendBytes{Link::lost_sockets, lost_socket_requests_.front().command_bytes});
}

void SharedLogClient::on_lost_sockets_reply(const RespValue& reply) {
  if (lost_socket_requests_.empty() || !lost_socket_requests_.front().sent) {
    close_link(Link::lost_sockets, SharedLogLine::Level::error, "Redis sent " + describe(reply) + " that nothing asked for");
    return;
  }
  LostSocketRequest request = std::move(lost_socket_requests_.front());
  lost_socket_requests_.pop_front();
  const bool answered = request.is_take ? reply.kind == RespValue::Kind::bulk_string || reply.kind == RespValue::Kind::null
                                        : reply.kind == RespValue::Kind::simple_string;
  if (!answered) {
    log(SharedLogLine::Level::warning, std::string("the lost-socket table answered ") + (request.is_take ? "GETDEL" : "SET") +
                                           " with " + describe(reply) + "; taken as no socket");
  }
  if (request.is_take) {
    std::optional<std::string> value;
    if (answered && reply.kind == RespValue::Kind::bulk_string) value = reply.text;
    actions_.emplace_back(LostSocketTaken{request.request, std::move(value)});
  }
  // An error reply leaves the link in step; any other surprise means it is not.
  if (!answered && reply.kind != RespValue::Kind::error) {
    close_link(Link::lost_sockets, SharedLogLine::Level::error, "the lost-socket table's reply was malformed");
  }
}

void SharedLogClient::abandon_lost_socket_requests(bool queued_too) {
  // A queued request waits for the reconnect (until its deadline); the one on the wire is lost.
  while (!lost_socket_requests_.empty() && (queued_too || lost_socket_requests_.front().sent)) {
    LostSocketRequest request = std::move(lost_socket_requests_.front());
    lost_socket_requests_.pop_front();
    if (request.is_take) actions_.emplace_back(LostSocketTaken{request.request, std::nullopt});
    if (!queued_too) break;
  }
}

void SharedLogClient::submit_group(const CommitRequest& request, std::int64_t now_ms) {
  RESYNC_ASSERT(!group_, "one commit group in flight at a time");
  GroupInFlight group;
  group.group = request.group;
  group.write_count = request.writes.size();
  group.command_bytes = encode_command(append_group_command(keys_, known_id_max_, request.writes));
  group.submitted_at_ms = now_ms;
  group.deadline_ms = now_ms + config_.commit_timeout_ms;
  group_ = std::move(group);
  send_group_if_ready();
}

void SharedLogClient::send_group_if_ready() {
  if (!group_ || group_->sent || command_.phase != LinkPhase::open) return;
  group_->sent = true;
  actions_.emplace_back(SendBytes{Link::command, group_->command_bytes});
}

void SharedLogClient::complete_group(std::vector<InsertResult> results, std::int64_t now_ms) {
  RESYNC_ASSERT(group_ && results.size() == group_->write_count, "a completion answers the group in flight, write by write");
  for (const InsertResult& result : results) known_id_max_ = std::max(known_id_max_, result.id);
  if (refusing_behind_log_) {
    refusing_behind_log_ = false;
    log(SharedLogLine::Level::info, "the log on Redis reaches the ids this node has read again; appending");
  }
  CommitCompletion completion;
  completion.group = group_->group;
  completion.results = std::move(results);
  completion.commit_duration_ms = now_ms - group_->submitted_at_ms;
  group_.reset();
  actions_.emplace_back(GroupCommitted{std::move(completion)});
}

void SharedLogClient::fail_group(const std::string& why, std::int64_t now_ms) {
  RESYNC_ASSERT(group_.has_value(), "only a group in flight fails");
  CommitCompletion completion;
  completion.group = group_->group;
  completion.error = "node " + config_.node_id + ": the shared log on Redis did not commit group " +
                     std::to_string(group_->group) + ": " + why;
  completion.commit_duration_ms = now_ms - group_->submitted_at_ms;
  group_.reset();
  actions_.emplace_back(GroupCommitted{std::move(completion)});
}

void SharedLogClient::on_command_reply(const RespValue& reply, std::int64_t now_ms) {
  if (!group_ || !group_->sent) {
    close_link(Link::command, SharedLogLine::Level::error, "Redis sent " + describe(reply) + " that nothing asked for");
    return;
  }
  auto results = parse_append_reply(reply, group_->write_count);
  if (results.ok()) {
    complete_group(std::move(results).value(), now_ms);
    return;
  }
  if (reply.kind == RespValue::Kind::error && reply.text.starts_with(log_behind_error_code) && !refusing_behind_log_) {
    refusing_behind_log_ = true;
    log(SharedLogLine::Level::error,
        "Redis's log ends before id " + std::to_string(known_id_max_) +
            ", which this node has read: Redis lost acknowledged writes (it restarted without its AOF, or a replica "
            "that was behind took over). This node appends nothing until the log reaches that id again, so no id "
            "is handed out twice; its writes fail and their clients retry");
  }
  fail_group(results.error(), now_ms);
  // An error reply leaves the link in step (Redis refused the whole command, e.g. LOADING
  // after a restart); any other surprise means we no longer know what the link carries.
  if (reply.kind != RespValue::Kind::error) {
    close_link(Link::command, SharedLogLine::Level::error, "the append's reply was malformed: " + results.error());
  }
}

void SharedLogClient::send_tail_read(std::int64_t now_ms) {
  RESYNC_ASSERT(tail_.phase == LinkPhase::open && !tail_read_deadline_ms_, "one XREAD outstanding on the open tail link");
  tail_read_deadline_ms_ = now_ms + config_.tail_block_ms + config_.tail_silence_grace_ms;
  actions_.emplace_back(SendBytes{
      Link::tail, encode_command(tail_read_command(keys_.log, tailed_head_id_, tail_batch_entries_, config_.tail_block_ms))});
}

void SharedLogClient::on_tail_reply(const RespValue& reply, std::int64_t now_ms) {
  if (!tail_read_deadline_ms_) {
    close_link(Link::tail, SharedLogLine::Level::error, "Redis sent " + describe(reply) + " that nothing asked for");
    return;
  }
  tail_read_deadline_ms_.reset();
  auto entries = parse_tail_reply(reply, keys_.log, tailed_head_id_);
  if (!entries.ok()) {
    // An error reply (LOADING while Redis reads its AOF after a restart, WRONGTYPE) is
    // retried after the backoff like a lost link; a malformed entry is Redis's fault.
    const auto level = reply.kind == RespValue::Kind::error ? SharedLogLine::Level::warning : SharedLogLine::Level::error;
    close_link(Link::tail, level, entries.error());
    return;
  }
  std::vector<StoredMessage>& messages = entries.value();
  if (messages.size() > tail_batch_entries_) {
    close_link(Link::tail, SharedLogLine::Level::error,
               "Redis answered XREAD COUNT " + std::to_string(tail_batch_entries_) + " with " +
                   std::to_string(messages.size()) + " entries");
    return;
  }
  if (!messages.empty()) tail_batch_entries_ = std::min(config_.tail_batch_entries_max, tail_batch_entries_ * 2);
  // Runs of consecutive ids become one EntriesTailed each, with a LogGap before every run
  // that does not follow the last id emitted.
  std::vector<StoredMessage> run;
  auto emit_run = [&] {
    if (run.empty()) return;
    tailed_head_id_ = run.back().id;
    known_id_max_ = std::max(known_id_max_, tailed_head_id_);
    actions_.emplace_back(EntriesTailed{std::move(run)});
    run.clear();
  };
  for (StoredMessage& message : messages) {
    const std::int64_t previous_id = run.empty() ? tailed_head_id_ : run.back().id;
    if (message.id != previous_id + 1) {
      emit_run();
      log(SharedLogLine::Level::warning, "the log was trimmed past ids " + std::to_string(previous_id + 1) + " to " +
                                             std::to_string(message.id - 1) + " before this node read them");
      actions_.emplace_back(LogGap{previous_id, message.id});
    }
    run.push_back(std::move(message));
  }
  emit_run();
  send_tail_read(now_ms);
}

void SharedLogClient::on_timer(std::int64_t now_ms) {
  if (group_ && now_ms >= group_->deadline_ms) {
    const bool sent = group_->sent;
    fail_group(sent ? "Redis did not answer within " + std::to_string(config_.commit_timeout_ms) +
                          " ms (the group's outcome is unknown)"
                    : "no command link to Redis within " + std::to_string(config_.commit_timeout_ms) + " ms",
               now_ms);
    // A late reply would be taken for the next group's: the link must go.
    if (sent) close_link(Link::command, SharedLogLine::Level::warning, "the append timed out");
  }
  if (tail_read_deadline_ms_ && now_ms >= *tail_read_deadline_ms_) {
    close_link(Link::tail, SharedLogLine::Level::warning,
               "no reply to XREAD BLOCK " + std::to_string(config_.tail_block_ms) + " within a further " +
                   std::to_string(config_.tail_silence_grace_ms) + " ms; presumed dead");
  }
  // Requests past their deadline: the one on the wire means a dead link (a late reply would
  // answer the next request), the queued ones simply waited too long for Redis.
  while (!lost_socket_requests_.empty() && now_ms >= lost_socket_requests_.front().deadline_ms) {
    const bool sent = lost_socket_requests_.front().sent;
    LostSocketRequest request = std::move(lost_socket_requests_.front());
    lost_socket_requests_.pop_front();
    if (request.is_take) actions_.emplace_back(LostSocketTaken{request.request, std::nullopt});
    if (sent) {
      close_link(Link::lost_sockets, SharedLogLine::Level::warning,
                 "no reply from the lost-socket table within " + std::to_string(config_.commit_timeout_ms) + " ms");
    }
  }
  for (const Link link : every_link) {
    LinkState& state = state_of(link);
    if (state.phase == LinkPhase::connecting && now_ms >= state.connect_deadline_ms) {
      close_link(link, SharedLogLine::Level::warning,
                 "the connect did not finish within " + std::to_string(config_.connect_timeout_ms) + " ms");
    } else if (started_ && state.phase == LinkPhase::down && now_ms >= state.reconnect_at_ms) {
      open_link(link, now_ms);
    }
  }
}

std::optional<std::int64_t> SharedLogClient::next_deadline_ms() const {
  std::optional<std::int64_t> earliest;
  auto consider = [&](std::int64_t deadline_ms) { earliest = earliest ? std::min(*earliest, deadline_ms) : deadline_ms; };
  if (group_) consider(group_->deadline_ms);
  if (tail_read_deadline_ms_) consider(*tail_read_deadline_ms_);
  if (!lost_socket_requests_.empty()) consider(lost_socket_requests_.front().deadline_ms);
  for (const Link link : every_link) {
    const LinkState& state = state_of(link);
    if (state.phase == LinkPhase::connecting) consider(state.connect_deadline_ms);
    if (started_ && state.phase == LinkPhase::down) consider(state.reconnect_at_ms);
  }
  return earliest;
}

std::vector<SharedLogAction> SharedLogClient::take_actions() { return std::exchange(actions_, {}); }

}  // namespace resync::server::cluster
