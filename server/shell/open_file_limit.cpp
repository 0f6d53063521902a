#include "server/shell/open_file_limit.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <limits>

namespace resync::server::shell {

namespace {

std::uint64_t as_count(rlim_t limit) {
  return limit == RLIM_INFINITY ? std::numeric_limits<std::uint64_t>::max() : static_cast<std::uint64_t>(limit);
}

}  // namespace

OpenFileLimit raise_open_file_limit_to_hard_limit() {
  OpenFileLimit result;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    result.error = std::string("getrlimit(RLIMIT_NOFILE): ") + std::strerror(errno);
    result.soft_before = result.soft = result.hard = 1024;  // assume the common default
    return result;
  }
  result.soft_before = result.soft = as_count(limit.rlim_cur);
  result.hard = as_count(limit.rlim_max);
  if (limit.rlim_cur == limit.rlim_max) return result;
  rlimit raised = limit;
  raised.rlim_cur = limit.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    // Linux refuses an unlimited soft limit (above fs.nr_open); the soft limit stays as it was.
    result.error = std::string("setrlimit(RLIMIT_NOFILE) to the hard limit: ") + std::strerror(errno);
    return result;
  }
  result.soft = result.hard;
  return result;
}

}  // namespace resync::server::shell
