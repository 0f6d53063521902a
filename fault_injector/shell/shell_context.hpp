#pragma once
// What every proxy listener and connection on the io thread shares.
#include <cstdint>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "fault_injector/core/connection_pipeline.hpp"
#include "fault_injector/shell/monotonic_clock.hpp"

namespace resync::fault_injector {

struct ShellContext {
  // One read buffer for the whole (single) io thread: bytes are handed to the pipeline or
  // written on straight away, so an idle connection costs no buffer at all.
  static constexpr std::size_t kReadBufferBytes = 256 * 1024;

  explicit ShellContext(boost::asio::io_context& io_context, std::uint64_t seed)
      : io(io_context), seed(seed), read_buffer(kReadBufferBytes) {}

  boost::asio::io_context& io;
  std::uint64_t seed;
  MonotonicClock clock;
  std::vector<std::uint8_t> read_buffer;
  // Every connection's trigger firings (ProxyRuntime::set_trigger_listener); may be empty.
  TriggerListener on_trigger_fired;
  // Proxy listeners on a non-loopback address are refused (403) unless this is set
  // (`resync proxy --listen-allow-remote`); each one then logs a warning.
  bool listen_allow_remote = false;
};

}  // namespace resync::fault_injector
