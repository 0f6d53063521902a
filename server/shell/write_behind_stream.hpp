#pragma once
// The layer under the server's Beast WebSocket stream that turns many small frames into one
// socket write. Beast writes one frame per async_write and waits for it; a fan-out or a
// catch-up queues thousands of small frames per session, and one sendmsg per frame was the
// largest single cost of a catch-up (28 % of its profile). Here a write is accepted by copying
// it into a pending buffer and completing at once (posted, as Asio requires); one socket
// write at a time carries what piled up. Beast hands over the next frame only after the
// previous one completed (one posted round each), so on its own the layer would still write
// one frame per round; the session therefore holds the layer while it has frames queued
// behind the one Beast is writing and releases it when its queue empties, and everything
// held goes out in one write. Unheld (a lone frame, Beast's own pongs and close frame) a write
// starts at once. Reads pass straight through.
//
// Bounded: once `pending_bytes_max` bytes wait, the next write is parked until the socket
// write in flight completes, so a peer that stops reading still backs the queue up into the
// session and the host's slow-consumer limit, as before.
//
// The WebSocket close handshake ends with Beast's teardown of the next layer; the
// async_teardown overload below first waits until every accepted byte (the close frame
// among them) is in the kernel, then tears the socket down.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/teardown.hpp>

namespace resync::server::shell {

class WriteBehindStream {
 public:
  using next_layer_type = boost::beast::tcp_stream;
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

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return next_.async_read_some(buffers, std::forward<Token>(token));
  }

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

  // Bytes accepted since the stream began, and bytes of them the socket has taken. A write
  // that completed is accepted; it is in the kernel once written_bytes() reaches its end.
  std::uint64_t accepted_bytes() const noexcept { return state_->accepted_total; }
  std::uint64_t written_bytes() const noexcept { return state_->written_total; }
  // Called (on the stream's executor, while the stream exists) after each socket write with
  // the new written_bytes(); it may write again.
  void on_written(std::function<void(std::uint64_t written_total)> callback) { state_->on_written = std::move(callback); }

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
    std::function<void(std::uint64_t)> on_written;
    boost::beast::error_code failure;  // the socket write failed: every later write fails too
    // At most one of each: Beast has one write in flight per stream, and a close flushes once.
    // std::optional, emplaced and reset, never assigned: Boost 1.81's any_completion_handler
    // move assignment copies from an lvalue and so wraps the handler inside itself (the
    // server crashed in malloc under a slow consumer).
    std::optional<WriteHandler> parked_write;
    std::vector<boost::asio::const_buffer> parked_pieces;
    std::vector<FlushHandler> flush_waiters;
    bool stream_gone = false;  // the socket write's completion must not touch the stream
  };

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
    boost::beast::websocket::async_teardown(role, stream.next_layer().socket(), std::move(handler));
  });
}

}  // namespace resync::server::shell
