#pragma once
// A node's client of the cluster's shared log on Redis, sans-I/O: it says which links to
// open, which bytes to send and which to close; the shell (Asio live, the simulator's
// network with InMemoryRedis) does that and reports back. Time is the caller's `now_ms`.
//
// Two links: `command` carries the append script's EVAL, one commit group at a time;
// `tail` loops on a blocking XREAD from the last id it has seen, so every node sees every
// entry of the log in log order, its own included.
//
// What can fail and what happens:
//   - no command link, no reply within commit_timeout_ms, an error reply, a malformed
//     reply, the link closing with the EVAL sent: the group fails (GroupCommitted with an
//     error naming Redis and the node). After a timeout, a malformed reply or a close its
//     outcome is unknown: the link is closed and reopened, clients retry with the same
//     client_offset and the script answers them as duplicates.
//   - the tail hears nothing for tail_block_ms + tail_silence_grace_ms: the link is
//     presumed dead, closed and reopened; tailing continues after the last id.
//   - the stream was trimmed past ids this node never read: LogGap before the next entries.
//   - Redis restarts: both links close and reopen with a doubling backoff per link; log
//     lines say what happened.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "server/cluster/resp_codec.hpp"
#include "server/cluster/shared_log_script.hpp"
#include "server/core/commit_group.hpp"
#include "server/core/message_store.hpp"

namespace resync::server::cluster {

// Three TCP connections to Redis: EVALs, a blocking XREAD loop, and the table of lost sockets
// (connection state recovery on any node), so that neither of the others waits for it.
enum class Link { command, tail, lost_sockets };

struct OpenLink { Link link; };  // connect (the shell knows the address); answer with on_link_open / on_link_closed
struct SendBytes { Link link; std::string bytes; };
struct CloseLink { Link link; };  // the shell closes it and then calls on_link_closed
struct GroupCommitted { CommitCompletion completion; };  // answers submit_group, exactly once per group
struct EntriesTailed { std::vector<StoredMessage> entries; };  // new log entries, ids increasing, in log order
struct LogGap { std::int64_t after_id = 0; std::int64_t next_id = 0; };  // ids in between were trimmed before this node read them
struct SharedLogLine {
  enum class Level { info, warning, error } level;
  std::string text;
};
// Answers take_lost_socket: the value remember_lost_socket stored under that private id, now
// gone from the table; nothing when there was none, it expired, or Redis could not be asked.
struct LostSocketTaken {
  std::uint64_t request = 0;
  std::optional<std::string> value;
};
using SharedLogAction =
    std::variant<OpenLink, SendBytes, CloseLink, GroupCommitted, EntriesTailed, LogGap, SharedLogLine, LostSocketTaken>;

struct SharedLogConfig {
  std::string key_prefix = "resync";
  std::string node_id;                    // for log lines
  std::int64_t commit_timeout_ms = 5000;  // EVAL without a reply (or no command link) this long -> the group fails
  std::int64_t tail_block_ms = 1000;      // XREAD BLOCK; no reply within block + tail_silence_grace_ms -> the tail link is presumed dead, closed, reopened
  std::int64_t tail_silence_grace_ms = 2000;
  std::size_t tail_batch_entries_max = 1000;  // XREAD COUNT
  std::int64_t reconnect_delay_ms = 100, reconnect_delay_max_ms = 2000;  // doubling backoff per link
  std::int64_t start_after_id = 0;  // the tail starts after this id (0: the whole log)
  // A connect that has not succeeded or failed after this long is abandoned (CloseLink)
  // and retried with the backoff: a Redis host that drops SYNs would otherwise hold a link
  // in connecting for the kernel's two minutes.
  std::int64_t connect_timeout_ms = 3000;
  // The reply limits of each link's reader.
  RespLimits reply_limits;
};

class SharedLogClient {
 public:
  explicit SharedLogClient(SharedLogConfig config);  // movable, not copyable (it owns its links' readers)

  void start(std::int64_t now_ms);  // opens both links
  void on_link_open(Link link, std::int64_t now_ms);
  void on_link_bytes(Link link, std::string_view bytes, std::int64_t now_ms);
  void on_link_closed(Link link, std::int64_t now_ms);  // a refused connect too
  void submit_group(const CommitRequest& request, std::int64_t now_ms);  // one group in flight at a time (asserted)
  // The table of lost sockets, `<prefix>:lost:<private id>`: SET ... PX window_ms, best effort
  // (dropped when Redis cannot be reached within commit_timeout_ms), and GETDEL, answered by
  // LostSocketTaken with the returned request number, exactly once.
  void remember_lost_socket(std::string_view private_id, std::string_view value, std::int64_t window_ms,
                            std::int64_t now_ms);
  std::uint64_t take_lost_socket(std::string_view private_id, std::int64_t now_ms);
  void on_timer(std::int64_t now_ms);
  std::vector<SharedLogAction> take_actions();
  std::optional<std::int64_t> next_deadline_ms() const;
  std::int64_t tailed_head_id() const { return tailed_head_id_; }  // the highest id emitted in EntriesTailed
  bool in_flight() const { return group_.has_value(); }

 private:
  enum class LinkPhase { down, connecting, open, closing };
  struct LinkState {
    LinkPhase phase = LinkPhase::down;
    std::unique_ptr<RespReader> reader;  // a new one per connection: an error in one is final
    std::int64_t reconnect_at_ms = 0;     // while down
    std::int64_t connect_deadline_ms = 0;  // while connecting
    std::int64_t reconnect_delay_ms = 0;  // the next wait after a close
    std::uint64_t failures_since_reply = 0;  // closes since this link last parsed a reply, for log lines
  };
  struct GroupInFlight {
    std::uint64_t group = 0;
    std::size_t write_count = 0;
    std::string command_bytes;
    std::int64_t submitted_at_ms = 0;
    std::int64_t deadline_ms = 0;
    bool sent = false;  // on the current command link; its outcome is unknown once sent
  };

  LinkState& state_of(Link link);
  const LinkState& state_of(Link link) const;
  std::string link_name(Link link) const;
  void open_link(Link link, std::int64_t now_ms);
  void close_link(Link link, SharedLogLine::Level level, const std::string& why);
  void send_group_if_ready();
  void send_tail_read(std::int64_t now_ms);
  void complete_group(std::vector<InsertResult> results, std::int64_t now_ms);
  void fail_group(const std::string& why, std::int64_t now_ms);
  void on_reply(Link link, const RespValue& reply, std::int64_t now_ms);
  void on_command_reply(const RespValue& reply, std::int64_t now_ms);
  void on_tail_reply(const RespValue& reply, std::int64_t now_ms);
  // The lost-socket link: one request on the wire at a time, the rest queued.
  void queue_lost_socket_request(bool is_take, std::uint64_t request, std::string command_bytes, std::int64_t now_ms);
  void send_lost_socket_request_if_ready(std::int64_t now_ms);
  void on_lost_sockets_reply(const RespValue& reply);
  // The request on the wire (or, with `queued_too`, every request) ends without an answer.
  void abandon_lost_socket_requests(bool queued_too);
  void log(SharedLogLine::Level level, const std::string& text);

  SharedLogConfig config_;
  SharedLogKeys keys_;
  LinkState command_;
  LinkState tail_;
  LinkState lost_sockets_;
  struct LostSocketRequest {
    bool is_take = false;  // GETDEL (answered with LostSocketTaken) or SET (no answer)
    std::uint64_t request = 0;
    std::string command_bytes;
    std::int64_t deadline_ms = 0;  // given up (a take answered with nothing) past this
    bool sent = false;
  };
  // Bounded: a node whose Redis is gone stops queueing; beyond this a take is answered with
  // nothing at once and a remember is dropped (recovery then falls back to the catch-up).
  static constexpr std::size_t lost_socket_requests_max = 10'000;
  std::deque<LostSocketRequest> lost_socket_requests_;  // the front one may be on the wire
  std::uint64_t last_lost_socket_request_ = 0;
  bool started_ = false;
  std::optional<GroupInFlight> group_;
  std::int64_t tailed_head_id_ = 0;
  // The highest id this node has read from the tail or been given by an append: the append
  // script refuses a log that ends before it (shared_log_script.cpp).
  std::int64_t known_id_max_ = 0;
  bool refusing_behind_log_ = false;  // the refusal is logged once per episode
  std::optional<std::int64_t> tail_read_deadline_ms_;  // an XREAD is outstanding until then
  std::size_t tail_batch_entries_ = 0;  // halved after a reply too large for the reader, regrown after good ones
  std::vector<SharedLogAction> actions_;
};

}  // namespace resync::server::cluster
