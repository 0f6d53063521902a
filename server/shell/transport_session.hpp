#pragma once
// What the core driver needs from one client connection, whatever carries it: the WebSocket
// session today, a long-polling session in step 6. No Beast or Asio types here.
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

}  // namespace resync::server::shell
