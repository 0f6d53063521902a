#include "server/shell/write_behind_stream.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>

#include "common/invariant.hpp"
#include "protocol/websocket_frame_writer.hpp"

namespace resync::server::shell {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

// Completions run on the stream's executor: the server runs every session on one thread, and
// Beast's own handlers are bound to that executor.
template <class Handler, class... Args>
void post_completion(Handler handler, const WriteBehindStream::executor_type& executor, Args... args) {
  asio::post(executor, beast::bind_front_handler(std::move(handler), args...));
}

void append(std::string& to, const std::vector<asio::const_buffer>& pieces) {
  for (const asio::const_buffer& piece : pieces) to.append(static_cast<const char*>(piece.data()), piece.size());
}

WriteBehindStream::WriteHandler take_parked_write_from(std::optional<WriteBehindStream::WriteHandler>& slot) {
  WriteBehindStream::WriteHandler handler(std::move(*slot));
  slot.reset();
  return handler;
}

std::size_t total_size(const std::vector<asio::const_buffer>& pieces) {
  std::size_t bytes = 0;
  for (const asio::const_buffer& piece : pieces) bytes += piece.size();
  return bytes;
}

// A held layer still writes once this much is pending, so a long queue streams out in large
// writes instead of waiting for the session's queue to empty.
constexpr std::size_t held_write_bytes_min = 16 * 1024;

}  // namespace

bool WriteBehindStream::should_write(const State& state) {
  return !state.write_in_flight && !state.failure && !state.pending.empty() &&
         (!state.held || state.pending.size() >= held_write_bytes_min);
}

void WriteBehindStream::set_held(bool held) {
  state_->held = held;
  if (should_write(*state_)) start_socket_write(state_, &next_);
}

void WriteBehindStream::append_text_frame(std::string_view payload) {
  State& state = *state_;
  RESYNC_ASSERT(has_room(), "frames are appended only while the layer has room");
  if (state.failure) return;  // the connection is broken: the session hears it from on_written
  const std::size_t size_before = state.pending.size();
  protocol::websocket::append_server_frame(state.pending, protocol::websocket::Opcode::text, payload);
  state.accepted_total += state.pending.size() - size_before;
  if (should_write(state)) start_socket_write(state_, &next_);
}

void WriteBehindStream::accept_write(WriteHandler handler, std::vector<asio::const_buffer> pieces) {
  State& state = *state_;
  RESYNC_ASSERT(!state.parked_write, "Beast has one write in flight per stream");
  if (state.failure) return post_completion(std::move(handler), get_executor(), state.failure, std::size_t{0});
  if (state.pending.size() >= state.pending_bytes_max) {
    // Full: the write waits (its bytes stay the caller's) until the socket write drains.
    state.parked_write.emplace(std::move(handler));
    state.parked_pieces = std::move(pieces);
    return;
  }
  append(state.pending, pieces);
  state.accepted_total += total_size(pieces);
  post_completion(std::move(handler), get_executor(), beast::error_code{}, total_size(pieces));
  if (should_write(state)) start_socket_write(state_, &next_);
}

void WriteBehindStream::accept_flush(FlushHandler handler) {
  State& state = *state_;
  if (state.failure || (!state.write_in_flight && state.pending.empty() && !state.parked_write)) {
    return post_completion(std::move(handler), get_executor(), state.failure);
  }
  state.flush_waiters.push_back(std::move(handler));
  // A flush is a release: the close handshake must not wait for frames nobody will follow.
  set_held(false);
}

void WriteBehindStream::start_socket_write(const std::shared_ptr<State>& state, next_layer_type* next) {
  RESYNC_ASSERT(!state->write_in_flight && !state->pending.empty(), "one socket write at a time, of pending bytes");
  state->write_in_flight = true;
  state->writing.swap(state->pending);
  // No write timeout: a stalled peer is the host's slow-consumer limit and the close deadline.
  asio::async_write(*next, asio::buffer(state->writing),
                    [state, next](beast::error_code error, std::size_t) { on_socket_write(state, next, error); });
}

void WriteBehindStream::on_socket_write(const std::shared_ptr<State>& state, next_layer_type* next,
                                        beast::error_code error) {
  state->write_in_flight = false;
  if (!error) state->written_total += state->writing.size();
  state->writing.clear();
  if (state->stream_gone) return;
  const executor_type executor = next->get_executor();
  if (error) {
    state->failure = error;
    state->pending.clear();
    if (state->parked_write) post_completion(take_parked_write_from(state->parked_write), executor, error, std::size_t{0});
  } else if (state->parked_write) {
    const std::size_t bytes = total_size(state->parked_pieces);
    append(state->pending, state->parked_pieces);
    state->accepted_total += bytes;
    state->parked_pieces.clear();
    post_completion(take_parked_write_from(state->parked_write), executor, beast::error_code{}, bytes);
  }
  if (should_write(*state)) {
    start_socket_write(state, next);
  } else if (state->pending.empty()) {
    // Drained: an idle connection holds no buffer (a busy one swaps the two and keeps both).
    std::string().swap(state->pending);
    std::string().swap(state->writing);
    for (FlushHandler& waiter : std::exchange(state->flush_waiters, {})) {
      post_completion(std::move(waiter), executor, state->failure);
    }
  }  // else held: the release writes what is pending
  // Last: the callback may write again, which re-enters this stream.
  if (state->on_written) state->on_written(error, state->written_total);
}

}  // namespace resync::server::shell
