#pragma once
// The live shell of one simulated client transport, whichever Engine.IO transport it is
// (a WebSocket, or long-polling over HTTP): it only moves Engine.IO text packets; the
// ChatClient state machine decides everything.
#include <functional>
#include <string>

namespace resync::sim {

struct ClientTransportCallbacks {
  std::function<void()> on_open;
  std::function<void(std::string text)> on_text;      // one Engine.IO text packet
  std::function<void(std::string reason)> on_closed;  // called once, for any end
};

class ClientTransportConnection {
 public:
  virtual ~ClientTransportConnection() = default;
  virtual void send_text(std::string text) = 0;
  // The app lets the transport go (like a page unload or a dropped socket); on_closed is not
  // called after close().
  virtual void close() = 0;
};

}  // namespace resync::sim
