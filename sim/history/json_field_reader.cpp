#include "sim/history/json_field_reader.hpp"

#include <limits>
#include <utility>

namespace resync::history {
namespace {

constexpr std::size_t described_value_chars_max = 40;

const nlohmann::json& empty_object() {
  static const nlohmann::json value = nlohmann::json::object();
  return value;
}

const nlohmann::json& empty_array() {
  static const nlohmann::json value = nlohmann::json::array();
  return value;
}

std::string shortened(std::string text) {
  if (text.size() <= described_value_chars_max) return text;
  // Cut on a UTF-8 boundary so the message stays valid text.
  std::size_t cut = described_value_chars_max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text + "...";
}

}  // namespace

std::string describe_json_value(const nlohmann::json& value) {
  const auto text = [&] { return shortened(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)); };
  switch (value.type()) {
    case nlohmann::json::value_t::null:
      return "null";
    case nlohmann::json::value_t::string:
      return "a string (" + text() + ")";
    case nlohmann::json::value_t::boolean:
      return "a boolean (" + text() + ")";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return "an integer (" + text() + ")";
    case nlohmann::json::value_t::number_float:
      return "a number (" + text() + ")";
    case nlohmann::json::value_t::object:
      return "an object";
    case nlohmann::json::value_t::array:
      return "an array";
    default:
      return "a value of an unsupported kind";
  }
}

JsonFieldReader::JsonFieldReader(const nlohmann::json& object, std::string context)
    : object_(object), context_(std::move(context)) {}

void JsonFieldReader::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
}

void JsonFieldReader::fail_type(std::string_view key, std::string_view expected, const nlohmann::json& value) {
  fail(context_ + ": `" + std::string(key) + "` must be " + std::string(expected) + ", not " +
       describe_json_value(value));
}

const nlohmann::json* JsonFieldReader::find(std::string_view key, std::string_view expected, bool required) {
  if (!object_.is_object()) {
    fail(context_ + " must be a JSON object, not " + describe_json_value(object_));
    return nullptr;
  }
  const auto found = object_.find(std::string(key));
  if (found == object_.end()) {
    if (required) fail(context_ + " has no `" + std::string(key) + "` (expected " + std::string(expected) + ")");
    return nullptr;
  }
  return &*found;
}

std::string JsonFieldReader::string(std::string_view key) {
  const nlohmann::json* value = find(key, "a string", true);
  if (value == nullptr) return {};
  if (!value->is_string()) {
    fail_type(key, "a string", *value);
    return {};
  }
  return value->get<std::string>();
}

std::optional<std::string> JsonFieldReader::string_or_null(std::string_view key) {
  const nlohmann::json* value = find(key, "a string or null", true);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!value->is_string()) {
    fail_type(key, "a string or null", *value);
    return std::nullopt;
  }
  return value->get<std::string>();
}

std::string JsonFieldReader::optional_string(std::string_view key) {
  const nlohmann::json* value = find(key, "a string", false);
  if (value == nullptr || value->is_null()) return {};
  if (!value->is_string()) {
    fail_type(key, "a string", *value);
    return {};
  }
  return value->get<std::string>();
}

std::optional<std::string> JsonFieldReader::optional_string_or_null(std::string_view key) {
  if (!has(key)) return std::nullopt;
  return string_or_null(key);
}

bool JsonFieldReader::has(std::string_view key) const {
  return object_.is_object() && object_.contains(std::string(key));
}

namespace {

// nlohmann keeps non-negative integers as unsigned; anything above int64's range cannot be
// a message id or a time.
bool fits_int64(const nlohmann::json& value) {
  if (value.is_number_unsigned()) {
    return value.get<std::uint64_t>() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  }
  return value.is_number_integer();
}

}  // namespace

void JsonFieldReader::fail_integer(std::string_view key, std::string_view expected, const nlohmann::json& value) {
  if (value.is_number_unsigned()) {
    fail(context_ + ": `" + std::string(key) + "` is out of range (" + value.dump() + ")");
  } else {
    fail_type(key, expected, value);
  }
}

std::int64_t JsonFieldReader::integer(std::string_view key) {
  const nlohmann::json* value = find(key, "an integer", true);
  if (value == nullptr) return 0;
  if (!fits_int64(*value)) {
    fail_integer(key, "an integer", *value);
    return 0;
  }
  return value->get<std::int64_t>();
}

std::optional<std::int64_t> JsonFieldReader::integer_or_null(std::string_view key) {
  const nlohmann::json* value = find(key, "an integer or null", true);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!fits_int64(*value)) {
    fail_integer(key, "an integer or null", *value);
    return std::nullopt;
  }
  return value->get<std::int64_t>();
}

std::optional<std::int64_t> JsonFieldReader::optional_integer(std::string_view key) {
  const nlohmann::json* value = find(key, "an integer", false);
  if (value == nullptr || value->is_null()) return std::nullopt;
  if (!fits_int64(*value)) {
    fail_integer(key, "an integer", *value);
    return std::nullopt;
  }
  return value->get<std::int64_t>();
}

std::uint64_t JsonFieldReader::unsigned_integer(std::string_view key) {
  const nlohmann::json* value = find(key, "a non-negative integer", true);
  if (value == nullptr) return 0;
  if (!value->is_number_unsigned()) {
    fail_type(key, "a non-negative integer", *value);
    return 0;
  }
  return value->get<std::uint64_t>();
}

bool JsonFieldReader::boolean(std::string_view key) {
  const nlohmann::json* value = find(key, "true or false", true);
  if (value == nullptr) return false;
  if (!value->is_boolean()) {
    fail_type(key, "true or false", *value);
    return false;
  }
  return value->get<bool>();
}

bool JsonFieldReader::optional_boolean(std::string_view key, bool when_absent) {
  const nlohmann::json* value = find(key, "true or false", false);
  if (value == nullptr || value->is_null()) return when_absent;
  if (!value->is_boolean()) {
    fail_type(key, "true or false", *value);
    return when_absent;
  }
  return value->get<bool>();
}

std::vector<std::string> JsonFieldReader::string_array(std::string_view key) {
  const nlohmann::json* value = find(key, "an array of strings", true);
  if (value == nullptr) return {};
  std::vector<std::string> strings;
  if (!value->is_array()) {
    fail_type(key, "an array of strings", *value);
    return strings;
  }
  for (std::size_t index = 0; index < value->size(); ++index) {
    const nlohmann::json& element = (*value)[index];
    if (!element.is_string()) {
      fail(context_ + ": `" + std::string(key) + "`[" + std::to_string(index) + "] must be a string, not " +
           describe_json_value(element));
      return {};
    }
    strings.push_back(element.get<std::string>());
  }
  return strings;
}

std::vector<std::string> JsonFieldReader::optional_string_array(std::string_view key) {
  if (find(key, "an array of strings", false) == nullptr) return {};
  return string_array(key);
}

const nlohmann::json& JsonFieldReader::object(std::string_view key) {
  const nlohmann::json* value = find(key, "an object", true);
  if (value == nullptr) return empty_object();
  if (!value->is_object()) {
    fail_type(key, "an object", *value);
    return empty_object();
  }
  return *value;
}

const nlohmann::json& JsonFieldReader::array(std::string_view key) {
  const nlohmann::json* value = find(key, "an array", true);
  if (value == nullptr) return empty_array();
  if (!value->is_array()) {
    fail_type(key, "an array", *value);
    return empty_array();
  }
  return *value;
}

nlohmann::json JsonFieldReader::optional_any(std::string_view key) {
  const nlohmann::json* value = find(key, "a value", false);
  return value == nullptr ? nlohmann::json() : *value;
}

}  // namespace resync::history
