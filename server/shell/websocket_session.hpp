#pragma once
// One Engine.IO session over WebSocket: owns the Beast stream (handshake, reads, control
// frames, close), the read buffer and a write queue (bounded by the host) whose packets go to
// the write-behind layer as frames, one socket write at a time. Internal to the shell.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "common/draining_queue.hpp"
#include "protocol/engineio_packet.hpp"
#include "server/core/chat_server_core.hpp"
#include "server/shell/admission.hpp"
#include "server/shell/shell_context.hpp"
#include "server/shell/write_behind_stream.hpp"
#include "server/host/session_transport.hpp"

namespace resync::server::shell {

class WebSocketSession final : public host::SessionTransport, public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(boost::asio::ip::tcp::socket&& socket, ConnectionSlot connection_slot, ShellContext& context,
                   protocol::engineio::HandshakeQuery query);

  // Answers the upgrade request (101), then opens the Engine.IO session in the core.
  void run(boost::beast::http::request<boost::beast::http::string_body> upgrade_request);

  void send_packet(std::string_view packet) override;
  void close(host::CloseCause cause) override;
  void abort() override { abort_connection(); }
  std::string describe() const override;

 private:
  enum class State {
    accepting,  // the WebSocket handshake is running; not known to the core yet
    open,       // frames flow both ways
    closing,    // close requested: the queue drains, then the close handshake runs
    aborted,    // the TCP connection was dropped on purpose (slow consumer, write error)
    ended,      // the read loop ended and the core was told
  };

  void on_accept(boost::beast::error_code error);
  // Reads the next message: at once when Beast may still hold bytes of it, else once the
  // socket is readable (an idle connection then keeps a socket wait pending, not Beast's read
  // operation and a prepared read buffer).
  void do_read();
  void on_readable(boost::beast::error_code error);
  void read_message_part();
  void on_read(boost::beast::error_code error, std::size_t bytes_read);
  // One packet as a frame in the write-behind layer, counted as unwritten until the socket
  // takes it. Only while the layer has room.
  void append_frame(std::string_view packet);
  // Appends queued packets to the write-behind layer as frames while it has room, and
  // starts the close handshake once a closing session's queue is empty.
  void move_queue_to_socket();
  // The write-behind layer's socket write took everything up to `written_total` (or failed):
  // the frames that ended there are written, and the host hears of their bytes.
  void on_socket_written(boost::beast::error_code error, std::uint64_t written_total);
  void do_close();
  void on_close(boost::beast::error_code error);
  // Drops the TCP connection now; the pending read then fails and ends the session.
  void abort_connection();
  // The read loop is the one place a session ends: every close, abort or network error
  // makes the pending read fail, so the core hears about the end exactly once.
  void end_session(boost::beast::error_code error);

  // Frames pass through a write-behind layer: what Beast writes while a socket write runs goes
  // out together in the next one. No permessage-deflate: the server never offers it (Beast's
  // default), so the stream carries no compression state.
  static constexpr bool deflate_supported = false;
  boost::beast::websocket::stream<WriteBehindStream, deflate_supported> websocket_;
  ConnectionSlot connection_slot_;  // counts this connection for the cap while the session lives
  ShellContext& context_;
  protocol::engineio::HandshakeQuery query_;
  std::string peer_;  // "address:port" of the client, for logs
  SessionId session_ = 0;  // 0 until the core knows the session
  State state_ = State::accepting;
  host::CloseCause close_cause_ = host::CloseCause::core_requested;

  boost::beast::flat_buffer read_buffer_;
  std::uint64_t messages_read_ = 0;  // whole messages Beast has handed over, to compare with the layer's read_frames()
  // Packets the layer had no room for yet. Its bound is the host's write_queue_bytes_max: the
  // host counts what it sent and was written.
  DrainingQueue<std::string> write_queue_;
  bool flush_scheduled_ = false;  // move_queue_to_socket is posted
  bool close_started_ = false;
  // Frames Beast has handed to the write-behind layer that the socket has not taken yet: where
  // each ends in the layer's byte count, and its packet's size as the host counts it.
  struct UnwrittenFrame {
    std::uint64_t end_offset = 0;
    std::size_t packet_bytes = 0;
  };
  DrainingQueue<UnwrittenFrame> unwritten_frames_;

  // A peer that stops reading never lets the queue drain or answers the close handshake;
  // this bounds how long a closing session may take before the connection is dropped. Made
  // at the close: an open session does not carry a timer (120 bytes) it never arms.
  std::unique_ptr<boost::asio::steady_timer> close_deadline_timer_;
};

}  // namespace resync::server::shell
