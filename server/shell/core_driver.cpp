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
  transports_.emplace(session, Transport{std::move(transport)});
  deliver(session, "the open", [&] { core_.on_session_opened(session, query, now_ms()); });
  return session;
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
  if (transports_.erase(session) == 0) return;
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
  if (std::shared_ptr<TransportSession> transport = found->second.session.lock()) transport->close(cause);
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
