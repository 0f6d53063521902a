#pragma once
// The shell around one ConnectionPipeline: the client socket, the upstream socket and one
// timer. Reactor style (wait for readiness, then non-blocking read/write) so that bytes go
// from the shared read buffer straight to the other socket when no toxic is in the way,
// and an idle connection holds no buffer. At most one wait per socket and direction is in
// flight; each direction buffers at most kBufferedBytesMax before reading stops.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "fault_injector/control/proxy_runtime.hpp"
#include "fault_injector/core/connection_pipeline.hpp"
#include "fault_injector/shell/shell_context.hpp"

namespace resync::fault_injector {

class ProxiedConnection : public std::enable_shared_from_this<ProxiedConnection> {
 public:
  static constexpr std::size_t kBufferedBytesMax = 4 * 1024 * 1024;
  // Reads in a row before yielding to other connections on the io thread.
  static constexpr int kReadsPerTurnMax = 16;
  // Bytes moved per splice call, and the pipe size asked for (the kernel may give less).
  static constexpr std::size_t kSpliceBytesMax = 256 * 1024;

  using FinishedCallback = std::function<void(std::uint64_t connection_id)>;

  ProxiedConnection(ShellContext& context, boost::asio::ip::tcp::socket client, ConnectionPipeline pipeline,
                    FinishedCallback on_finished);

  void start(const boost::asio::ip::tcp::resolver::results_type& upstream);

  void attach(const ToxicSpec& toxic);
  void update(const ToxicSpec& toxic);
  void detach(const std::string& toxic_name);
  // The proxy was disabled or deleted: close both sides now.
  void drop();

  ConnectionInfo info() const;

 private:
  boost::asio::ip::tcp::socket& source(Direction direction);
  boost::asio::ip::tcp::socket& destination(Direction direction);

  void on_upstream_connected(const boost::system::error_code& error);
  void read_available(Direction direction);
  void wait_readable(Direction direction);
  void wait_writable(Direction direction);
  bool forward(Direction direction, std::size_t byte_count);
  enum class SpliceOutcome : std::uint8_t { moved, would_block, end_of_stream, failed, unavailable };
  SpliceOutcome splice_in(Direction direction);
  bool drain_pipe(Direction direction);
  void pump();
  bool flush(Direction direction, Instant now);
  void arm_timer(std::optional<Instant> deadline);
  void abort_with_reset();
  void finish();

  struct Side {
    bool waiting_readable = false;
    bool read_paused = false;      // too much buffered: resumes once drained
    bool source_ended = false;     // EOF or error read from the source
    bool waiting_writable = false;
    bool destination_shut = false;  // FIN sent to the destination
    // Zero-copy path (Linux splice): source -> pipe -> destination. Created on first use.
    int pipe_read = -1;
    int pipe_write = -1;
    std::size_t pipe_bytes = 0;  // in the pipe, not yet moved to the destination
    bool pipe_unavailable = false;
  };

  ShellContext& context_;
  boost::asio::ip::tcp::socket client_;
  boost::asio::ip::tcp::socket server_;
  boost::asio::steady_timer timer_;
  std::optional<Instant> timer_deadline_;
  ConnectionPipeline pipeline_;
  FinishedCallback on_finished_;
  std::array<Side, 2> sides_{};
  std::string client_address_;
  bool connected_ = false;
  bool finished_ = false;
};

}  // namespace resync::fault_injector
