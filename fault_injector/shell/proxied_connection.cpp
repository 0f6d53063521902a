#include "fault_injector/shell/proxied_connection.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>

namespace resync::fault_injector {

namespace asio = boost::asio;
using asio::ip::tcp;

ProxiedConnection::ProxiedConnection(ShellContext& context, tcp::socket client, ConnectionPipeline pipeline,
                                     FinishedCallback on_finished)
    : context_(context),
      client_(std::move(client)),
      server_(context.io),
      timer_(context.io),
      pipeline_(std::move(pipeline)),
      on_finished_(std::move(on_finished)) {
  boost::system::error_code ignored;
  const tcp::endpoint remote = client_.remote_endpoint(ignored);
  if (!ignored) client_address_ = remote.address().to_string() + ":" + std::to_string(remote.port());
}

tcp::socket& ProxiedConnection::source(Direction direction) {
  return direction == Direction::upstream ? client_ : server_;
}
tcp::socket& ProxiedConnection::destination(Direction direction) {
  return direction == Direction::upstream ? server_ : client_;
}

void ProxiedConnection::start(const tcp::resolver::results_type& upstream) {
  asio::async_connect(server_, upstream,
                      [self = shared_from_this()](const boost::system::error_code& error, const tcp::endpoint&) {
                        self->on_upstream_connected(error);
                      });
}

void ProxiedConnection::on_upstream_connected(const boost::system::error_code& error) {
  if (finished_) return;
  if (error) {
    // Like Toxiproxy: no upstream, so the client is simply closed.
    finish();
    return;
  }
  connected_ = true;
  boost::system::error_code ignored;
  for (tcp::socket* socket : {&client_, &server_}) {
    socket->non_blocking(true, ignored);
    // Go (Toxiproxy) sets TCP_NODELAY on every connection; so do we, or small messages
    // would wait for Nagle and the proxy would add latency of its own.
    socket->set_option(tcp::no_delay(true), ignored);
  }
  for (Direction direction : kBothDirections) read_available(direction);
  pump();
}

void ProxiedConnection::attach(const ToxicSpec& toxic) {
  pipeline_.attach(toxic, context_.clock.now());
  pump();
}

void ProxiedConnection::update(const ToxicSpec& toxic) {
  pipeline_.update(toxic, context_.clock.now());
  pump();
}

void ProxiedConnection::detach(const std::string& toxic_name) {
  pipeline_.detach(toxic_name, context_.clock.now());
  pump();
}

void ProxiedConnection::drop() { finish(); }

ConnectionInfo ProxiedConnection::info() const {
  return {pipeline_.connection_id(),
          pipeline_.tag(),
          client_address_,
          pipeline_.bytes_read(Direction::upstream),
          pipeline_.bytes_read(Direction::downstream),
          pipeline_.toxics()};
}

void ProxiedConnection::wait_readable(Direction direction) {
  Side& side = sides_[index_of(direction)];
  if (side.waiting_readable || finished_) return;
  side.waiting_readable = true;
  source(direction).async_wait(tcp::socket::wait_read,
                               [self = shared_from_this(), direction](const boost::system::error_code& error) {
                                 self->sides_[index_of(direction)].waiting_readable = false;
                                 if (error || self->finished_) return;
                                 self->read_available(direction);
                               });
}

void ProxiedConnection::wait_writable(Direction direction) {
  Side& side = sides_[index_of(direction)];
  if (side.waiting_writable || finished_) return;
  side.waiting_writable = true;
  destination(direction).async_wait(tcp::socket::wait_write,
                                    [self = shared_from_this(), direction](const boost::system::error_code& error) {
                                      self->sides_[index_of(direction)].waiting_writable = false;
                                      if (error || self->finished_) return;
                                      self->pump();
                                    });
}

// Reads until the socket would block (the reactor is edge-triggered: waiting before the
// socket is drained could wait forever), until too much is buffered, or until this
// connection has had its turn.
void ProxiedConnection::read_available(Direction direction) {
  Side& side = sides_[index_of(direction)];
  for (int reads = 0; !finished_ && !side.source_ended; ++reads) {
    // A destination that cannot take more is the best backpressure there is: leave the
    // bytes in the kernel (the sender's TCP window closes) instead of copying them here.
    if (side.waiting_writable || pipeline_.buffered_bytes(direction) >= kBufferedBytesMax) {
      side.read_paused = true;
      return;
    }
    if (reads == kReadsPerTurnMax) {
      asio::post(context_.io, [self = shared_from_this(), direction] {
        if (!self->finished_) self->read_available(direction);
      });
      return;
    }
    if (pipeline_.can_forward_unobserved(direction) && !side.pipe_unavailable) {
      const SpliceOutcome outcome = splice_in(direction);
      if (outcome == SpliceOutcome::moved) {
        pump();
        continue;
      }
      if (outcome == SpliceOutcome::would_block) {
        wait_readable(direction);
        return;
      }
      if (outcome == SpliceOutcome::end_of_stream) {
        side.source_ended = true;
        pipeline_.on_end_of_stream(direction, context_.clock.now());
        pump();
        return;
      }
      if (outcome == SpliceOutcome::failed) {
        side.source_ended = true;
        abort_with_reset();
        return;
      }
      // unavailable: no pipe could be made; fall through to the copying path.
    }
    boost::system::error_code error;
    const std::size_t count = source(direction).read_some(asio::buffer(context_.read_buffer), error);
    if (error == asio::error::would_block || error == asio::error::try_again) {
      wait_readable(direction);
      return;
    }
    if (error == asio::error::eof) {
      side.source_ended = true;
      pipeline_.on_end_of_stream(direction, context_.clock.now());
      pump();
      return;
    }
    if (error) {
      // The peer reset (or the socket broke): pass the reset on to the other side.
      side.source_ended = true;
      abort_with_reset();
      return;
    }
    if (!forward(direction, count)) return;
  }
}

// Hands freshly read bytes to the pipeline; writes them straight from the read buffer
// when nothing acts on this direction. Returns false once the connection is gone.
bool ProxiedConnection::forward(Direction direction, std::size_t byte_count) {
  const Instant now = context_.clock.now();
  const std::span<const std::uint8_t> bytes(context_.read_buffer.data(), byte_count);
  if (pipeline_.on_bytes(direction, bytes, now) == ConnectionPipeline::Forwarding::write_directly) {
    boost::system::error_code error;
    std::size_t written = destination(direction).write_some(asio::buffer(bytes.data(), bytes.size()), error);
    if (error == asio::error::would_block || error == asio::error::try_again) {
      written = 0;
    } else if (error) {
      abort_with_reset();
      return false;
    }
    if (written < byte_count) {
      pipeline_.queue_unwritten(
          direction, std::string(reinterpret_cast<const char*>(bytes.data()) + written, byte_count - written), now);
    }
  }
  pump();
  return !finished_;
}

ProxiedConnection::SpliceOutcome ProxiedConnection::splice_in(Direction direction) {
  Side& side = sides_[index_of(direction)];
  if (side.pipe_read < 0) {
    int pipe_ends[2];
    if (::pipe2(pipe_ends, O_NONBLOCK | O_CLOEXEC) != 0) {
      side.pipe_unavailable = true;  // e.g. out of descriptors: copying still works
      return SpliceOutcome::unavailable;
    }
    side.pipe_read = pipe_ends[0];
    side.pipe_write = pipe_ends[1];
    ::fcntl(side.pipe_write, F_SETPIPE_SZ, static_cast<int>(kSpliceBytesMax));
  }
  const ssize_t moved = ::splice(source(direction).native_handle(), nullptr, side.pipe_write, nullptr, kSpliceBytesMax,
                                 SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
  if (moved > 0) {
    pipeline_.on_forwarded_unobserved(direction, static_cast<std::size_t>(moved));
    side.pipe_bytes += static_cast<std::size_t>(moved);
    return SpliceOutcome::moved;
  }
  if (moved == 0) return SpliceOutcome::end_of_stream;
  if (errno == EAGAIN || errno == EWOULDBLOCK) return SpliceOutcome::would_block;
  if (errno == EINVAL) {
    side.pipe_unavailable = true;  // a socket type splice cannot handle
    return SpliceOutcome::unavailable;
  }
  return SpliceOutcome::failed;
}

// Moves what the pipe holds to the destination. Returns false when the destination
// cannot take it all now (a writable wait is then in flight) or the connection failed.
bool ProxiedConnection::drain_pipe(Direction direction) {
  Side& side = sides_[index_of(direction)];
  while (side.pipe_bytes > 0) {
    const ssize_t moved = ::splice(side.pipe_read, nullptr, destination(direction).native_handle(), nullptr,
                                   side.pipe_bytes, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (moved > 0) {
      side.pipe_bytes -= static_cast<std::size_t>(moved);
      continue;
    }
    if (moved < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      wait_writable(direction);
      return false;
    }
    abort_with_reset();
    return false;
  }
  return true;
}

// Writes what the pipeline says is due in this direction, as far as the destination takes it.
bool ProxiedConnection::flush(Direction direction, Instant now) {
  Side& side = sides_[index_of(direction)];
  // Bytes in the pipe were read before anything in the outbox: they go first.
  if (side.pipe_bytes > 0 && !side.waiting_writable && !drain_pipe(direction)) return !finished_;
  if (side.pipe_bytes > 0) return true;
  while (!side.waiting_writable) {
    const std::optional<ConnectionPipeline::DueWrite> due = pipeline_.peek_due(now, direction);
    if (!due) break;
    if (due->end_of_stream) {
      boost::system::error_code ignored;
      destination(direction).shutdown(tcp::socket::shutdown_send, ignored);
      side.destination_shut = true;
      pipeline_.consume_due(direction, 0);
      continue;
    }
    boost::system::error_code error;
    const std::size_t written = destination(direction).write_some(asio::buffer(due->bytes.data(), due->bytes.size()), error);
    if (error == asio::error::would_block || error == asio::error::try_again) {
      wait_writable(direction);
      break;
    }
    if (error) {
      abort_with_reset();
      return false;
    }
    pipeline_.consume_due(direction, written);
  }
  return true;
}

void ProxiedConnection::pump() {
  if (finished_ || !connected_) return;
  const Instant now = context_.clock.now();
  // take_due's parts, so each direction writes only while its destination takes more.
  pipeline_.on_timer(now);
  for (Direction direction : kBothDirections) {
    if (!flush(direction, now)) return;
  }

  // Bytes due before the reset go out first (a frame that passed the trigger must arrive):
  // the pipeline holds the reset while such a piece waits for a writable socket, and so
  // does a splice pipe that still holds bytes.
  if (pipeline_.reset_due(now) && sides_[0].pipe_bytes == 0 && sides_[1].pipe_bytes == 0) {
    abort_with_reset();
    return;
  }

  const Side& upstream = sides_[index_of(Direction::upstream)];
  const Side& downstream = sides_[index_of(Direction::downstream)];
  if (upstream.destination_shut && downstream.destination_shut) {
    finish();
    return;
  }

  for (Direction direction : kBothDirections) {
    Side& side = sides_[index_of(direction)];
    if (side.read_paused && !side.waiting_writable && pipeline_.buffered_bytes(direction) < kBufferedBytesMax) {
      side.read_paused = false;
      asio::post(context_.io, [self = shared_from_this(), direction] {
        if (!self->finished_) self->read_available(direction);
      });
    }
  }

  // What is due now but blocked waits for a writable socket; the timer is for what comes later.
  arm_timer(pipeline_.next_deadline_after(now));
}

void ProxiedConnection::arm_timer(std::optional<Instant> deadline) {
  if (deadline == timer_deadline_) return;  // the hot path: nothing changes, no timer calls
  timer_deadline_ = deadline;
  if (!deadline) {
    timer_.cancel();
    return;
  }
  timer_.expires_at(context_.clock.to_time_point(*deadline));
  timer_.async_wait([self = shared_from_this(), deadline](const boost::system::error_code& error) {
    if (error || self->finished_ || self->timer_deadline_ != deadline) return;
    self->timer_deadline_.reset();
    self->pump();
  });
}

void ProxiedConnection::abort_with_reset() {
  if (finished_) return;
  boost::system::error_code ignored;
  for (tcp::socket* socket : {&client_, &server_}) {
    // SO_LINGER with a zero timeout turns close() into an RST: "connection reset by peer".
    if (socket->is_open()) socket->set_option(asio::socket_base::linger(true, 0), ignored);
  }
  finish();
}

void ProxiedConnection::finish() {
  if (finished_) return;
  finished_ = true;
  boost::system::error_code ignored;
  timer_.cancel();
  client_.close(ignored);
  server_.close(ignored);
  for (Side& side : sides_) {
    if (side.pipe_read >= 0) ::close(side.pipe_read);
    if (side.pipe_write >= 0) ::close(side.pipe_write);
    side.pipe_read = side.pipe_write = -1;
    side.pipe_bytes = 0;
  }
  // Deferred: the callback may destroy the registry entry that owns us mid-call otherwise.
  asio::post(context_.io, [self = shared_from_this()] {
    if (self->on_finished_) self->on_finished_(self->pipeline_.connection_id());
  });
}

}  // namespace resync::fault_injector
