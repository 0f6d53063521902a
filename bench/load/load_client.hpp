#pragma once
// One Socket.IO client of the load generator over Resync's live WebSocket client transport
// (sim/runner's WebSocketClientConnection): it answers the Engine.IO open with a CONNECT
// carrying `auth`, answers pings, and hands events and acks to its owner by their prefix
// only, so a client stays cheap and the server, not the generator, is what a figure measures.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "sim/runner/client_transport_connection.hpp"

namespace resync::bench {

struct LoadTarget {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
};

// The Engine.IO transport a load client opens: a WebSocket straight away, or HTTP
// long-polling (held GET, POSTs; sim/runner's PollingClientConnection) without the upgrade.
enum class LoadTransport { websocket, polling };

struct LoadClientEvents {
  std::function<void()> on_connected;                    // the server accepted the CONNECT
  std::function<void(const std::string& frame)> on_event;  // a whole "42[...]" frame
  std::function<void(std::uint64_t ack_id)> on_ack;       // "43<id>[...]"
  std::function<void(const std::string& reason)> on_lost;  // the connection ended on its own
};

class LoadClient {
 public:
  // Connects at once; `auth_json` is the CONNECT payload ("" for none), as socket.io-client's
  // `auth` option, e.g. {"serverOffset":0}.
  LoadClient(boost::asio::io_context& io, const LoadTarget& target, std::string auth_json, LoadClientEvents events,
             LoadTransport transport = LoadTransport::websocket);
  LoadClient(const LoadClient&) = delete;
  LoadClient& operator=(const LoadClient&) = delete;
  ~LoadClient();

  // Emits ("chat message", text, client_offset) with acknowledgement id `ack_id`.
  void emit_chat(const std::string& text, const std::string& client_offset, std::uint64_t ack_id);
  void close();
  // Socket.IO DISCONNECT ("41"), as socket.disconnect() sends it before the transport closes.
  void disconnect_namespace();

 private:
  void on_text(const std::string& text);

  std::string auth_json_;
  LoadClientEvents events_;
  std::shared_ptr<sim::ClientTransportConnection> connection_;
  bool closed_ = false;
};

}  // namespace resync::bench
