#pragma once
// A simulated chat client as a pure state machine (sans-I/O): the tutorial's page on top
// of socket.io-client 4.x over a WebSocket or long-polling transport (the shell carries
// either; the client sees Engine.IO text packets). It behaves like the real client where
// that matters for delivery: auth.serverOffset tracking (tutorial or dedupe policy), the
// send buffer for plain emits made while disconnected, acked emits with ackTimeout and
// retries (one packet in flight, resent on reconnect), heartbeats, and reconnection with
// socket.io-client's backoff. The live runner drives it over real sockets; the simulator
// drives the same object on virtual time.
//
// Every event worth checking is emitted as a history record (docs/HISTORY.md).
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/portable_random.hpp"
#include "protocol/socketio_packet.hpp"
#include "sim/history/history_event.hpp"

#include "sim/client/reconnect_backoff.hpp"
#include "sim/scenario/scenario.hpp"

namespace resync::sim {

using TransportId = std::uint64_t;

// Actions for the shell.
struct OpenTransport {
  TransportId transport = 0;
  // The shell carries it: a WebSocket, or long-polling through a PollingClientTransport.
  // Either way the client sees Engine.IO text packets only.
  ClientTransport kind = ClientTransport::websocket;
  std::string query;  // "EIO=4&transport=websocket&tag=<client name>" (transport=polling for polling)
};
struct SendFrame {
  TransportId transport = 0;
  std::string text;
};
struct CloseTransport {
  TransportId transport = 0;
};
struct RecordEvent {
  history::EventPayload event;  // a history line about this client; the shell stamps the time
};
using ClientAction = std::variant<OpenTransport, SendFrame, CloseTransport, RecordEvent>;

struct RenderedMessage {
  std::int64_t id = 0;
  std::string content;
};

struct ClientProtocolNames {
  std::string chat_event = "chat message";
  std::string offset_auth_field = "serverOffset";
};

class ChatClient {
 public:
  // Chat events a server may send before its CONNECT reply (a recovering server replays the
  // missed ones there). socket.io-client buffers them without a limit; a server under test
  // that never replies would grow this without end, so beyond it the client drops the
  // transport and reports the server's fault as a connect error.
  static constexpr std::size_t receive_buffer_events_max = 100'000;

  ChatClient(ClientSpec spec, ClientProtocolNames names, std::uint64_t seed);

  // Before the first connect: the server already holds older rows up to `offset`. The page
  // behaves as one that had seen them: it connects (and after a reload that keeps nothing,
  // reconnects) with `offset`, and its client offsets carry it, so they differ from those of
  // an earlier run against the same server (a server deduplicating by client offset would
  // take this run's sends for that run's retries).
  void start_from(std::int64_t offset);

  // What the app does.
  void connect(std::int64_t now_ms);     // socket.connect()
  void disconnect(std::int64_t now_ms);  // socket.disconnect(): explicit, no reconnection
  void reload(std::int64_t now_ms);      // the page reloads: memory is lost, then it connects again
  void send(const std::string& content, std::int64_t now_ms);

  // What the transport reports.
  void on_transport_open(TransportId transport, std::int64_t now_ms);
  void on_text_frame(TransportId transport, std::string_view text, std::int64_t now_ms);
  void on_transport_closed(TransportId transport, std::string_view reason, std::int64_t now_ms);
  void on_timer(std::int64_t now_ms);

  std::vector<ClientAction> take_actions();
  std::optional<std::int64_t> next_deadline_ms() const;

  const std::string& name() const { return spec_.name; }
  bool connected() const { return state_ == State::connected; }
  // Connected with nothing left to send or to have acknowledged.
  bool settled() const { return connected() && plain_send_buffer_.empty() && acked_queue_.empty(); }
  bool wants_connection() const { return state_ != State::idle; }
  std::int64_t server_offset() const { return server_offset_; }
  // Events held until the CONNECT reply (at most receive_buffer_events_max).
  std::size_t buffered_receive_events() const { return receive_buffer_.size(); }
  // When this client last sent, had acknowledged or received a chat message (heartbeats
  // do not count): the quiet rule of convergence looks at this.
  std::int64_t last_chat_activity_ms() const { return last_chat_activity_ms_; }
  const std::vector<RenderedMessage>& rendered() const { return rendered_; }

 private:
  enum class State { idle, waiting_to_reconnect, opening, awaiting_socket_connect, connected };

  struct QueuedSend {
    std::string content;
    std::string client_offset;
    int try_count = 0;
    std::optional<std::int64_t> ack_deadline_ms;
  };

  void open_transport(std::int64_t now_ms);
  void lose_transport(std::string reason, std::int64_t now_ms);
  void schedule_reconnect(std::int64_t now_ms);
  void handle_engine_packet(std::string_view text, std::int64_t now_ms);
  void handle_socket_packet(std::string_view text, std::int64_t now_ms);
  void handle_chat_event(const resync::protocol::socketio::ChatEventArguments& arguments);
  void handle_chat_arguments(std::optional<resync::protocol::socketio::ChatEventArguments> arguments);
  nlohmann::json connect_auth() const;
  void on_socket_connected(const nlohmann::json& data, std::int64_t now_ms);
  void emit_plain(const std::string& content);
  void drain_acked_queue(bool force, std::int64_t now_ms);
  void fail_in_flight_send();
  void abandon_pending_sends(const std::string& reason);
  void send_engine(std::string text);
  // `event` is one of the client payloads (its `client` is filled in here).
  void record(history::EventPayload event);

  ClientSpec spec_;
  ClientProtocolNames names_;
  SeededRandom random_;
  ReconnectBackoff backoff_;

  State state_ = State::idle;
  TransportId transport_ = 0;  // the current transport; events from older ones are ignored
  TransportId next_transport_ = 1;
  int attempt_ = 0;            // connection attempts since the last successful connect
  std::optional<std::int64_t> reconnect_at_ms_;
  std::optional<std::int64_t> open_deadline_ms_;
  std::optional<std::int64_t> heartbeat_deadline_ms_;
  std::int64_t ping_interval_ms_ = 0;
  std::int64_t ping_timeout_ms_ = 0;

  // The app's memory (what a reload forgets).
  std::int64_t server_offset_ = 0;
  std::int64_t start_offset_ = 0;  // what "nothing seen yet" means (start_from)
  std::vector<RenderedMessage> rendered_;
  std::set<std::int64_t> seen_ids_;
  int page_incarnation_ = 1;
  std::uint64_t client_offset_counter_ = 0;

  // socket.io-client's memory.
  std::deque<std::string> plain_send_buffer_;  // emits made while disconnected
  std::deque<QueuedSend> acked_queue_;         // retried emits, head in flight
  std::map<std::uint64_t, std::string> ack_ids_to_client_offset_;
  // Events that arrive before the CONNECT reply.
  std::vector<resync::protocol::socketio::ChatEventArguments> receive_buffer_;
  // Connection state recovery (spec_.connection_state_recovery): the server's private id
  // from the last CONNECT reply and the offset of the last event handled, sent back on
  // reconnect as socket.io-client >= 4.6 does. A reload forgets them.
  std::optional<std::string> private_id_;
  std::optional<std::string> last_event_offset_;
  std::uint64_t next_ack_id_ = 0;
  std::int64_t last_chat_activity_ms_ = 0;
  std::int64_t now_ms_ = 0;  // the time of the input being handled, for last_chat_activity_ms_

  std::vector<ClientAction> actions_;
};

}  // namespace resync::sim
