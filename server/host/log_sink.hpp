#pragma once
// Where a host's log lines go: stderr for the live server, the history (server_log events)
// in the simulator. One sink per host, so several hosts in one process keep their lines apart.
#include <string_view>

namespace resync::server::host {

enum class LogLevel { info, warning, error };

inline std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::info: return "info";
    case LogLevel::warning: return "warning";
    case LogLevel::error: return "error";
  }
  return "error";
}

class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void log(LogLevel level, std::string_view text) = 0;
};

}  // namespace resync::server::host
