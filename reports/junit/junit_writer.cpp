#include "reports/junit/junit_writer.hpp"

#include <cmath>
#include <cstdint>

#include "reports/junit/xml_escape.hpp"
#include "sim/checker/check_text.hpp"
#include "sim/history/verdict_names.hpp"

namespace resync::reports {
namespace {

struct SuiteCounts {
  std::size_t tests = 0;
  std::size_t failures = 0;
  std::size_t errors = 0;
  std::size_t skipped = 0;
  double seconds = 0;
};

SuiteCounts count_outcomes(const std::vector<checker::ScenarioOutcome>& outcomes) {
  SuiteCounts counts;
  for (const checker::ScenarioOutcome& outcome : outcomes) {
    ++counts.tests;
    counts.seconds += outcome.duration_seconds;
    if (outcome.not_applicable) {
      ++counts.skipped;
      continue;
    }
    switch (checker::outcome_status(outcome)) {
      case checker::CheckStatus::passed:
        break;
      case checker::CheckStatus::failed:
        ++counts.failures;
        break;
      case checker::CheckStatus::unknown:
        ++counts.errors;
        break;
    }
  }
  return counts;
}

std::string attribute(std::string_view name, std::string_view value) {
  return " " + std::string(name) + "=\"" + escape_xml_attribute(value) + "\"";
}

std::string counts_attributes(const SuiteCounts& counts) {
  return attribute("tests", std::to_string(counts.tests)) + attribute("failures", std::to_string(counts.failures)) +
         attribute("errors", std::to_string(counts.errors));
}

// <failure> for a definite wrong verdict, <error> when the harness could not decide.
void write_problem(const checker::ScenarioOutcome& outcome, checker::CheckStatus status, std::ostream& output) {
  if (outcome.not_applicable) {
    // CI shows it as skipped with the reason: not a pass, and no bug found either.
    output << "      <skipped" << attribute("message", "not applicable: " + *outcome.not_applicable) << "/>\n";
    return;
  }
  if (status == checker::CheckStatus::passed) return;
  std::string element;
  std::string message;
  std::string type;
  std::string body;
  if (!outcome.result) {
    element = "error";
    type = "no_history";
    message = "no readable history: " + outcome.error.substr(0, outcome.error.find('\n'));
    body = outcome.error;
  } else {
    element = status == checker::CheckStatus::failed ? "failure" : "error";
    type = std::string(history::verdict_name(outcome.result->verdict));
    message = checker::failure_headline(*outcome.result);
    body = checker::failure_text(*outcome.result);
  }
  output << "      <" << element << attribute("message", message) << attribute("type", type) << ">"
         << escape_xml_text(body) << "</" << element << ">\n";
}

void write_system_out(const checker::ScenarioOutcome& outcome, const std::optional<std::string>& html_report_path,
                      std::ostream& output) {
  std::string text;
  if (outcome.result) text += checker::summary_line(*outcome.result) + "\n";
  if (outcome.not_applicable) text += "scenario " + outcome.scenario_name + ": not applicable: " + *outcome.not_applicable + "\n";
  if (!outcome.history_path.empty()) text += "history: " + outcome.history_path + "\n";
  if (html_report_path) {
    // The second form is the attachment convention Jenkins and GitLab turn into a link.
    text += "HTML report: " + *html_report_path + "\n[[ATTACHMENT|" + *html_report_path + "]]\n";
  }
  if (text.empty()) return;
  output << "      <system-out>" << escape_xml_text(text) << "</system-out>\n";
}

}  // namespace

std::string junit_seconds(double seconds) {
  const std::int64_t milliseconds =
      std::isfinite(seconds) && seconds > 0 ? static_cast<std::int64_t>(std::llround(seconds * 1000.0)) : 0;
  std::string fraction = std::to_string(milliseconds % 1000);
  fraction.insert(0, 3 - fraction.size(), '0');
  return std::to_string(milliseconds / 1000) + "." + fraction;
}

void write_junit(const std::vector<checker::ScenarioOutcome>& outcomes, std::ostream& output,
                 std::optional<std::string> html_report_path) {
  const SuiteCounts counts = count_outcomes(outcomes);
  output << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  output << "<testsuites" << attribute("name", "resync") << counts_attributes(counts)
         << attribute("time", junit_seconds(counts.seconds)) << ">\n";
  output << "  <testsuite" << attribute("name", "resync scenarios") << counts_attributes(counts)
         << attribute("skipped", std::to_string(counts.skipped)) << attribute("time", junit_seconds(counts.seconds)) << ">\n";
  if (html_report_path) {
    output << "    <properties>\n      <property" << attribute("name", "html_report")
           << attribute("value", *html_report_path) << "/>\n    </properties>\n";
  }
  for (const checker::ScenarioOutcome& outcome : outcomes) {
    const checker::CheckStatus status = checker::outcome_status(outcome);
    const std::string& name = outcome.scenario_name.empty() ? outcome.history_path : outcome.scenario_name;
    const std::string classname = outcome.scenario_file.empty() ? std::string("resync") : outcome.scenario_file;
    output << "    <testcase" << attribute("classname", classname) << attribute("name", name)
           << attribute("time", junit_seconds(outcome.duration_seconds)) << ">\n";
    write_problem(outcome, status, output);
    write_system_out(outcome, html_report_path, output);
    output << "    </testcase>\n";
  }
  output << "  </testsuite>\n</testsuites>\n";
}

}  // namespace resync::reports
