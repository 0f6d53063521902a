#pragma once
// One ChatClient over real sockets (a WebSocket, or long-polling over HTTP, as the client's
// OpenTransport says): carries out the client's actions (open a transport,
// send a frame, close it), feeds it what its connections and its timer report, and hands each
// of its history records to the owner. The live runner, the target probe and the start-offset
// reader all drive their clients through it, so a client behaves the same in each.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "sim/client/chat_client.hpp"
#include "sim/runner/client_transport_connection.hpp"

namespace resync::sim {

struct SocketChatClientHooks {
  std::function<std::int64_t()> now_ms;                  // the owner's clock
  std::function<void(history::EventPayload record)> on_record;  // every history record of the client
  std::function<void(const std::string& text)> on_frame;  // optional: each frame, before the client reads it
  std::function<void()> on_open;                          // optional: a WebSocket opened
  std::function<void(const std::string& reason)> on_closed;  // optional: a WebSocket ended
  // optional: the port each new Engine.IO session connects to (a cluster's router); all the
  // HTTP connections of a polling session go to the port its session got. Unset: `port`.
  std::function<std::uint16_t()> port_for_new_session;
};

class SocketChatClient {
 public:
  SocketChatClient(boost::asio::io_context& io, ChatClient& client, std::string host, std::uint16_t port,
                   SocketChatClientHooks hooks);
  ~SocketChatClient() { close_all(); }
  SocketChatClient(const SocketChatClient&) = delete;
  SocketChatClient& operator=(const SocketChatClient&) = delete;

  // Carries out what the client asked for since the last call and re-arms its timer.
  void pump();
  // Closes every connection and stops the timer: no socket event reaches the client
  // afterwards, and pump() only hands on its records.
  void close_all();
  ChatClient& client() { return client_; }

 private:
  void open_transport(const OpenTransport& open);
  void arm_timer();

  boost::asio::io_context& io_;
  ChatClient& client_;
  std::string host_;
  std::uint16_t port_;
  SocketChatClientHooks hooks_;
  std::map<TransportId, std::shared_ptr<ClientTransportConnection>> connections_;
  boost::asio::steady_timer timer_;
  bool closed_ = false;
};

}  // namespace resync::sim
