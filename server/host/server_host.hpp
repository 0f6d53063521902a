#pragma once
// Hosts the sans-I/O ChatServerCore: feeds it transport events with the scheduler's clock,
// carries out its actions (writes, closes, poll answers, log lines), keeps one wake-up armed
// at its next deadline, hands the core's commit groups to a GroupCommitter and their
// completions back to the core (a group is durable before anything it holds goes out), bounds
// each session's unwritten bytes (slow consumers are dropped), and isolates the server from
// an exception in one input. The live shell and the simulator run this same class; it holds
// no global state, so several hosts (server nodes) can share one scheduler.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string_view>
#include <vector>

#include "protocol/engineio_packet.hpp"
#include "server/core/chat_server_core.hpp"
#include "server/host/group_committer.hpp"
#include "server/host/log_sink.hpp"
#include "server/host/lost_socket_directory.hpp"
#include "server/host/scheduler.hpp"
#include "server/host/session_transport.hpp"

namespace resync::server::host {

struct HostOptions {
  // Unwritten bytes one WebSocket session may have queued. Catch-up waits for drains, so
  // only live broadcasts grow a queue; a client that falls this far behind is a slow
  // consumer and is disconnected rather than letting it hold the server's memory.
  std::size_t write_queue_bytes_max = 64 * 1024 * 1024;
  // A cluster node with connection state recovery: the cluster's table of lost sockets
  // (ServerConfig::shared_log). Must outlive the host; nullptr for a single server.
  LostSocketDirectory* lost_sockets = nullptr;
};

class ServerHost {
 public:
  // The core reads committed rows from `reader`; its commit groups go to `committer`.
  ServerHost(Scheduler& scheduler, LogSink& log, ServerConfig config, MessageReader& reader,
             std::unique_ptr<GroupCommitter> committer, HostOptions options = {});
  // Cancels this host's timers: a stopped server node leaves nothing behind on a shared clock.
  ~ServerHost();
  ServerHost(const ServerHost&) = delete;
  ServerHost& operator=(const ServerHost&) = delete;

  const ServerConfig& config() const { return core_.config(); }
  const HostOptions& options() const { return options_; }

  // A transport finished its handshake. Returns the new session's id, or nothing when the
  // server is shutting down (the transport should then close).
  std::optional<SessionId> open_session(std::weak_ptr<SessionTransport> transport,
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
  std::optional<SessionId> attach_upgrade(std::string_view engine_session_id, std::weak_ptr<SessionTransport> websocket);

  void on_text_frame(SessionId session, std::string_view text);
  void on_binary_frame(SessionId session, std::size_t size_bytes);
  // The session's transport wrote `bytes` of what it was given; once nothing is left
  // unwritten the core hears that the output drained (it paces catch-up on that).
  void on_output_written(SessionId session, std::size_t bytes);
  // The session's WebSocket is gone, whoever closed it. Each WebSocket calls this exactly once.
  void on_transport_closed(SessionId session);

  // A cluster node (ServerConfig::shared_log): entries read from the shared log, in log order
  // and already readable through the host's MessageReader; and ids the log lost to trimming
  // before this node read them.
  void on_log_entries(const std::vector<StoredMessage>& entries);
  void on_log_gap(std::int64_t after_id, std::int64_t next_id);

  // Inputs that arrive together (the frames of one read) are handed to the core one by one,
  // each isolated, and their actions carried out once at the end, as one round of work.
  class InputBatch {
   public:
    explicit InputBatch(ServerHost& host) : host_(host) { ++host_.batch_depth_; }
    ~InputBatch() {
      if (--host_.batch_depth_ == 0) host_.carry_out_actions();
    }
    InputBatch(const InputBatch&) = delete;
    InputBatch& operator=(const InputBatch&) = delete;

   private:
    ServerHost& host_;
  };

  // Waits for the group in flight, commits what is still pending, and carries out what that
  // releases (a graceful stop).
  void commit_now();
  // Commits what is pending so acks and broadcasts go out, then asks every transport to
  // close. `on_all_sessions_closed` runs once no transport is left (maybe right away).
  void begin_shutdown(std::function<void()> on_all_sessions_closed);
  // After the event loop has stopped: commits what is still pending. Nothing can be sent
  // any more, which is safe: an unacknowledged message is retried by its client and the
  // UNIQUE client_offset keeps it stored once.
  void commit_before_exit();

  std::size_t open_session_count() const { return sessions_.size(); }
  // Messages were read that are neither committed nor failed yet (pending or in flight).
  bool has_pending_commit() const { return core_.has_pending_commit(); }
  std::size_t queued_bytes(SessionId session) const;

 private:
  struct HostedSession {
    // The session's WebSocket (direct, or the one probing an upgrade of a polling session).
    std::weak_ptr<SessionTransport> transport;
    // Long-polling: the GET the core holds; answered with AnswerPoll, or "1" when closing.
    std::shared_ptr<PollResponder> pending_poll;
    // Bytes given to the transport and not yet reported written.
    std::size_t queued_bytes = 0;
    // After a close request the core is done with the session: frames still arriving during
    // the close handshake are not passed on, only the final on_session_closed.
    bool close_requested = false;
    // The core itself said CloseSession and has forgotten the session.
    bool closed_by_core = false;
    // Dropped as a slow consumer: nothing more is sent.
    bool aborted = false;
  };

  std::int64_t now_ms() const { return scheduler_.now_us() / 1000; }
  template <typename CoreInput>
  void deliver(std::optional<SessionId> session, std::string_view event, CoreInput&& input);
  void carry_out_actions();
  void send_packet(SessionId session, std::string_view packet);
  void request_close(SessionId session, CloseCause cause);
  void end_session(std::map<SessionId, HostedSession>::iterator found);
  void submit_commit(CommitRequest request);
  void on_commit_completed(CommitCompletion completion);
  // Commits on this thread until no group is left; `can_send`: the event loop still runs, so
  // what the commits release is carried out (otherwise only logged).
  void commit_synchronously(bool can_send);
  void rearm_deadline();
  TimerId run_at(std::int64_t time_us, std::function<void()> work);
  void log(LogLevel level, std::string_view text) { log_.log(level, text); }

  Scheduler& scheduler_;
  LogSink& log_;
  HostOptions options_;
  ChatServerCore core_;
  std::map<SessionId, HostedSession> sessions_;
  SessionId next_session_id_ = 1;
  int batch_depth_ = 0;

  // The earliest wake-up armed for the core's deadlines. A later one that was armed before
  // stays armed and finds nothing due; re-arming only for an earlier deadline needs no
  // cancel, and the simulator's order of events at one instant depends on exactly this.
  std::optional<std::int64_t> armed_wake_us_;
  // While commit_synchronously runs, a group the core requests is committed at once and its
  // outcome waits here for the next round of that loop.
  bool commit_synchronously_ = false;
  std::optional<CommitCompletion> synchronous_completion_;
  // This host's timers that have not run, cancelled when the host goes away. A host keeps the
  // wake timers of deadlines that moved earlier (each runs out by its deadline), so far more
  // than this many means timers are being leaked.
  static constexpr std::size_t timers_pending_max = 65536;
  std::set<TimerId> timers_;

  bool shutting_down_ = false;
  std::function<void()> on_all_sessions_closed_;
  // Expires with the host: answers that arrive after it (a lost-socket lookup) do nothing.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  // Last, so it goes first: no completion can reach a host that is being destroyed.
  std::unique_ptr<GroupCommitter> committer_;
};

}  // namespace resync::server::host
