#pragma once
// The real TCP fault proxy, in-process, in front of the server under test for one run.
#include <cstdint>
#include <memory>
#include <string>

#include "sim/execution/fault_control.hpp"

namespace boost::asio {
class io_context;
}

namespace resync::sim {

class RunProxy : public FaultControl {
 public:
  virtual std::uint16_t port() const = 0;  // where clients connect (127.0.0.1)
};

// Listens on 127.0.0.1 (a free port) and forwards to upstream_host:upstream_port. Runs on
// `io` (the runner's thread). Returns nullptr and sets `error` when it cannot start.
std::unique_ptr<RunProxy> start_run_proxy(boost::asio::io_context& io, const std::string& upstream_host,
                                          std::uint16_t upstream_port, std::uint64_t seed, std::string& error);

}  // namespace resync::sim
