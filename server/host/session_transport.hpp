#pragma once
// What the host needs from the connections that carry a session: a WebSocket-like transport
// (SessionTransport), or, on long-polling, the HTTP connection of the GET the core holds
// (PollResponder). The live shell and the simulated server endpoint implement them.
#include <cstddef>
#include <string>
#include <string_view>

namespace resync::server::host {

// Why the server closes a connection; a transport maps it to its own wire form
// (a WebSocket close code, or a close packet answered to the pending GET when polling).
enum class CloseCause {
  core_requested,   // the core said CloseSession: ping timeout, protocol error, ...
  server_shutdown,  // SIGINT/SIGTERM or stop(): clients should reconnect later
};

class SessionTransport {
 public:
  virtual ~SessionTransport() = default;

  // Queues one encoded Engine.IO packet for the client (copied: a broadcast hands the same
  // bytes to every receiver). Never calls back into the host synchronously, so the host may
  // call it while it walks the core's actions. Once the bytes are written, the transport
  // reports them with ServerHost::on_output_written.
  virtual void send_packet(std::string_view packet) = 0;

  // Closes once everything queued so far has been written; packets sent afterwards are
  // dropped. The transport reports the end through ServerHost::on_transport_closed (it may
  // do so from inside this call).
  virtual void close(CloseCause cause) = 0;

  // Drops the connection now without writing what is queued (a slow consumer). The end is
  // reported as for close().
  virtual void abort() = 0;

  // "session 3 (127.0.0.1:4711, tag alice)": the connection as log lines name it.
  virtual std::string describe() const = 0;
};

// The HTTP connection whose long-polling GET waits for packets. The host holds it (and so
// keeps it alive) until the core answers the GET or the session ends.
class PollResponder {
 public:
  virtual ~PollResponder() = default;
  // Answers the held GET with an Engine.IO payload (200, text/plain). Never calls back into
  // the host synchronously.
  virtual void answer_poll(std::string payload) = 0;
};

}  // namespace resync::server::host
