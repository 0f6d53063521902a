#include "server/shell/core_driver.hpp"

#include <exception>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/post.hpp>

#include "server/shell/shell_log.hpp"

namespace resync::server::shell {

namespace {

template <typename... Visitors>
struct Overloaded : Visitors... {
  using Visitors::operator()...;
};

LogLevel to_shell_level(LogLine::Level level) {
  switch (level) {
    case LogLine::Level::info: return LogLevel::info;
    case LogLine::Level::warning: return LogLevel::warning;
    case LogLine::Level::error: return LogLevel::error;
  }
  return LogLevel::error;
}

}  // namespace

CoreDriver::CoreDriver(boost::asio::io_context& io_context, ServerConfig config, MessageStore& store)
    : io_context_(io_context),
      core_(std::move(config), store),
      deadline_timer_(io_context),
      commit_retry_timer_(io_context) {}

std::int64_t CoreDriver::now_ms() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - clock_start_)
      .count();
}

template <typename CoreInput>
void CoreDriver::deliver(std::optional<SessionId> session, std::string_view event, CoreInput&& input) {
  try {
    input();
  } catch (const std::exception& error) {
    std::string text = "the core failed on " + std::string(event);
    if (session) text += " of session " + std::to_string(*session);
    text += ": ";
    text += error.what();
    if (session) text += "; closing that session";
    log_line(LogLevel::error, text);
    if (session) request_close(*session, CloseCause::core_requested);
  }
  carry_out_actions();
}

std::optional<SessionId> CoreDriver::open_session(std::weak_ptr<TransportSession> transport,
                                                  const protocol::engineio::HandshakeQuery& query) {
  if (shutting_down_) return std::nullopt;
  SessionId session = next_session_id_++;
  // Registered before the core runs: its first action is the open packet for this session.
  transports_.emplace(session, Transport{std::move(transport), nullptr, false});
  deliver(session, "the open", [&] { core_.on_session_opened(session, query, now_ms()); });
  return session;
}

std::optional<protocol::engineio::HandshakeError> CoreDriver::open_polling_session(
    std::shared_ptr<PollResponder> handshake_get, const protocol::engineio::HandshakeQuery& query) {
  if (shutting_down_) return protocol::engineio::make_handshake_error(protocol::engineio::ErrorCode::forbidden);
  SessionId session = next_session_id_++;
  // Registered before the core runs: its first action answers this GET with the open packet.
  transports_.emplace(session, Transport{{}, std::move(handshake_get), false});
  deliver(session, "a polling handshake", [&] { core_.on_session_opened(session, query, now_ms()); });
  return std::nullopt;
}

std::optional<protocol::engineio::HandshakeError> CoreDriver::poll(std::string_view engine_session_id,
                                                                   std::shared_ptr<PollResponder> get) {
  if (shutting_down_) return protocol::engineio::make_handshake_error(protocol::engineio::ErrorCode::session_id_unknown);
  PollingRequestResult result;
  deliver(std::nullopt, "a polling GET", [&] {
    result = core_.on_poll_request(engine_session_id, now_ms());
    // Before the actions run: one of them may already answer this GET.
    if (result.session) {
      auto found = transports_.find(*result.session);
      if (found != transports_.end()) found->second.pending_poll = std::move(get);
    }
  });
  return result.error;
}

std::optional<protocol::engineio::HandshakeError> CoreDriver::post(std::string_view engine_session_id,
                                                                   std::string_view payload) {
  if (shutting_down_) return protocol::engineio::make_handshake_error(protocol::engineio::ErrorCode::session_id_unknown);
  PollingRequestResult result;
  deliver(std::nullopt, "a polling POST", [&] { result = core_.on_poll_data(engine_session_id, payload, now_ms()); });
  return result.error;
}

std::optional<protocol::engineio::HandshakeError> CoreDriver::check_upgrade(std::string_view engine_session_id) const {
  return core_.check_upgrade(engine_session_id).error;
}

std::optional<SessionId> CoreDriver::attach_upgrade(std::string_view engine_session_id,
                                                    std::weak_ptr<TransportSession> websocket) {
  if (shutting_down_) return std::nullopt;
  PollingRequestResult result;
  deliver(std::nullopt, "an upgrade", [&] {
    result = core_.on_upgrade_started(engine_session_id, now_ms());
    if (result.session) {
      auto found = transports_.find(*result.session);
      if (found == transports_.end() || found->second.close_requested) {
        result.session.reset();
      } else {
        found->second.session = std::move(websocket);
      }
    }
  });
  return result.session;
}

void CoreDriver::on_text_frame(SessionId session, std::string_view text) {
  auto found = transports_.find(session);
  if (found == transports_.end() || found->second.close_requested) return;
  deliver(session, "a text frame", [&] { core_.on_text_frame(session, text, now_ms()); });
}

void CoreDriver::on_binary_frame(SessionId session, std::size_t size_bytes) {
  auto found = transports_.find(session);
  if (found == transports_.end() || found->second.close_requested) return;
  deliver(session, "a binary frame", [&] { core_.on_binary_frame(session, size_bytes, now_ms()); });
}

void CoreDriver::on_output_drained(SessionId session) {
  auto found = transports_.find(session);
  if (found == transports_.end() || found->second.close_requested) return;
  deliver(session, "a drained output", [&] { core_.on_output_drained(session, now_ms()); });
}

void CoreDriver::on_transport_closed(SessionId session) {
  auto found = transports_.find(session);
  if (found == transports_.end()) return;
  if (!found->second.close_requested && core_.is_polling(session)) {
    // Only the WebSocket probing an upgrade is gone; the session goes on polling.
    found->second.session.reset();
    deliver(session, "the end of an upgrade probe", [&] { core_.on_session_closed(session, now_ms()); });
    return;
  }
  transports_.erase(found);
  deliver(session, "the close", [&] { core_.on_session_closed(session, now_ms()); });
  if (shutting_down_ && transports_.empty() && on_all_sessions_closed_) {
    std::exchange(on_all_sessions_closed_, nullptr)();
  }
}

void CoreDriver::carry_out_actions() {
  std::vector<Action> actions = core_.take_actions();
  for (Action& action : actions) {
    std::visit(Overloaded{
                   [&](SendPacket& send) {
                     auto found = transports_.find(send.session);
                     if (found == transports_.end() || found->second.close_requested) return;
                     if (std::shared_ptr<TransportSession> transport = found->second.session.lock()) {
                       transport->send_packet(std::move(send.text));
                     }
                   },
                   [&](CloseSession& close) {
                     log_line(LogLevel::info, "session " + std::to_string(close.session) + ": closing: " + close.reason);
                     request_close(close.session, CloseCause::core_requested);
                   },
                   [&](LogLine& line) { log_line(to_shell_level(line.level), line.text); },
                   [&](AnswerPoll& answer) {
                     auto found = transports_.find(answer.session);
                     if (found == transports_.end() || !found->second.pending_poll) return;
                     std::exchange(found->second.pending_poll, nullptr)->answer_poll(std::move(answer.body));
                   },
                   [&](AbandonUpgrade& abandon) {
                     auto found = transports_.find(abandon.session);
                     if (found == transports_.end()) return;
                     log_line(LogLevel::info, "session " + std::to_string(abandon.session) + ": upgrade timed out");
                     // Not close_requested: the session itself stays open on polling.
                     if (auto transport = found->second.session.lock()) transport->close(CloseCause::core_requested);
                   },
               },
               action);
  }
  rearm_deadline_timer();
  schedule_commit();
}

void CoreDriver::request_close(SessionId session, CloseCause cause) {
  auto found = transports_.find(session);
  if (found == transports_.end() || found->second.close_requested) return;
  found->second.close_requested = true;
  // Polling: the held GET carries the close packet, as engine.io does.
  if (found->second.pending_poll) {
    std::exchange(found->second.pending_poll, nullptr)->answer_poll(
        protocol::engineio::encode_packet(protocol::engineio::PacketType::close));
  }
  if (std::shared_ptr<TransportSession> transport = found->second.session.lock()) {
    transport->close(cause);  // it reports the end through on_transport_closed
    return;
  }
  // A polling session has no connection that could report its end: it ends now.
  transports_.erase(found);
  if (shutting_down_ && transports_.empty() && on_all_sessions_closed_) {
    std::exchange(on_all_sessions_closed_, nullptr)();
  }
}

void CoreDriver::rearm_deadline_timer() {
  // Heartbeats and connect timeouts do not matter once the server is going away.
  std::optional<std::int64_t> deadline_ms = shutting_down_ ? std::nullopt : core_.next_deadline_ms();
  if (deadline_ms == armed_deadline_ms_) return;
  armed_deadline_ms_ = deadline_ms;
  if (!deadline_ms) {
    deadline_timer_.cancel();
    return;
  }
  // expires_at cancels the previous wait; its handler sees operation_aborted.
  deadline_timer_.expires_at(clock_start_ + std::chrono::milliseconds(*deadline_ms));
  deadline_timer_.async_wait([this](const boost::system::error_code& error) { on_deadline_timer(error); });
}

void CoreDriver::on_deadline_timer(const boost::system::error_code& error) {
  if (error == boost::asio::error::operation_aborted) return;
  // A wait that completed just before it was re-armed also lands here; on_timer with
  // nothing due is harmless, and the re-arm below restores the right deadline.
  armed_deadline_ms_.reset();
  deliver(std::nullopt, "a timer", [&] { core_.on_timer(now_ms()); });
}

void CoreDriver::schedule_commit() {
  if (commit_posted_ || commit_retry_armed_ || !core_.has_pending_commit()) return;
  commit_posted_ = true;
  // Posted handlers run after the completions already queued, so every frame that arrived
  // in this round of the event loop is inserted before the one commit.
  boost::asio::post(io_context_, [this] { on_commit_due(); });
}

void CoreDriver::on_commit_due() {
  commit_posted_ = false;
  try {
    core_.commit_pending(now_ms());
  } catch (const std::exception& error) {
    log_line(LogLevel::error, std::string("the core failed on a commit: ") + error.what());
  }
  // Nothing else ran since the commit, so work still pending means the commit failed.
  if (core_.has_pending_commit() && !shutting_down_) {
    commit_retry_armed_ = true;
    commit_retry_timer_.expires_after(std::chrono::milliseconds(commit_retry_delay_ms));
    commit_retry_timer_.async_wait([this](const boost::system::error_code& error) {
      commit_retry_armed_ = false;
      if (error == boost::asio::error::operation_aborted) return;
      on_commit_due();
    });
  }
  carry_out_actions();
}

void CoreDriver::begin_shutdown(std::function<void()> on_all_sessions_closed) {
  if (shutting_down_) return;
  shutting_down_ = true;
  on_all_sessions_closed_ = std::move(on_all_sessions_closed);
  commit_retry_timer_.cancel();
  // Commit first: the acks and broadcasts it releases are queued ahead of the close frames.
  if (core_.has_pending_commit()) {
    try {
      core_.commit_pending(now_ms());
    } catch (const std::exception& error) {
      log_line(LogLevel::error, std::string("the core failed on the shutdown commit: ") + error.what());
    }
  }
  carry_out_actions();
  std::vector<SessionId> sessions;
  for (const auto& [session, transport] : transports_) sessions.push_back(session);
  for (SessionId session : sessions) request_close(session, CloseCause::server_shutdown);
  if (transports_.empty() && on_all_sessions_closed_) std::exchange(on_all_sessions_closed_, nullptr)();
}

void CoreDriver::commit_before_exit() {
  try {
    if (core_.has_pending_commit()) core_.commit_pending(now_ms());
  } catch (const std::exception& error) {
    log_line(LogLevel::error, std::string("the core failed on the final commit: ") + error.what());
  }
  for (Action& action : core_.take_actions()) {
    if (auto* line = std::get_if<LogLine>(&action)) log_line(to_shell_level(line->level), line->text);
  }
}

}  // namespace resync::server::shell
