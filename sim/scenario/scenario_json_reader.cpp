#include "sim/scenario/scenario_json_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "sim/scenario/scenario_bounds.hpp"

namespace resync::sim::scenario_json {
namespace {

constexpr std::size_t kShownStringMax = 60;

std::string json_quoted(std::string_view text) {
  return nlohmann::json(std::string(text)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool is_identifier(std::string_view key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key.front()))) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::string join_keys(const std::vector<std::string>& keys) {
  std::string text;
  for (const std::string& key : keys) {
    if (!text.empty()) text += ", ";
    text += key;
  }
  return text;
}

std::string format_number(double value) {
  std::ostringstream stream;
  stream << value;
  return stream.str();
}

std::string range_text(const IntegerRule& rule) {
  std::string text = "an integer from " + std::to_string(rule.min) + " to " + std::to_string(rule.max);
  if (!rule.unit.empty()) text += " (" + std::string(rule.unit) + ")";
  return text;
}

}  // namespace

std::string describe(const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      return value.empty() ? "an empty object" : "an object";
    case nlohmann::json::value_t::array:
      return value.empty() ? "an empty array" : "an array of " + std::to_string(value.size()) + " item(s)";
    case nlohmann::json::value_t::string: {
      const std::string& text = value.get_ref<const std::string&>();
      if (text.size() <= kShownStringMax) return "the string " + json_quoted(text);
      return "the string " + json_quoted(text.substr(0, kShownStringMax)) + "... (" + std::to_string(text.size()) +
             " bytes)";
    }
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::boolean:
      return value.get<bool>() ? "true" : "false";
    case nlohmann::json::value_t::number_float:
      return "the number " + format_number(value.get<double>());
    default:
      return "the number " + value.dump();
  }
}

std::string member_path(const std::string& parent, std::string_view key) {
  if (is_identifier(key)) return parent + "." + std::string(key);
  return parent + "[" + json_quoted(key) + "]";
}

std::string element_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

std::optional<std::string> closest_key(std::string_view key, const std::vector<std::string>& known_keys) {
  std::optional<std::string> best;
  std::size_t best_distance = 3;  // at most two edits away
  for (const std::string& known : known_keys) {
    const std::size_t distance = edit_distance(key, known);
    if (distance < best_distance) {
      best_distance = distance;
      best = known;
    }
  }
  return best;
}

std::optional<std::int64_t> read_integer(const nlohmann::json& value, const std::string& path, const IntegerRule& rule,
                                         ScenarioErrors& errors) {
  const std::string expected = range_text(rule);
  const std::string fix = "write a whole number between " + std::to_string(rule.min) + " and " +
                          std::to_string(rule.max) + ", without quotes or a decimal point";
  if (value.is_number_unsigned()) {
    const std::uint64_t number = value.get<std::uint64_t>();
    if (number <= static_cast<std::uint64_t>(rule.max) && static_cast<std::int64_t>(number) >= rule.min) {
      return static_cast<std::int64_t>(number);
    }
  } else if (value.is_number_integer()) {
    const std::int64_t number = value.get<std::int64_t>();
    if (number >= rule.min && number <= rule.max) return number;
  }
  errors.add(path, describe(value), expected, fix);
  return std::nullopt;
}

bool is_valid_name(std::string_view name) {
  if (name.empty() || name.size() > scenario_bounds::kNameLengthMax) return false;
  if (!std::isalnum(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
  });
}

ObjectReader::ObjectReader(const nlohmann::json& value, std::string path, ScenarioErrors& errors,
                           std::string_view what, std::string_view fix)
    : path_(std::move(path)), errors_(errors) {
  if (value.is_object()) {
    object_ = &value;
  } else {
    errors_.add(path_, describe(value), std::string(what) + " (a JSON object)", std::string(fix));
  }
}

const nlohmann::json* ObjectReader::member(std::string_view key) {
  if (std::find(known_keys_.begin(), known_keys_.end(), key) == known_keys_.end()) known_keys_.emplace_back(key);
  if (object_ == nullptr) return nullptr;
  auto found = object_->find(std::string(key));
  return found == object_->end() ? nullptr : &*found;
}

const nlohmann::json* ObjectReader::required(std::string_view key, std::string_view expected, std::string_view fix) {
  const nlohmann::json* value = member(key);
  if (value == nullptr && object_ != nullptr) {
    errors_.add(path_of(key), "nothing (the key is missing)", std::string(expected), std::string(fix));
  }
  return value;
}

bool ObjectReader::has(std::string_view key) const {
  return object_ != nullptr && object_->contains(std::string(key));
}

std::optional<std::int64_t> ObjectReader::integer(std::string_view key, const IntegerRule& rule) {
  const nlohmann::json* value = member(key);
  if (value == nullptr) return std::nullopt;
  return read_integer(*value, path_of(key), rule, errors_);
}

std::optional<double> ObjectReader::number(std::string_view key, const NumberRule& rule) {
  const nlohmann::json* value = member(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_number()) {
    const double number = value->get<double>();
    if (std::isfinite(number) && number >= rule.min && number <= rule.max) return number;
  }
  std::string expected = "a number from " + format_number(rule.min) + " to " + format_number(rule.max);
  if (!rule.unit.empty()) expected += " (" + std::string(rule.unit) + ")";
  errors_.add(path_of(key), describe(*value), expected,
              "write a number between " + format_number(rule.min) + " and " + format_number(rule.max));
  return std::nullopt;
}

std::optional<bool> ObjectReader::boolean(std::string_view key) {
  const nlohmann::json* value = member(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_boolean()) return value->get<bool>();
  errors_.add(path_of(key), describe(*value), "true or false", "write true or false, without quotes");
  return std::nullopt;
}

std::optional<std::string> ObjectReader::text(std::string_view key, std::size_t length_max, bool allow_empty) {
  const nlohmann::json* value = member(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_string()) {
    const std::string& text = value->get_ref<const std::string&>();
    if ((allow_empty || !text.empty()) && text.size() <= length_max) return text;
  }
  errors_.add(path_of(key), describe(*value),
              std::string(allow_empty ? "a string" : "a non-empty string") + " of at most " +
                  std::to_string(length_max) + " bytes",
              "write the text in double quotes");
  return std::nullopt;
}

std::optional<std::string> ObjectReader::name(std::string_view key) {
  const nlohmann::json* value = member(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_string() && is_valid_name(value->get_ref<const std::string&>())) return value->get<std::string>();
  errors_.add(path_of(key), describe(*value),
              "a name of 1 to " + std::to_string(scenario_bounds::kNameLengthMax) +
                  " letters, digits, '.', '_' or '-', starting with a letter or a digit",
              "choose a short name such as \"alice\" or \"cut-alice\" (names become client tags and file names)");
  return std::nullopt;
}

std::optional<std::string> ObjectReader::choice(std::string_view key, const std::vector<std::string_view>& choices) {
  const nlohmann::json* value = member(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_string()) {
    const std::string& text = value->get_ref<const std::string&>();
    if (std::find(choices.begin(), choices.end(), text) != choices.end()) return text;
  }
  std::string expected = "one of";
  for (std::size_t i = 0; i < choices.size(); ++i) expected += (i == 0 ? " " : ", ") + json_quoted(choices[i]);
  errors_.add(path_of(key), describe(*value), expected, "write one of these strings exactly (they are case-sensitive)");
  return std::nullopt;
}

void ObjectReader::reject_unknown_keys() {
  if (object_ == nullptr) return;
  for (const auto& [key, value] : object_->items()) {
    if (std::find(known_keys_.begin(), known_keys_.end(), key) != known_keys_.end()) continue;
    std::string fix = "remove the key";
    if (std::optional<std::string> suggestion = closest_key(key, known_keys_)) {
      fix = "did you mean " + json_quoted(*suggestion) + "? Correct the spelling or remove the key";
    }
    errors_.add(member_path(path_, key), "the unknown key " + json_quoted(key),
                "one of the keys " + join_keys(known_keys_), fix);
  }
}

}  // namespace resync::sim::scenario_json
