#pragma once
// Builds RESP (RESP2 and RESP3) bytes for tests, as Redis and its clients write them.
#include <string>
#include <string_view>
#include <vector>

namespace resync::fault_injector::testing {

// A line value: `+OK`, `-ERR ...`, `:42`, `,3.14`, `(123...`, `#t`, `_`.
inline std::string resp_line(char type, std::string_view line) {
  std::string bytes(1, type);
  bytes.append(line);
  bytes.append("\r\n");
  return bytes;
}

// A length-prefixed value: `$` bulk string, `!` blob error, `=` verbatim string.
inline std::string resp_blob(char type, std::string_view payload) {
  std::string bytes = std::string(1, type) + std::to_string(payload.size()) + "\r\n";
  bytes.append(payload);
  bytes.append("\r\n");
  return bytes;
}

inline std::string resp_bulk(std::string_view payload) { return resp_blob('$', payload); }

// An aggregate's header: `*` array, `%` map (count of pairs), `~` set, `>` push, `|` attribute.
inline std::string resp_aggregate(char type, std::size_t count) {
  return std::string(1, type) + std::to_string(count) + "\r\n";
}

// A command as every client library sends it: an array of bulk strings.
inline std::string resp_command(const std::vector<std::string>& arguments) {
  std::string bytes = resp_aggregate('*', arguments.size());
  for (const std::string& argument : arguments) bytes += resp_bulk(argument);
  return bytes;
}

}  // namespace resync::fault_injector::testing
