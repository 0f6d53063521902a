#pragma once
// Engine.IO v4 long-polling for one ChatClient transport, as a pure state machine over
// HTTP/1.1 bytes (sans-I/O, like ChatClient itself): socket.io-client with
// transports: ["polling"]. It holds one GET open on the poll connection (the server answers
// it when it has packets) and sends the client's packets in POSTs, one in flight at a time,
// on the post connection; both are keep-alive and reopened when the server closes them.
// Bodies are Engine.IO payloads (packets joined by 0x1E); the sid comes from the open packet
// that answers the handshake GET. The shell carries the bytes (TCP in the live runner, the
// proxy pipeline in the simulator) and hands the packets to the ChatClient, which cannot
// tell this transport from a WebSocket.
//
// No timers: like socket.io-client's XHR requests, a request waits as long as it takes; the
// ChatClient's heartbeat (pingInterval + pingTimeout) notices a server that went silent.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/client/http_response_reader.hpp"

namespace resync::sim {

using PollingConnectionId = std::uint64_t;

// Actions for the shell, in the order they must be carried out.
struct OpenPollingConnection {  // open a TCP connection to the server (through the proxy)
  PollingConnectionId connection = 0;
};
struct WritePollingBytes {  // write these bytes on that connection, after what was written before
  PollingConnectionId connection = 0;
  std::string bytes;
};
struct ClosePollingConnection {  // close it once what was written on it is sent
  PollingConnectionId connection = 0;
};
struct DeliverPacket {  // an Engine.IO text packet for the ChatClient (on_text_frame)
  std::string text;
};
struct PollingTransportOpen {};  // the handshake was answered (ChatClient::on_transport_open)
struct PollingTransportClosed {  // the transport failed (ChatClient::on_transport_closed)
  std::string reason;
};
using PollingAction = std::variant<OpenPollingConnection, WritePollingBytes, ClosePollingConnection, DeliverPacket,
                                   PollingTransportOpen, PollingTransportClosed>;

struct PollingTransportOptions {
  std::string host;   // the Host header, e.g. "127.0.0.1:3000"
  std::string query;  // "EIO=4&transport=polling&tag=alice" (the sid is added after the handshake)
  std::string path = "/socket.io/";
  // A GET's answer carries the server's whole polling queue (a catch-up batch can be large):
  // the server disconnects a polling client past 64 MiB queued, so more is a broken server.
  std::size_t response_body_bytes_max = 64 * 1024 * 1024 + 4096;
  // Packets the client wrote that wait for a POST; past this the transport fails rather than
  // grow without bound (socket.io-client's write buffer has no limit; a chat page sends little).
  std::size_t pending_send_bytes_max = 16 * 1024 * 1024;
};

class PollingClientTransport {
 public:
  explicit PollingClientTransport(PollingTransportOptions options);

  // The handshake GET. Once, first.
  void open();
  // A packet from the ChatClient (SendFrame). Sent in the next POST.
  void send(std::string packet);
  // The app closes (CloseTransport): a close packet is POSTed, then both connections close.
  // Nothing is reported after close().
  void close();

  // What the shell reads on a connection, and its end (EOF, a reset, a refused connect: all
  // the same to socket.io-client, whose XHR only reports that the request failed).
  void on_bytes(PollingConnectionId connection, std::string_view bytes);
  void on_connection_closed(PollingConnectionId connection);

  std::vector<PollingAction> take_actions();

  bool is_open() const { return state_ == State::open; }
  bool is_closed() const { return state_ == State::closed; }
  const std::string& session_id() const { return session_id_; }

 private:
  enum class State : std::uint8_t { idle, handshaking, open, closing, closed };
  enum class Role : std::uint8_t { poll = 0, post = 1 };

  struct Connection {
    PollingConnectionId id = 0;
    HttpResponseReader reader;
    std::size_t requests_in_flight = 0;
  };

  Connection& connection_for(Role role);
  Connection* find(PollingConnectionId id, Role* role);
  void write_request(Role role, std::string request);
  std::string request_target() const;
  void poll();
  void flush_posts();
  void on_response(Role role, HttpResponse response);
  void on_poll_response(HttpResponse response);
  void on_post_response(const HttpResponse& response);
  void fail(std::string reason);
  void close_connections();
  void forget(Role role);

  PollingTransportOptions options_;
  State state_ = State::idle;
  std::string session_id_;
  std::size_t payload_bytes_max_ = 1000000;  // from the open packet
  std::optional<Connection> connections_[2];
  PollingConnectionId next_connection_ = 1;
  std::deque<std::string> pending_sends_;
  std::size_t pending_send_bytes_ = 0;
  std::vector<PollingAction> actions_;
};

}  // namespace resync::sim
