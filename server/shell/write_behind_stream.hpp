#pragma once
// The layer under the server's Beast WebSocket stream that turns many small frames into one
// socket write. Beast writes one frame per async_write and waits for it: a posted round, a
// composed operation and a socket write per frame, and a fan-out or a catch-up queues
// thousands of small frames per session (one sendmsg per frame was 28 % of a catch-up's
// profile; Beast's per-frame machinery half of an ingest's once the writes were batched).
//
// Two ways in. The session's data frames are appended directly (append_text_frame: an
// unmasked server frame, no operation, no round), while the session holds the layer, and go
// out in one socket write on the release. Beast's own writes (pongs, the close frame) come
// through async_write_some, are accepted whole by copying them into the pending buffer, and
// complete at once (posted, as Asio requires). Whole frames only ever enter the buffer, so the
// two kinds never interleave inside a frame. Reads pass through, followed by FrameBoundaries.
//
// Bounded: has_room() turns false at `pending_bytes_max` bytes (the session then keeps its
// queue, which the host's slow-consumer limit counts), and a Beast write past the bound is
// parked until the socket write in flight completes.
//
// The WebSocket close handshake ends with Beast's teardown of the next layer; the
// async_teardown overload below first waits until every accepted byte (the close frame
// among them) is in the kernel, then tears the socket down.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/websocket/teardown.hpp>

#include "protocol/websocket_frame_boundaries.hpp"

namespace resync::server::shell {

class WriteBehindStream {
 public:
  // The raw socket, not Beast's tcp_stream: the server sets no socket timeouts on a WebSocket
  // (liveness is the Engine.IO heartbeat; the handshakes have the WebSocket stream's own
  // timer), and a tcp_stream's three timers were some 550 bytes of every idle connection.
  using next_layer_type = boost::asio::ip::tcp::socket;
  using executor_type = next_layer_type::executor_type;
  using WriteHandler = boost::asio::any_completion_handler<void(boost::beast::error_code, std::size_t)>;
  using FlushHandler = boost::asio::any_completion_handler<void(boost::beast::error_code)>;

  WriteBehindStream(boost::asio::ip::tcp::socket&& socket, std::size_t pending_bytes_max)
      : next_(std::move(socket)), state_(std::make_shared<State>(pending_bytes_max)) {}
  ~WriteBehindStream() { state_->stream_gone = true; }
  WriteBehindStream(WriteBehindStream&&) = delete;
  WriteBehindStream& operator=(WriteBehindStream&&) = delete;

  executor_type get_executor() noexcept { return next_.get_executor(); }
  // Beast's get_lowest_layer() walks through next_layer().
  next_layer_type& next_layer() noexcept { return next_; }
  const next_layer_type& next_layer() const noexcept { return next_; }

  // Reads pass through; their bytes go past `read_frames()` on the way up.
  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& into) {
          next_.async_read_some(into, [state = state_, into, handler = std::move(handler)](
                                          boost::beast::error_code error, std::size_t bytes_read) mutable {
            observe_read(*state, into, bytes_read);
            std::move(handler)(error, bytes_read);
          });
        },
        token, buffers);
  }
  // Where the frames of everything read so far end: the session knows from it when Beast
  // has no unread bytes left.
  const protocol::websocket::FrameBoundaries& read_frames() const noexcept { return state_->read_frames; }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& data) {
          std::vector<boost::asio::const_buffer> pieces(boost::asio::buffer_sequence_begin(data),
                                                        boost::asio::buffer_sequence_end(data));
          accept_write(WriteHandler(std::move(handler)), std::move(pieces));
        },
        token, buffers);
  }

  // While held, accepted bytes wait (up to held_write_bytes_min) for the release instead of
  // starting a socket write each; releasing starts the write of everything held.
  void set_held(bool held);

  // A final text frame, unmasked, appended now (past Beast: see above). Only while has_room().
  void append_text_frame(std::string_view payload);
  bool has_room() const noexcept { return state_->pending.size() < state_->pending_bytes_max; }

  // Bytes accepted since the stream began, and bytes of them the socket has taken: a frame is
  // in the kernel once written_bytes() reaches its end.
  std::uint64_t accepted_bytes() const noexcept { return state_->accepted_total; }
  std::uint64_t written_bytes() const noexcept { return state_->written_total; }
  // Called (on the stream's executor, while the stream exists) after each socket write, with
  // its error or the new written_bytes(); it may write again.
  using WrittenCallback = std::function<void(boost::beast::error_code, std::uint64_t written_total)>;
  void on_written(WrittenCallback callback) { state_->on_written = std::move(callback); }

  // Completes once every byte accepted so far has been written to the socket (or the socket
  // failed, with that error).
  template <class Token>
  auto async_flush(Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::beast::error_code)>(
        [this](auto handler) { accept_flush(FlushHandler(std::move(handler))); }, token);
  }

 private:
  struct State {
    explicit State(std::size_t max) : pending_bytes_max(max) {}
    std::size_t pending_bytes_max;
    std::string pending;  // accepted, not yet handed to the socket
    std::string writing;  // the bytes of the socket write in flight
    bool write_in_flight = false;
    bool held = false;
    std::uint64_t accepted_total = 0;
    std::uint64_t written_total = 0;
    WrittenCallback on_written;
    boost::beast::error_code failure;  // the socket write failed: every later write fails too
    // At most one of each: Beast has one write in flight per stream, and a close flushes once.
    // std::optional, emplaced and reset, never assigned: Boost 1.81's any_completion_handler
    // move assignment copies from an lvalue and so wraps the handler inside itself (the
    // server crashed in malloc under a slow consumer).
    std::optional<WriteHandler> parked_write;
    std::vector<boost::asio::const_buffer> parked_pieces;
    std::vector<FlushHandler> flush_waiters;
    bool stream_gone = false;  // the socket write's completion must not touch the stream
    protocol::websocket::FrameBoundaries read_frames;
  };

  template <class MutableBuffers>
  static void observe_read(State& state, const MutableBuffers& into, std::size_t bytes_read) {
    for (auto at = boost::asio::buffer_sequence_begin(into); bytes_read > 0 && at != boost::asio::buffer_sequence_end(into); ++at) {
      const boost::asio::mutable_buffer piece = *at;
      const std::size_t bytes = std::min(bytes_read, piece.size());
      state.read_frames.observe(std::string_view(static_cast<const char*>(piece.data()), bytes));
      bytes_read -= bytes;
    }
  }

  void accept_write(WriteHandler handler, std::vector<boost::asio::const_buffer> pieces);
  void accept_flush(FlushHandler handler);
  // Whether a socket write should start now: something pending, none in flight, and the
  // layer not held (or enough held to be worth a write anyway).
  static bool should_write(const State& state);
  // Hands everything pending to one socket write; its completion holds `state` (the bytes)
  // and reaches `next` only while the stream exists.
  static void start_socket_write(const std::shared_ptr<State>& state, next_layer_type* next);
  static void on_socket_write(const std::shared_ptr<State>& state, next_layer_type* next,
                              boost::beast::error_code error);

  next_layer_type next_;
  std::shared_ptr<State> state_;  // shared with the socket write in flight
};

// Beast's close handshake ends here (found by argument-dependent lookup): every accepted byte
// reaches the kernel first, then the TCP connection is torn down as for a plain socket.
template <class TeardownHandler>
void async_teardown(boost::beast::role_type role, WriteBehindStream& stream, TeardownHandler&& handler) {
  stream.async_flush([&stream, role, handler = std::forward<TeardownHandler>(handler)](
                         boost::beast::error_code error) mutable {
    if (error) return std::move(handler)(error);
    boost::beast::websocket::async_teardown(role, stream.next_layer(), std::move(handler));
  });
}

}  // namespace resync::server::shell
