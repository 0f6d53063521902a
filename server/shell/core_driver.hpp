#pragma once
// Drives the sans-I/O ChatServerCore from the Asio event loop: feeds it transport events
// with the shell's clock, carries out its actions, keeps one timer armed at its next
// deadline, and batches commits ("group commit"). Internal to the shell.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "protocol/engineio_packet.hpp"
#include "server/core/chat_server_core.hpp"
#include "server/shell/transport_session.hpp"

namespace resync::server::shell {

class CoreDriver {
 public:
  CoreDriver(boost::asio::io_context& io_context, ServerConfig config, MessageStore& store);
  CoreDriver(const CoreDriver&) = delete;
  CoreDriver& operator=(const CoreDriver&) = delete;

  const ServerConfig& config() const { return core_.config(); }

  // A transport finished its handshake. Returns the new session's id, or nothing when the
  // server is shutting down (the transport should then close).
  std::optional<SessionId> open_session(std::weak_ptr<TransportSession> transport,
                                        const protocol::engineio::HandshakeQuery& query);
  // Long-polling. Each returns the Engine.IO error to answer the request with, if any; a GET
  // that is taken is answered later through the responder.
  std::optional<protocol::engineio::HandshakeError> open_polling_session(std::shared_ptr<PollResponder> handshake_get,
                                                                         const protocol::engineio::HandshakeQuery& query);
  std::optional<protocol::engineio::HandshakeError> poll(std::string_view engine_session_id,
                                                         std::shared_ptr<PollResponder> get);
  std::optional<protocol::engineio::HandshakeError> post(std::string_view engine_session_id, std::string_view payload);
  // The polling -> WebSocket upgrade: checked before the WebSocket handshake, attached after.
  std::optional<protocol::engineio::HandshakeError> check_upgrade(std::string_view engine_session_id) const;
  std::optional<SessionId> attach_upgrade(std::string_view engine_session_id, std::weak_ptr<TransportSession> websocket);

  void on_text_frame(SessionId session, std::string_view text);
  void on_binary_frame(SessionId session, std::size_t size_bytes);
  void on_output_drained(SessionId session);
  // The session's WebSocket is gone, whoever closed it. Each WebSocket calls this exactly once.
  void on_transport_closed(SessionId session);

  // Commits what is pending so acks and broadcasts go out, then asks every transport to
  // close. `on_all_sessions_closed` runs once no transport is left (maybe right away).
  void begin_shutdown(std::function<void()> on_all_sessions_closed);
  // After the event loop has stopped: commits what is still pending. Nothing can be sent
  // any more, which is safe: an unacknowledged message is retried by its client and the
  // UNIQUE client_offset keeps it stored once.
  void commit_before_exit();

  std::size_t open_session_count() const { return transports_.size(); }

 private:
  struct Transport {
    // The session's WebSocket (direct, or the one probing an upgrade of a polling session).
    std::weak_ptr<TransportSession> session;
    // Long-polling: the GET the core holds; answered with AnswerPoll, or "1" when closing.
    std::shared_ptr<PollResponder> pending_poll;
    // After CloseSession the core is done with the session: frames still arriving during
    // the close handshake are not passed on, only the final on_session_closed.
    bool close_requested = false;
  };

  std::int64_t now_ms() const;
  // Runs one core input; an exception escaping the core (a bug, or storage failing in a
  // way the core did not handle) is logged and, when it concerns one session, closes only
  // that session, so one connection cannot take the server down.
  template <typename CoreInput>
  void deliver(std::optional<SessionId> session, std::string_view event, CoreInput&& input);
  void carry_out_actions();
  void request_close(SessionId session, CloseCause cause);
  void rearm_deadline_timer();
  void on_deadline_timer(const boost::system::error_code& error);
  void schedule_commit();
  void on_commit_due();

  boost::asio::io_context& io_context_;
  ChatServerCore core_;
  std::chrono::steady_clock::time_point clock_start_ = std::chrono::steady_clock::now();
  std::map<SessionId, Transport> transports_;
  SessionId next_session_id_ = 1;

  boost::asio::steady_timer deadline_timer_;
  std::optional<std::int64_t> armed_deadline_ms_;

  // Group commit: at most one commit handler is posted; inputs that complete before it runs
  // share its commit (and its fsync).
  bool commit_posted_ = false;
  // When a commit fails (disk full, I/O error) the next attempt waits this long instead of
  // spinning on a failing disk.
  static constexpr std::int64_t commit_retry_delay_ms = 100;
  boost::asio::steady_timer commit_retry_timer_;
  bool commit_retry_armed_ = false;

  bool shutting_down_ = false;
  std::function<void()> on_all_sessions_closed_;
};

}  // namespace resync::server::shell
