#pragma once
// The process's open-file limit (RLIMIT_NOFILE): every connection is a file descriptor, and a
// soft limit of 1024 (a common default) would stop the server far below its connection cap.
#include <cstdint>
#include <string>

namespace resync::server::shell {

struct OpenFileLimit {
  std::uint64_t soft_before = 0;  // the soft limit the process started with
  std::uint64_t soft = 0;         // the soft limit now (UINT64_MAX: unlimited)
  std::uint64_t hard = 0;         // the hard limit, which only a privileged process may raise
  std::string error;              // why reading or raising it failed; empty when it worked
};

// Raises the soft limit to the hard limit (what an unprivileged process may do) and reports
// both. Process-wide, so only `resync serve` calls it, never an embedded server.
OpenFileLimit raise_open_file_limit_to_hard_limit();

}  // namespace resync::server::shell
