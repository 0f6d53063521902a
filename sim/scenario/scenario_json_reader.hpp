#pragma once
// Reads one JSON object of a scenario file field by field, with its JSON path, and turns
// every wrong type, out-of-range value, missing or unknown key into a ScenarioError. Reads
// never throw and never stop at the first error: a bad value is reported and skipped.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/scenario/scenario_error.hpp"

namespace resync::sim::scenario_json {

// How a value is shown after "found": strings quoted (and shortened), numbers as written,
// containers by their kind.
std::string describe(const nlohmann::json& value);
// `$.clients` + "name" -> `$.clients.name`; keys that are not identifiers are bracketed.
std::string member_path(const std::string& parent, std::string_view key);
std::string element_path(const std::string& parent, std::size_t index);
// The known key closest to a misspelled one, if it is close enough to be a likely typo.
std::optional<std::string> closest_key(std::string_view key, const std::vector<std::string>& known_keys);

struct IntegerRule {
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::string_view unit;  // "milliseconds", "messages", ... (shown in the message)
};

struct NumberRule {
  double min = 0;
  double max = 0;
  std::string_view unit;
};

// Checks an integer value against a rule; reports at `path` and returns nullopt when wrong.
std::optional<std::int64_t> read_integer(const nlohmann::json& value, const std::string& path, const IntegerRule& rule,
                                         ScenarioErrors& errors);

// A name usable as a client tag, a fault name or a file stem: 1..64 of [A-Za-z0-9._-],
// starting with a letter or a digit.
bool is_valid_name(std::string_view name);

class ObjectReader {
 public:
  // `what` names the object in messages ("the server object"); `fix` says what to write
  // when `value` is not an object at all.
  ObjectReader(const nlohmann::json& value, std::string path, ScenarioErrors& errors, std::string_view what,
               std::string_view fix);

  bool is_object() const { return object_ != nullptr; }
  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return member_path(path_, key); }
  ScenarioErrors& errors() { return errors_; }

  // Marks `key` as known; returns the member or nullptr when absent.
  const nlohmann::json* member(std::string_view key);
  // Like member(), but reports a missing key.
  const nlohmann::json* required(std::string_view key, std::string_view expected, std::string_view fix);
  bool has(std::string_view key) const;

  // Absent -> nullopt without error; present but wrong -> error and nullopt.
  std::optional<std::int64_t> integer(std::string_view key, const IntegerRule& rule);
  std::optional<double> number(std::string_view key, const NumberRule& rule);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::string> text(std::string_view key, std::size_t length_max, bool allow_empty = false);
  std::optional<std::string> name(std::string_view key);  // is_valid_name
  std::optional<std::string> choice(std::string_view key, const std::vector<std::string_view>& choices);

  // Reports every key that no read asked for, suggesting the closest known key.
  void reject_unknown_keys();

 private:
  const nlohmann::json* object_ = nullptr;
  std::string path_;
  ScenarioErrors& errors_;
  std::vector<std::string> known_keys_;
};

}  // namespace resync::sim::scenario_json
