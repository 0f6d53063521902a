#pragma once
// One mistake in a scenario file, said the way a person fixing it needs it: which file,
// where in it (a JSON path such as `$.timeline[3].send.count`, or a line and column when
// the text is not JSON at all), what was found, what was expected, and how to fix it.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace resync::sim {

struct ScenarioError {
  std::string file;       // as given to the loader ("<text>" when there was no file)
  std::string json_path;  // "$..." ; empty for errors about the file itself
  std::size_t line = 0;   // 1-based; 0 when the error is not about the JSON text
  std::size_t column = 0;
  std::string found;
  std::string expected;
  std::string fix;

  // "<file>: $.timeline[3].send.count: found -5; expected an integer from 1 to 10000. Fix: ..."
  // or "<file>:3:17: found ...; expected .... Fix: ...".
  std::string message() const;
};

// Collects errors while a scenario is read; the loader reports all of them (up to a limit).
class ScenarioErrors {
 public:
  static constexpr std::size_t kReportedMax = 50;

  explicit ScenarioErrors(std::string file) : file_(std::move(file)) {}

  void add(std::string json_path, std::string found, std::string expected, std::string fix);
  void add_at_text(std::size_t line, std::size_t column, std::string found, std::string expected, std::string fix);

  bool empty() const { return errors_.empty(); }
  std::size_t count() const { return errors_.size(); }
  const std::string& file() const { return file_; }
  std::vector<ScenarioError> take() { return std::move(errors_); }

 private:
  std::string file_;
  std::vector<ScenarioError> errors_;
};

}  // namespace resync::sim
