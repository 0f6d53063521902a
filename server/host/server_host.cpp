#include "server/host/server_host.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/invariant.hpp"

namespace resync::server::host {

namespace {

template <typename... Visitors>
struct Overloaded : Visitors... {
  using Visitors::operator()...;
};
// clang before 17 deduces no aggregate's template arguments by itself (C++20's P1816).
template <typename... Visitors>
Overloaded(Visitors...) -> Overloaded<Visitors...>;

LogLevel to_log_level(LogLine::Level level) {
  switch (level) {
    case LogLine::Level::info: return LogLevel::info;
    case LogLine::Level::warning: return LogLevel::warning;
    case LogLine::Level::error: return LogLevel::error;
  }
  return LogLevel::error;
}

}  // namespace

ServerHost::ServerHost(Scheduler& scheduler, LogSink& log, ServerConfig config, MessageReader& reader,
                       std::unique_ptr<GroupCommitter> committer, HostOptions options)
    : scheduler_(scheduler),
      log_(log),
      options_(options),
      core_(std::move(config), reader),
      committer_(std::move(committer)) {
  RESYNC_ASSERT(committer_ != nullptr, "a server host needs a committer");
}

ServerHost::~ServerHost() {
  for (TimerId timer : timers_) scheduler_.cancel(timer);
}

TimerId ServerHost::run_at(std::int64_t time_us, std::function<void()> work) {
  RESYNC_ASSERT(timers_.size() < timers_pending_max, "a server host holds too many pending timers: they leak");
  // The id is known only once run_at returns; the work runs later, so it can find it.
  auto id = std::make_shared<TimerId>(0);
  *id = scheduler_.run_at(time_us, [this, id, work = std::move(work)] {
    timers_.erase(*id);
    work();
  });
  timers_.insert(*id);
  return *id;
}

// Runs one core input; an exception escaping the core (a bug, or storage failing in a way
// the core did not handle) is logged and, when it concerns one session, closes only that
// session, so one connection cannot take the server down.
template <typename CoreInput>
void ServerHost::deliver(std::optional<SessionId> session, std::string_view event, CoreInput&& input) {
  {
    InputBatch batch(*this);
    try {
      input();
    } catch (const std::exception& error) {
      std::string text = "the core failed on " + std::string(event);
      if (session) text += " of session " + std::to_string(*session);
      text += ": ";
      text += error.what();
      if (session) text += "; closing that session";
      log(LogLevel::error, text);
      if (session) request_close(*session, CloseCause::core_requested);
    }
  }
}

std::optional<SessionId> ServerHost::open_session(std::weak_ptr<SessionTransport> transport,
                                                  const protocol::engineio::HandshakeQuery& query) {
  if (shutting_down_) return std::nullopt;
  SessionId session = next_session_id_++;
  // Registered before the core runs: its first action is the open packet for this session.
  sessions_.emplace(session, HostedSession{std::move(transport), nullptr});
  deliver(session, "the open", [&] { core_.on_session_opened(session, query, now_ms()); });
  return session;
}

std::optional<protocol::engineio::HandshakeError> ServerHost::open_polling_session(
    std::shared_ptr<PollResponder> handshake_get, const protocol::engineio::HandshakeQuery& query) {
  if (shutting_down_) return protocol::engineio::make_handshake_error(protocol::engineio::ErrorCode::forbidden);
  SessionId session = next_session_id_++;
  // Registered before the core runs: its first action answers this GET with the open packet.
  sessions_.emplace(session, HostedSession{{}, std::move(handshake_get)});
  deliver(session, "a polling handshake", [&] { core_.on_session_opened(session, query, now_ms()); });
  return std::nullopt;
}

std::optional<protocol::engineio::HandshakeError> ServerHost::poll(std::string_view engine_session_id,
                                                                   std::shared_ptr<PollResponder> get) {
  if (shutting_down_) return protocol::engineio::make_handshake_error(protocol::engineio::ErrorCode::session_id_unknown);
  PollingRequestResult result;
  deliver(std::nullopt, "a polling GET", [&] {
    result = core_.on_poll_request(engine_session_id, now_ms());
    // Before the actions run: one of them may already answer this GET.
    if (result.session) {
      auto found = sessions_.find(*result.session);
      if (found != sessions_.end()) found->second.pending_poll = std::move(get);
    }
  });
  return result.error;
}

std::optional<protocol::engineio::HandshakeError> ServerHost::post(std::string_view engine_session_id,
                                                                   std::string_view payload) {
  if (shutting_down_) return protocol::engineio::make_handshake_error(protocol::engineio::ErrorCode::session_id_unknown);
  PollingRequestResult result;
  deliver(std::nullopt, "a polling POST", [&] { result = core_.on_poll_data(engine_session_id, payload, now_ms()); });
  return result.error;
}

std::optional<protocol::engineio::HandshakeError> ServerHost::check_upgrade(std::string_view engine_session_id) const {
  return core_.check_upgrade(engine_session_id).error;
}

std::optional<SessionId> ServerHost::attach_upgrade(std::string_view engine_session_id,
                                                    std::weak_ptr<SessionTransport> websocket) {
  if (shutting_down_) return std::nullopt;
  PollingRequestResult result;
  deliver(std::nullopt, "an upgrade", [&] {
    result = core_.on_upgrade_started(engine_session_id, now_ms());
    if (result.session) {
      auto found = sessions_.find(*result.session);
      if (found == sessions_.end() || found->second.close_requested) {
        result.session.reset();
      } else {
        found->second.transport = std::move(websocket);
        found->second.queued_bytes = 0;
      }
    }
  });
  return result.session;
}

void ServerHost::on_text_frame(SessionId session, std::string_view text) {
  auto found = sessions_.find(session);
  if (found == sessions_.end() || found->second.close_requested) return;
  deliver(session, "a text frame", [&] { core_.on_text_frame(session, text, now_ms()); });
}

void ServerHost::on_binary_frame(SessionId session, std::size_t size_bytes) {
  auto found = sessions_.find(session);
  if (found == sessions_.end() || found->second.close_requested) return;
  deliver(session, "a binary frame", [&] { core_.on_binary_frame(session, size_bytes, now_ms()); });
}

void ServerHost::on_output_written(SessionId session, std::size_t bytes) {
  auto found = sessions_.find(session);
  if (found == sessions_.end()) return;
  found->second.queued_bytes -= std::min(bytes, found->second.queued_bytes);
  if (found->second.queued_bytes != 0 || found->second.close_requested || found->second.aborted) return;
  deliver(session, "a drained output", [&] { core_.on_output_drained(session, now_ms()); });
}

void ServerHost::on_transport_closed(SessionId session) {
  auto found = sessions_.find(session);
  if (found == sessions_.end()) return;
  if (found->second.closed_by_core) {
    // The core has forgotten the session already; telling it again would change nothing.
    return end_session(found);
  }
  if (!found->second.close_requested && core_.is_polling(session)) {
    // Only the WebSocket probing an upgrade is gone; the session goes on polling.
    found->second.transport.reset();
    found->second.queued_bytes = 0;
    found->second.aborted = false;
    deliver(session, "the end of an upgrade probe", [&] { core_.on_session_closed(session, now_ms()); });
    return;
  }
  end_session(found);
  deliver(session, "the close", [&] { core_.on_session_closed(session, now_ms()); });
}

void ServerHost::end_session(std::map<SessionId, HostedSession>::iterator found) {
  sessions_.erase(found);
  if (shutting_down_ && sessions_.empty() && on_all_sessions_closed_) {
    std::exchange(on_all_sessions_closed_, nullptr)();
  }
}

std::size_t ServerHost::queued_bytes(SessionId session) const {
  auto found = sessions_.find(session);
  return found == sessions_.end() ? 0 : found->second.queued_bytes;
}

void ServerHost::carry_out_actions() {
  std::vector<Action> actions = core_.take_actions();
  for (Action& action : actions) {
    std::visit(Overloaded{
                   [&](SendPacket& send) { send_packet(send.session, send.text); },
                   [&](BroadcastPacket& broadcast) {
                     for (const SessionId session : broadcast.sessions) send_packet(session, broadcast.text);
                   },
                   [&](CloseSession& close) {
                     log(LogLevel::info, "session " + std::to_string(close.session) + ": closing: " + close.reason);
                     auto found = sessions_.find(close.session);
                     if (found != sessions_.end() && !found->second.close_requested) found->second.closed_by_core = true;
                     request_close(close.session, CloseCause::core_requested);
                   },
                   [&](LogLine& line) { log(to_log_level(line.level), line.text); },
                   [&](AnswerPoll& answer) {
                     auto found = sessions_.find(answer.session);
                     if (found == sessions_.end() || !found->second.pending_poll) return;
                     std::exchange(found->second.pending_poll, nullptr)->answer_poll(std::move(answer.body));
                   },
                   [&](AbandonUpgrade& abandon) {
                     auto found = sessions_.find(abandon.session);
                     if (found == sessions_.end()) return;
                     log(LogLevel::info, "session " + std::to_string(abandon.session) + ": upgrade timed out");
                     // Not close_requested: the session itself stays open on polling.
                     if (auto transport = found->second.transport.lock()) transport->close(CloseCause::core_requested);
                   },
                   [&](CommitRequest& request) { submit_commit(std::move(request)); },
                   [&](RememberLostSocket& lost) {
                     RESYNC_ASSERT(options_.lost_sockets != nullptr, "a cluster node's host has the lost-socket table");
                     options_.lost_sockets->remember(lost.private_id, lost.socket, lost.window_ms);
                   },
                   [&](TakeLostSocket& take) {
                     RESYNC_ASSERT(options_.lost_sockets != nullptr, "a cluster node's host has the lost-socket table");
                     // The answer comes later, on this thread; a host that is gone by then must not
                     // be reached, so the directory's callback is guarded by this host's lifetime.
                     options_.lost_sockets->take(take.private_id,
                                                 [this, alive = std::weak_ptr<int>(alive_), session = take.session](
                                                     std::optional<DisconnectedSocket> socket) {
                                                   if (alive.expired()) return;
                                                   deliver(session, "a lost-socket answer", [&] {
                                                     core_.on_lost_socket_found(session, socket, now_ms());
                                                   });
                                                 });
                   },
               },
               action);
  }
  core_.give_back_actions(std::move(actions));
  rearm_deadline();
}

void ServerHost::send_packet(SessionId session, std::string_view packet) {
  auto found = sessions_.find(session);
  if (found == sessions_.end() || found->second.close_requested || found->second.aborted) return;
  std::shared_ptr<SessionTransport> transport = found->second.transport.lock();
  if (!transport) return;
  HostedSession& hosted = found->second;
  if (hosted.queued_bytes + packet.size() > options_.write_queue_bytes_max) {
    log(LogLevel::warning, transport->describe() + ": slow consumer: " + std::to_string(hosted.queued_bytes) +
                               " bytes already queued, limit " + std::to_string(options_.write_queue_bytes_max) +
                               "; dropping the connection");
    hosted.aborted = true;
    transport->abort();  // it reports the end through on_transport_closed
    return;
  }
  hosted.queued_bytes += packet.size();
  transport->send_packet(packet);
}

void ServerHost::request_close(SessionId session, CloseCause cause) {
  auto found = sessions_.find(session);
  if (found == sessions_.end() || found->second.close_requested) return;
  found->second.close_requested = true;
  // Polling: the held GET carries the close packet, as engine.io does.
  if (found->second.pending_poll) {
    std::exchange(found->second.pending_poll, nullptr)->answer_poll(
        protocol::engineio::encode_packet(protocol::engineio::PacketType::close));
  }
  if (std::shared_ptr<SessionTransport> transport = found->second.transport.lock()) {
    transport->close(cause);  // it reports the end through on_transport_closed, maybe at once
    return;
  }
  // A polling session has no connection that could report its end: it ends now.
  end_session(found);
}

void ServerHost::rearm_deadline() {
  // Heartbeats and connect timeouts do not matter once the server is going away.
  if (shutting_down_) return;
  std::optional<std::int64_t> deadline_ms = core_.next_deadline_ms();
  if (!deadline_ms) return;
  const std::int64_t wake_us = std::max(*deadline_ms * 1000, scheduler_.now_us());
  if (armed_wake_us_ && *armed_wake_us_ <= wake_us) return;
  armed_wake_us_ = wake_us;
  run_at(wake_us, [this] {
    armed_wake_us_.reset();
    if (shutting_down_) return;
    deliver(std::nullopt, "a timer", [&] { core_.on_timer(now_ms()); });
  });
}

void ServerHost::submit_commit(CommitRequest request) {
  if (commit_synchronously_) {
    RESYNC_ASSERT(!synchronous_completion_, "the core requests one group at a time");
    synchronous_completion_ = committer_->commit_now(request);
    return;
  }
  committer_->submit(std::move(request), [this](CommitCompletion completion) { on_commit_completed(std::move(completion)); });
}

void ServerHost::on_commit_completed(CommitCompletion completion) {
  deliver(std::nullopt, "a commit completion", [&] { core_.on_commit_completed(completion, now_ms()); });
}

void ServerHost::on_log_entries(const std::vector<StoredMessage>& entries) {
  deliver(std::nullopt, "entries of the shared log", [&] { core_.on_log_entries(entries, now_ms()); });
}

void ServerHost::on_log_gap(std::int64_t after_id, std::int64_t next_id) {
  deliver(std::nullopt, "a gap in the shared log", [&] { core_.on_log_gap(after_id, next_id, now_ms()); });
}

void ServerHost::commit_synchronously(bool can_send) {
  commit_synchronously_ = true;
  std::optional<CommitCompletion> done = committer_->finish_now();
  if (!done) done = std::exchange(synchronous_completion_, std::nullopt);
  while (done) {
    if (can_send) {
      // Carrying out the actions commits the next group, if the core requests one.
      deliver(std::nullopt, "the stop commit", [&] { core_.on_commit_completed(*done, now_ms()); });
    } else {
      try {
        core_.on_commit_completed(*done, now_ms());
      } catch (const std::exception& error) {
        log(LogLevel::error, std::string("the core failed on the final commit: ") + error.what());
      }
      for (Action& action : core_.take_actions()) {
        if (auto* line = std::get_if<LogLine>(&action)) log(to_log_level(line->level), line->text);
        if (auto* request = std::get_if<CommitRequest>(&action)) submit_commit(std::move(*request));
      }
    }
    done = std::exchange(synchronous_completion_, std::nullopt);
  }
  commit_synchronously_ = false;
}

void ServerHost::commit_now() { commit_synchronously(true); }

void ServerHost::begin_shutdown(std::function<void()> on_all_sessions_closed) {
  if (shutting_down_) return;
  shutting_down_ = true;
  on_all_sessions_closed_ = std::move(on_all_sessions_closed);
  // Commit first: the acks and broadcasts it releases are queued ahead of the close frames.
  commit_now();
  std::vector<SessionId> sessions;
  for (const auto& [session, hosted] : sessions_) sessions.push_back(session);
  for (SessionId session : sessions) request_close(session, CloseCause::server_shutdown);
  if (sessions_.empty() && on_all_sessions_closed_) std::exchange(on_all_sessions_closed_, nullptr)();
}

void ServerHost::commit_before_exit() {
  // Log lines still queued in the core, and a group it requested that was not carried out.
  commit_synchronously_ = true;
  for (Action& action : core_.take_actions()) {
    if (auto* line = std::get_if<LogLine>(&action)) log(to_log_level(line->level), line->text);
    if (auto* request = std::get_if<CommitRequest>(&action)) submit_commit(std::move(*request));
  }
  commit_synchronously(false);
}

}  // namespace resync::server::host
