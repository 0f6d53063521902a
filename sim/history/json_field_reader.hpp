#pragma once
// Reads the fields of one JSON object and remembers the first thing that was wrong, phrased
// for a person: "`received` line: `id` must be an integer, not a string (\"7\")". The
// history reader prefixes it with file:line. Reading goes on after an error (returning
// defaults) so that decoders can be written as straight-line code and check ok() once.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace resync::history {

class JsonFieldReader {
 public:
  // `context` names the object in messages, e.g. "`received` line" or "`committed_log`.messages[3]".
  JsonFieldReader(const nlohmann::json& object, std::string context);

  std::string string(std::string_view key);
  std::optional<std::string> string_or_null(std::string_view key);   // required; null allowed
  std::string optional_string(std::string_view key);                 // "" when absent or null
  std::optional<std::string> optional_string_or_null(std::string_view key);  // absent or null -> nullopt
  std::int64_t integer(std::string_view key);
  std::optional<std::int64_t> integer_or_null(std::string_view key);  // required; null allowed
  std::optional<std::int64_t> optional_integer(std::string_view key);  // absent or null -> nullopt
  std::uint64_t unsigned_integer(std::string_view key);
  bool boolean(std::string_view key);
  bool optional_boolean(std::string_view key, bool when_absent);  // absent or null -> when_absent
  std::vector<std::string> string_array(std::string_view key);
  std::vector<std::string> optional_string_array(std::string_view key);  // empty when absent
  const nlohmann::json& object(std::string_view key);  // an empty object after an error
  const nlohmann::json& array(std::string_view key);   // an empty array after an error
  nlohmann::json optional_any(std::string_view key);   // null when absent

  bool has(std::string_view key) const;

  // Records a rule the caller checked itself (e.g. an allowed value).
  void fail(std::string message);

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& context() const { return context_; }

 private:
  // The value at `key`, or nullptr (with an error recorded when `required`).
  const nlohmann::json* find(std::string_view key, std::string_view expected, bool required);
  void fail_type(std::string_view key, std::string_view expected, const nlohmann::json& value);
  void fail_integer(std::string_view key, std::string_view expected, const nlohmann::json& value);

  const nlohmann::json& object_;
  std::string context_;
  std::string error_;
};

// A short, printable description of a JSON value for error messages: its kind and, cut to a
// few dozen characters, its text.
std::string describe_json_value(const nlohmann::json& value);

}  // namespace resync::history
