#pragma once
// Logs of the network shell go to stderr, one line each; stdout is reserved for the one
// "listening on" line that tests parse.
#include <cstddef>
#include <iostream>
#include <string>
#include <string_view>

#include "server/host/log_sink.hpp"

namespace resync::server::shell {

using host::LogLevel;

inline void log_line(LogLevel level, std::string_view text) {
  std::string_view prefix = level == LogLevel::error     ? "resync serve: error: "
                            : level == LogLevel::warning ? "resync serve: warning: "
                                                         : "resync serve: ";
  // One write per line so lines from a busy server stay whole.
  std::string line;
  line.reserve(prefix.size() + text.size() + 1);
  line.append(prefix).append(text).push_back('\n');
  std::cerr << line << std::flush;
}

// The host's log lines, on stderr like the shell's own.
class StderrLogSink final : public host::LogSink {
 public:
  void log(LogLevel level, std::string_view text) override { log_line(level, text); }
};

// Text from the network (a client's tag, a request target) made safe for one log line:
// control characters become '?', and it is cut at `length_max` bytes.
inline std::string printable_for_log(std::string_view untrusted, std::size_t length_max = 200) {
  std::string text;
  for (char character : untrusted.substr(0, length_max)) {
    auto byte = static_cast<unsigned char>(character);
    text.push_back(byte < 0x20 || byte == 0x7f ? '?' : character);
  }
  if (untrusted.size() > length_max) text += "...";
  return text;
}

}  // namespace resync::server::shell
