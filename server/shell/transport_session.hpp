#pragma once
// What the core driver needs from the connections that carry a session: a WebSocket
// (TransportSession), or, on long-polling, the HTTP connection of the GET the core holds
// (PollResponder). No Beast or Asio types here.
#include <string>

namespace resync::server::shell {

// Why the server closes a connection; a transport maps it to its own wire form
// (a WebSocket close code, or a close packet answered to the pending GET when polling).
enum class CloseCause {
  core_requested,   // the core said CloseSession: ping timeout, protocol error, ...
  server_shutdown,  // SIGINT/SIGTERM or stop(): clients should reconnect later
};

class TransportSession {
 public:
  virtual ~TransportSession() = default;

  // Queues one encoded Engine.IO packet for the client. Never calls back into the driver
  // synchronously, so the driver may call it while it walks the core's actions.
  virtual void send_packet(std::string packet) = 0;

  // Closes once everything queued so far has been written; packets sent afterwards are
  // dropped. The transport reports the end through CoreDriver::on_transport_closed.
  virtual void close(CloseCause cause) = 0;
};

// The HTTP connection whose long-polling GET waits for packets. The driver holds it (and so
// keeps it alive) until the core answers the GET or the session ends.
class PollResponder {
 public:
  virtual ~PollResponder() = default;
  // Answers the held GET with an Engine.IO payload (200, text/plain). Never calls back into
  // the driver synchronously.
  virtual void answer_poll(std::string payload) = 0;
};

}  // namespace resync::server::shell
