#include "server/shell/websocket_session.hpp"

#include <chrono>
#include <string_view>
#include <utility>


#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/websocket/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include "server/shell/shell_log.hpp"

namespace resync::server::shell {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

namespace {

// Bytes the write-behind layer accepts before Beast's next frame waits for the socket: enough
// to carry a catch-up batch's frames in a few socket writes.
constexpr std::size_t write_behind_bytes_max = 64 * 1024;

// The most a read asks for at once; a longer message takes several reads.
constexpr std::size_t read_chunk_bytes = 512;

// A session keeps at most this much read buffer between messages; one large frame must not
// pin its size in memory for the rest of the connection.
constexpr std::size_t read_buffer_retained_bytes_max = 64 * 1024;

// Ends that need no log line: the peer or the server closed cleanly, or the server dropped
// the connection on purpose (and logged why at that moment).
bool is_ordinary_end(const beast::error_code& error) {
  return error == websocket::error::closed || error == boost::asio::error::eof ||
         error == boost::asio::error::operation_aborted || error == boost::asio::error::connection_reset ||
         error == boost::asio::error::broken_pipe;
}

std::string describe_peer(const boost::asio::ip::tcp::socket& socket) {
  beast::error_code error;
  boost::asio::ip::tcp::endpoint peer = socket.remote_endpoint(error);
  if (error) return "unknown peer";
  return peer.address().to_string() + ":" + std::to_string(peer.port());
}

}  // namespace

WebSocketSession::WebSocketSession(boost::asio::ip::tcp::socket&& socket, ConnectionSlot connection_slot,
                                   ShellContext& context, protocol::engineio::HandshakeQuery query)
    : websocket_(std::move(socket), write_behind_bytes_max),
      connection_slot_(std::move(connection_slot)),
      context_(context),
      query_(std::move(query)),
      peer_(describe_peer(beast::get_lowest_layer(websocket_))) {}

void WebSocketSession::run(beast::http::request<beast::http::string_body> upgrade_request) {
  // The HTTP session's request timeout stayed with its tcp_stream; liveness is the core's
  // Engine.IO heartbeat, and the handshakes get the stream's own timeout.
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::milliseconds(context_.limits.websocket_close_timeout_ms);
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  websocket_.set_option(timeouts);
  websocket_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& response) { response.set(beast::http::field::server, "resync"); }));
  // Engine.IO's maxPayload: a longer message fails the read and Beast closes with 1009.
  websocket_.read_message_max(static_cast<std::size_t>(context_.host.config().payload_bytes_max));
  // The layer lives inside this session, and calls back only while it exists.
  websocket_.next_layer().on_written(
      [this](beast::error_code error, std::uint64_t written_total) { on_socket_written(error, written_total); });
  // Beast builds its 101 (or 400) answer from the request before this call returns.
  websocket_.async_accept(upgrade_request, beast::bind_front_handler(&WebSocketSession::on_accept, shared_from_this()));
}

void WebSocketSession::on_accept(beast::error_code error) {
  if (error) {
    // Beast has already answered the bad upgrade with an HTTP error; the core never knew us.
    state_ = State::ended;
    log_line(LogLevel::info, describe() + ": WebSocket handshake failed: " + error.message());
    return;
  }
  state_ = State::open;
  // With a sid this WebSocket probes an upgrade of that polling session (checked before the
  // handshake; the session may have ended since, and then this WebSocket just closes).
  std::optional<SessionId> session = query_.session_id.empty()
                                         ? context_.host.open_session(weak_from_this(), query_)
                                         : context_.host.attach_upgrade(query_.session_id, weak_from_this());
  if (session) {
    session_ = *session;
  } else {
    close(query_.session_id.empty() ? host::CloseCause::server_shutdown : host::CloseCause::core_requested);
  }
  do_read();
}

void WebSocketSession::do_read() {
  // Beast holds no unread byte when everything it read ends after the last message it handed
  // over. Only an open session waits: a closing one may have Beast's close operation reading.
  const protocol::websocket::FrameBoundaries& read_frames = websocket_.next_layer().read_frames();
  if (state_ != State::open || !read_frames.ends_after_a_message() || read_frames.messages_ended() != messages_read_) {
    return read_message_part();
  }
  // The next message starts with bytes the socket has yet to deliver: nothing of a read
  // buffer is needed until then.
  read_buffer_.shrink_to_fit();
  beast::get_lowest_layer(websocket_).async_wait(
      boost::asio::ip::tcp::socket::wait_read, beast::bind_front_handler(&WebSocketSession::on_readable, shared_from_this()));
}

void WebSocketSession::on_readable(beast::error_code error) {
  // A close or an abort closes the socket, which cancels the wait: the session ends here.
  if (error) return end_session(error);
  if (state_ == State::aborted) return end_session(boost::asio::error::operation_aborted);
  read_message_part();
}

void WebSocketSession::read_message_part() {
  // A message is read a chunk at a time: a pending async_read prepares its buffer up front
  // (1.5 KiB), a chunk read only this much.
  websocket_.async_read_some(read_buffer_, read_chunk_bytes,
                             beast::bind_front_handler(&WebSocketSession::on_read, shared_from_this()));
}

void WebSocketSession::on_read(beast::error_code error, std::size_t /*bytes_read*/) {
  if (error) return end_session(error);
  if (!websocket_.is_message_done()) {
    if (state_ == State::aborted) return end_session(boost::asio::error::operation_aborted);
    return read_message_part();  // the rest of the message joins what read_buffer_ holds
  }
  ++messages_read_;
  if (session_ != 0) {
    if (websocket_.got_text()) {
      // Beast has checked that a text message is valid UTF-8 (invalid text fails the read
      // and closes with 1007), so the core receives well-formed text only.
      std::string_view text(static_cast<const char*>(read_buffer_.data().data()), read_buffer_.size());
      context_.host.on_text_frame(session_, text);
    } else {
      context_.host.on_binary_frame(session_, read_buffer_.size());
    }
  }
  read_buffer_.consume(read_buffer_.size());
  if (read_buffer_.capacity() > read_buffer_retained_bytes_max) read_buffer_.shrink_to_fit();
  // The connection was dropped while this frame waited to be handled: no read is pending on
  // the closed socket to report the end, so report it here.
  if (state_ == State::aborted) return end_session(boost::asio::error::operation_aborted);
  do_read();
}

void WebSocketSession::send_packet(std::string_view packet) {
  // The host has checked the slow-consumer limit before handing the packet over.
  if (state_ != State::open) return;
  WriteBehindStream& layer = websocket_.next_layer();
  if (write_queue_.empty() && websocket_.is_open() && layer.has_room()) {
    // Straight into the layer, held until the posted flush below releases it: no copy of the
    // packet waits in the queue (a broadcast's receivers all take the same bytes).
    layer.set_held(true);
    append_frame(packet);
  } else {
    write_queue_.push_back(std::string(packet));
  }
  if (flush_scheduled_) return;
  // The queue moves to the socket after the rest of this turn, so everything the host sends
  // for one input (a commit group's broadcasts and acks, a catch-up batch) goes out in one
  // socket write. A close waits for it.
  flush_scheduled_ = true;
  boost::asio::post(websocket_.get_executor(), [self = shared_from_this()] {
    self->flush_scheduled_ = false;
    self->move_queue_to_socket();
  });
}

void WebSocketSession::append_frame(std::string_view packet) {
  WriteBehindStream& layer = websocket_.next_layer();
  layer.append_text_frame(packet);
  // Written once the socket has taken it, not when the layer copied it: the host's
  // slow-consumer count and the core's catch-up pacing (the next batch goes out once the
  // last one is written) measure what the kernel accepted.
  unwritten_frames_.push_back({layer.accepted_bytes(), packet.size()});
}

void WebSocketSession::move_queue_to_socket() {
  WriteBehindStream& layer = websocket_.next_layer();
  // Once Beast has seen or sent a close frame no data frame may follow it; the read loop
  // ends the session.
  const bool may_write = (state_ == State::open || state_ == State::closing) && websocket_.is_open();
  if (may_write) {
    layer.set_held(true);
    while (!write_queue_.empty() && layer.has_room()) {
      append_frame(write_queue_.front());
      write_queue_.pop_front();
    }
  }
  // Whatever the state: what send_packet appended under the hold, and whatever Beast wrote
  // since, goes out in one socket write.
  layer.set_held(false);
  if (may_write && write_queue_.empty() && state_ == State::closing) do_close();
}

void WebSocketSession::on_socket_written(beast::error_code error, std::uint64_t written_total) {
  if (error) {
    if (state_ == State::open || state_ == State::closing) {
      if (!is_ordinary_end(error)) log_line(LogLevel::info, describe() + ": write: " + error.message());
      abort_connection();
    }
    return;
  }
  std::size_t packet_bytes = 0;
  while (!unwritten_frames_.empty() && unwritten_frames_.front().end_offset <= written_total) {
    packet_bytes += unwritten_frames_.front().packet_bytes;
    unwritten_frames_.pop_front();
  }
  // The layer has room again: what waited in the queue goes on.
  if (!write_queue_.empty() && !flush_scheduled_) move_queue_to_socket();
  // After the queue moved on: what the host sends in reply joins it behind.
  if (packet_bytes > 0 && state_ == State::open && session_ != 0) {
    context_.host.on_output_written(session_, packet_bytes);
  }
}

void WebSocketSession::close(host::CloseCause cause) {
  if (state_ != State::open) return;
  state_ = State::closing;
  close_cause_ = cause;
  close_deadline_timer_ = std::make_unique<boost::asio::steady_timer>(websocket_.get_executor());
  close_deadline_timer_->expires_after(std::chrono::milliseconds(context_.limits.websocket_close_timeout_ms));
  close_deadline_timer_->async_wait([self = shared_from_this()](const beast::error_code& error) {
    if (error == boost::asio::error::operation_aborted) return;
    if (self->state_ != State::closing) return;
    log_line(LogLevel::info, self->describe() + ": close did not finish in time; dropping the connection");
    self->abort_connection();
  });
  if (write_queue_.empty() && !flush_scheduled_) do_close();
}

void WebSocketSession::do_close() {
  if (close_started_) return;
  close_started_ = true;
  // Going away (1001) tells the client the server is shutting down and a reconnect later
  // may succeed; the core's closes (ping timeout, protocol error) are normal closes.
  websocket::close_code code =
      close_cause_ == host::CloseCause::server_shutdown ? websocket::close_code::going_away : websocket::close_code::normal;
  websocket_.async_close(websocket::close_reason(code),
                         beast::bind_front_handler(&WebSocketSession::on_close, shared_from_this()));
}

void WebSocketSession::on_close(beast::error_code error) {
  // Success: the pending read has seen the peer's close frame and ends the session.
  if (error && state_ == State::closing) abort_connection();
}

void WebSocketSession::abort_connection() {
  if (state_ == State::aborted || state_ == State::ended) return;
  state_ = State::aborted;
  if (close_deadline_timer_) close_deadline_timer_->cancel();
  // Closing the socket cancels the pending read and write; the read's failure ends the session.
  beast::error_code ignored;
  beast::get_lowest_layer(websocket_).close(ignored);
}

void WebSocketSession::end_session(beast::error_code error) {
  if (state_ == State::ended) return;
  bool was_closing = state_ == State::closing || state_ == State::aborted;
  state_ = State::ended;
  if (close_deadline_timer_) close_deadline_timer_->cancel();
  if (!is_ordinary_end(error) && !(was_closing && error == beast::error::timeout)) {
    log_line(LogLevel::info, describe() + ": connection ended: " + error.message());
  }
  if (session_ != 0) context_.host.on_transport_closed(session_);
}

std::string WebSocketSession::describe() const {
  std::string text = session_ != 0 ? "session " + std::to_string(session_) : std::string("websocket");
  text += " (" + peer_;
  if (!query_.client_tag.empty()) text += ", tag " + printable_for_log(query_.client_tag, 64);
  return text + ")";
}

}  // namespace resync::server::shell
