#include "sim/runner/server_log_line.hpp"

#include <array>
#include <string>

namespace resync::sim {

std::optional<history::ServerLog> parse_server_log_line(std::string_view line, std::int64_t incarnation) {
  constexpr std::string_view shell_prefix = "resync serve: ";
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!line.starts_with(shell_prefix)) return std::nullopt;
  line.remove_prefix(shell_prefix.size());
  // The longer prefixes first: "warning: " and "error: " mark the level, else it is info.
  struct LevelPrefix {
    std::string_view prefix;
    std::string_view level;
  };
  constexpr std::array level_prefixes{LevelPrefix{"error: ", "error"}, LevelPrefix{"warning: ", "warning"}};
  std::string_view level = "info";
  for (const LevelPrefix& candidate : level_prefixes) {
    if (line.starts_with(candidate.prefix)) {
      level = candidate.level;
      line.remove_prefix(candidate.prefix.size());
      break;
    }
  }
  history::ServerLog log;
  log.level = std::string(level);
  log.text = std::string(line.substr(0, server_log_text_bytes_max));
  if (line.size() > server_log_text_bytes_max) log.text += "...";
  log.incarnation = incarnation;
  return log;
}

}  // namespace resync::sim
