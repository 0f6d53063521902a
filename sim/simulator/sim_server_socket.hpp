#pragma once
// The server's end of one simulated connection: reads HTTP requests (a WebSocket upgrade, or
// Engine.IO long-polling GETs and POSTs with Content-Length over keep-alive), then WebSocket
// frames, and hands them to the host; writes what the host sends into the network. Its send
// buffer drains into the proxy's pipeline while the pipeline has room and reports written
// bytes at the link's rate, so the host's slow-consumer limit works as it does live.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/engineio_packet.hpp"
#include "server/host/session_transport.hpp"
#include "sim/simulator/simulated_server.hpp"

namespace resync::sim {

class SimServerSocket final : public server::host::SessionTransport,
                              public server::host::PollResponder,
                              public std::enable_shared_from_this<SimServerSocket> {
 public:
  SimServerSocket(SimulatedServer& server, SimConnection& connection) : server_(server), connection_(connection) {}

  void receive(const std::string& bytes, bool end_of_stream);
  // The connection was reset: the host hears that the session's transport is gone.
  void reset();
  // The pipeline took bytes: write what waited for room.
  void flush();

  // server::host::SessionTransport
  void send_packet(std::string_view packet) override;
  void close(server::host::CloseCause cause) override;
  void abort() override;
  std::string describe() const override;
  // server::host::PollResponder
  void answer_poll(std::string payload) override;

 private:
  enum class Mode { http, websocket };
  struct Unwritten {
    std::string bytes;
    std::size_t packet_bytes = 0;  // what the host counts: the packet without its frame header
  };

  // Takes whole requests out of the HTTP buffer; false when it waits for more bytes.
  bool handle_next_request();
  void open_websocket(const protocol::engineio::HandshakeQuery& query);
  void handle_polling_request(std::string_view method, const protocol::engineio::HandshakeQuery& query,
                              std::string_view body);
  void receive_frames(std::string_view bytes);
  void write_http_response(int status, std::string_view reason, std::string_view content_type, std::string_view body);
  void refuse_and_close();
  void peer_closed();
  void end_transport();
  void write(std::string bytes, std::size_t packet_bytes);
  void write_now(const Unwritten& unwritten);
  void schedule_written_report(std::size_t frame_bytes, std::size_t packet_bytes);
  bool pipeline_full() const;

  SimulatedServer& server_;
  SimConnection& connection_;
  Mode mode_ = Mode::http;
  std::string http_buffer_;
  WireEndpoint websocket_;
  std::optional<server::SessionId> session_;
  bool held_get_ = false;  // a long-polling GET of this connection waits for its answer

  std::deque<Unwritten> unwritten_;  // bounded by the host's write_queue_bytes_max
  // Written into the pipeline, reported to the host once the link has carried them.
  std::size_t reported_frame_bytes_pending_ = 0;
  std::size_t reported_packet_bytes_pending_ = 0;
  bool written_report_scheduled_ = false;
};

}  // namespace resync::sim
