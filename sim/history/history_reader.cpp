#include "sim/history/history_reader.hpp"

#include <sstream>

#include <algorithm>
#include <fstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "protocol/socketio_packet.hpp"
#include "sim/history/history_json.hpp"

namespace resync::history {
namespace {

bool is_blank(const std::string& line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1, "
// prefix: the line is ours to name, and within one line only the column matters.
std::string json_syntax_error(const std::string& line) {
  try {
    const nlohmann::json parsed = nlohmann::json::parse(line);
    static_cast<void>(parsed);
  } catch (const nlohmann::json::parse_error& error) {
    std::string message = error.what();
    if (const auto bracket = message.find("] "); bracket != std::string::npos) message.erase(0, bracket + 2);
    const std::string noise = "parse error at line 1, ";
    if (message.rfind(noise, 0) == 0) message.erase(0, noise.size());
    return message;
  }
  return "unreadable JSON";
}

class HistoryParser {
 public:
  explicit HistoryParser(std::string source) { history_.source = std::move(source); }

  void parse(std::istream& input) {
    std::string line;
    std::size_t line_number = 0;
    while (std::getline(input, line)) {
      ++line_number;
      // getline stops at end of file without setting eof only when it found a newline.
      const bool ends_with_newline = !input.eof();
      if (is_blank(line)) continue;
      if (line.back() == '\r') line.pop_back();
      parse_line(line, line_number, ends_with_newline);
    }
    if (input.bad()) add_error(0, "reading failed after line " + std::to_string(line_number));
    if (!saw_run_started_ && errors_.empty()) {
      add_error(0, history_.truncated_last_line
                       ? "the history has no complete line: the run was killed before its first line was written"
                       : "the history is empty: expected a `run_started` line first");
    }
  }

  HistoryReadResult finish() && {
    HistoryReadResult result;
    if (errors_beyond_max_ > 0) {
      errors_.push_back({history_.source, 0,
                         "... and " + std::to_string(errors_beyond_max_) + " more errors in this history"});
    }
    result.errors = std::move(errors_);
    if (result.errors.empty()) result.history = std::move(history_);
    return result;
  }

 private:
  void parse_line(const std::string& line, std::size_t line_number, bool ends_with_newline) {
    const bool first_line = !saw_any_line_;
    saw_any_line_ = true;
    // nlohmann parses deep nesting fine, but copying or writing the value recurses once per
    // level: a hand-edited or hostile line of brackets would overflow the stack.
    if (!protocol::socketio::json_nesting_within(line, protocol::socketio::json_nesting_depth_max)) {
      add_error(line_number, "JSON nested deeper than " + std::to_string(protocol::socketio::json_nesting_depth_max) +
                                 " levels: no history line nests that deep; the line is not read");
      return;
    }
    const nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
      if (!ends_with_newline) {
        // Only the very last line can be cut off by a kill; anywhere else it is corruption.
        history_.truncated_last_line = history_.source + ":" + std::to_string(line_number) +
                                       ": the last line is incomplete (no newline, not valid JSON): the run was "
                                       "probably killed while writing it; the line is ignored";
        return;
      }
      add_error(line_number, "not valid JSON: " + json_syntax_error(line));
      return;
    }
    auto decoded = decode_history_line(json);
    if (!decoded) {
      add_error(line_number, decoded.error());
      return;
    }
    if (auto* run = std::get_if<RunStarted>(&decoded.value().content)) {
      if (saw_run_started_) {
        add_error(line_number, "a second `run_started` line (the first is line " +
                                   std::to_string(run_started_line_) + "): one history holds one run");
      } else if (!first_line) {
        add_error(line_number, "`run_started` must be the first line");
      } else {
        saw_run_started_ = true;
        run_started_line_ = line_number;
        history_.run = std::move(*run);
        history_.run_started_t_ms = decoded.value().t_ms;
      }
      return;
    }
    auto& payload = std::get<EventPayload>(decoded.value().content);
    if (first_line) {
      add_error(line_number, "the first line must be `run_started`, not `" +
                                 std::string(HistoryEvent{0, payload, 0}.type_name()) + "`");
    }
    history_.events.push_back(HistoryEvent{decoded.value().t_ms, std::move(payload), line_number});
  }

  void add_error(std::size_t line_number, std::string message) {
    if (errors_.size() < history_read_errors_max) {
      errors_.push_back({history_.source, line_number, std::move(message)});
    } else {
      ++errors_beyond_max_;
    }
  }

  History history_;
  std::vector<HistoryReadError> errors_;
  std::size_t errors_beyond_max_ = 0;
  bool saw_any_line_ = false;
  bool saw_run_started_ = false;
  std::size_t run_started_line_ = 0;
};

}  // namespace

std::string HistoryReadError::to_string() const {
  if (line_number == 0) return source + ": " + message;
  return source + ":" + std::to_string(line_number) + ": " + message;
}

std::string HistoryReadResult::error_text() const {
  std::string text;
  for (const HistoryReadError& error : errors) text += error.to_string() + "\n";
  return text;
}

HistoryReadResult parse_history(std::istream& input, const std::string& source_name) {
  HistoryParser parser(source_name);
  parser.parse(input);
  return std::move(parser).finish();
}

HistoryReadResult parse_history_text(const std::string& text, const std::string& source_name) {
  std::istringstream input(text);
  return parse_history(input, source_name);
}

HistoryReadResult read_history(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::in | std::ios::binary);
  if (!file.is_open()) {
    std::error_code ignored;
    const bool exists = std::filesystem::exists(path, ignored);
    HistoryReadResult result;
    result.errors.push_back(
        {path.string(), 0, exists ? "cannot open the history file (permissions?)" : "no such history file"});
    return result;
  }
  return parse_history(file, path.string());
}

}  // namespace resync::history
