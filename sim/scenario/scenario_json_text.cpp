#include "sim/scenario/scenario_json_text.hpp"

#include <set>
#include <string>
#include <vector>

#include "sim/scenario/scenario_bounds.hpp"
#include "sim/scenario/scenario_json_reader.hpp"

namespace resync::sim {
namespace {

const char* const kExpectedJson =
    "a JSON document (keys and strings in double quotes, no comments, no trailing commas)";

struct NestingTooDeep {
  std::string path;
};

struct DuplicateKey {
  std::string path;
  std::string key;
};

// Follows the parser's events to know the JSON path of every value while it is parsed.
class StructureTracker {
 public:
  bool on_event(nlohmann::json::parse_event_t event, const nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    switch (event) {
      case Event::object_start:
      case Event::array_start: {
        std::string path = next_child_path();
        if (stack_.size() >= static_cast<std::size_t>(scenario_bounds::kJsonNestingMax)) {
          throw NestingTooDeep{std::move(path)};
        }
        stack_.push_back(Frame{event == Event::object_start, std::move(path), {}, {}, 0});
        break;
      }
      case Event::object_end:
      case Event::array_end:
        if (!stack_.empty()) stack_.pop_back();
        break;
      case Event::key:
        if (!stack_.empty() && parsed.is_string()) {
          Frame& object = stack_.back();
          object.current_key = parsed.get<std::string>();
          if (!object.keys.insert(object.current_key).second) {
            duplicates_.push_back({scenario_json::member_path(object.path, object.current_key), object.current_key});
          }
        }
        break;
      case Event::value:
        next_child_path();  // counts array elements
        break;
    }
    return true;
  }

  const std::vector<DuplicateKey>& duplicates() const { return duplicates_; }

 private:
  struct Frame {
    bool is_object = false;
    std::string path;
    std::set<std::string> keys;
    std::string current_key;
    std::size_t next_index = 0;
  };

  std::string next_child_path() {
    if (stack_.empty()) return "$";
    Frame& parent = stack_.back();
    if (parent.is_object) return scenario_json::member_path(parent.path, parent.current_key);
    return scenario_json::element_path(parent.path, parent.next_index++);
  }

  std::vector<Frame> stack_;
  std::vector<DuplicateKey> duplicates_;
};

struct TextPosition {
  std::size_t line = 1;
  std::size_t column = 1;
};

// `offset` is 0-based; the column counts bytes from 1.
TextPosition position_of(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  TextPosition position;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else {
      ++position.column;
    }
  }
  return position;
}

// nlohmann's message without its "[json.exception...] parse error at line L, column C: " head.
std::string parser_detail(const std::string& what) {
  for (const char* marker : {"syntax error", "number overflow"}) {
    const std::size_t at = what.find(marker);
    if (at != std::string::npos) return what.substr(at);
  }
  const std::size_t bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

void report_syntax_error(std::string_view text, const nlohmann::json::parse_error& error, ScenarioErrors& errors) {
  // `byte` counts the characters read, the last one being where the parser gave up.
  const std::size_t offset = error.byte == 0 ? 0 : error.byte - 1;
  TextPosition position = position_of(text, offset);
  if (offset >= text.size() && !text.empty()) position = position_of(text, text.size());
  errors.add_at_text(position.line, position.column, "invalid JSON: " + parser_detail(error.what()), kExpectedJson,
                     "correct the text at line " + std::to_string(position.line) + ", column " +
                         std::to_string(position.column) +
                         " (python3 -m json.tool FILE points at the same place)");
}

void report_number_overflow(std::string_view text, const nlohmann::json::exception& error, ScenarioErrors& errors) {
  const std::string detail = parser_detail(error.what());
  // The message quotes the literal: "number overflow parsing '1e400'".
  const std::size_t quote = detail.find('\'');
  const std::size_t end = quote == std::string::npos ? std::string::npos : detail.find('\'', quote + 1);
  std::size_t offset = std::string_view::npos;
  if (end != std::string::npos) offset = text.find(detail.substr(quote + 1, end - quote - 1));
  const TextPosition position = position_of(text, offset == std::string_view::npos ? 0 : offset);
  errors.add_at_text(position.line, position.column, "a number too large to represent (" + detail + ")",
                     "numbers within the limits documented in docs/SCENARIOS.md",
                     "write a smaller number; every duration and count in a scenario has a small upper bound");
}

}  // namespace

std::optional<nlohmann::json> parse_scenario_json_text(std::string_view text, ScenarioErrors& errors) {
  if (text.size() > scenario_bounds::kFileBytesMax) {
    errors.add("", "a file of " + std::to_string(text.size()) + " bytes",
               "a scenario file of at most " + std::to_string(scenario_bounds::kFileBytesMax) + " bytes",
               "split the scenario; large message counts belong in preload_messages or send.count, not in the file");
    return std::nullopt;
  }
  StructureTracker tracker;
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(
        text.begin(), text.end(),
        [&tracker](int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
          return tracker.on_event(event, parsed);
        });
  } catch (const NestingTooDeep& too_deep) {
    errors.add(too_deep.path, "values nested more than " + std::to_string(scenario_bounds::kJsonNestingMax) + " deep",
               "at most " + std::to_string(scenario_bounds::kJsonNestingMax) + " levels of nested objects and arrays",
               "flatten the structure; no scenario field needs deep nesting");
    return std::nullopt;
  } catch (const nlohmann::json::parse_error& error) {
    report_syntax_error(text, error, errors);
    return std::nullopt;
  } catch (const nlohmann::json::exception& error) {
    report_number_overflow(text, error, errors);
    return std::nullopt;
  }
  for (const DuplicateKey& duplicate : tracker.duplicates()) {
    errors.add(duplicate.path, "the key \"" + duplicate.key + "\" a second time in the same object",
               "each key at most once per object", "keep one of the two values and delete the other");
  }
  if (!tracker.duplicates().empty()) return std::nullopt;
  return document;
}

}  // namespace resync::sim
