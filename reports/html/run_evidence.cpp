#include "reports/html/run_evidence.hpp"

#include <chrono>
#include <ctime>
#include <system_error>

#include "reports/html/html_escape.hpp"
#include "reports/html/report_text.hpp"

namespace resync::reports {
namespace {

std::string file_date(const std::filesystem::path& path) {
  std::error_code error;
  const auto written = std::filesystem::last_write_time(path, error);
  if (error) return "";
  // libstdc++ 12 has no clock_cast: carry the file time over by its distance from now.
  const auto system = std::chrono::time_point_cast<std::chrono::system_clock::duration>(
      written - std::filesystem::file_time_type::clock::now() + std::chrono::system_clock::now());
  const std::time_t seconds = std::chrono::system_clock::to_time_t(system);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M UTC", &utc);
  return text;
}

// A link to a local file: relative to the page when it can be, every byte outside
// [A-Za-z0-9-._~/] percent-encoded, so a path can never turn into another scheme.
std::string file_href(const std::filesystem::path& target, const std::filesystem::path& page_directory) {
  std::error_code error;
  std::filesystem::path path = std::filesystem::absolute(target, error);
  const std::filesystem::path base = std::filesystem::absolute(page_directory.empty() ? "." : page_directory, error);
  const std::filesystem::path relative = path.lexically_relative(base);
  const bool use_relative = !relative.empty();
  const std::string text = (use_relative ? relative : path).generic_string();
  const std::string href = (use_relative ? "" : "file://") + percent_encoded(text, true);
  return use_relative && href.front() != '.' ? "./" + href : href;
}

}  // namespace

std::string_view report_tool_version() { return RESYNC_TOOL_VERSION; }

RunEvidence collect_run_evidence(const history::History& history, const checker::CheckResult& result,
                                 const std::string& history_path) {
  RunEvidence evidence;
  evidence.history_path = history_path;
  evidence.run_date = file_date(history_path);
  const std::string& target = result.run.target;
  constexpr std::string_view command_prefix = "command: ";
  if (target == "embedded") {
    evidence.target = "the embedded server (delivery " + result.run.delivery + ")";
  } else if (target.starts_with(command_prefix)) {
    evidence.target = "a server started by --target-cmd: " + target.substr(command_prefix.size());
    evidence.external_target = true;
  } else {
    evidence.target = "the external server at " + target;
    evidence.external_target = true;
  }
  std::error_code error;
  const std::filesystem::path file = result.run.file;
  if (result.run.file.empty() || file.is_absolute()) {
    evidence.working_directory = "any directory";
  } else if (std::filesystem::exists(file, error)) {
    evidence.working_directory = std::filesystem::current_path(error).string();
  } else {
    evidence.working_directory = "the directory that holds " + result.run.file + " (the history does not record it)";
  }
  const std::filesystem::path server_log = std::filesystem::path(history_path).parent_path() / "server.stderr";
  if (std::filesystem::is_regular_file(server_log, error)) evidence.server_log_path = server_log.string();
  for (const history::HistoryEvent& event : history.events) {
    if (event.as<history::ServerLog>()) ++evidence.server_log_lines;
  }
  return evidence;
}

std::string run_evidence_html(const RunEvidence& evidence, const std::filesystem::path& page_directory) {
  std::string html = "<dl class=\"evidence\">";
  const auto fact = [&](std::string_view term, const std::string& value_html) {
    html += "<dt>" + std::string(term) + "</dt><dd>" + value_html + "</dd>";
  };
  if (!evidence.run_date.empty()) fact("run", escape_html_text(evidence.run_date) + " (history written)");
  fact("target", escape_html_text(evidence.target));
  fact("replay", "run from <code>" + escape_html_text(evidence.working_directory) + "</code>");
  if (!evidence.history_path.empty()) {
    fact("history", "<a href=\"" + escape_html_attribute(file_href(evidence.history_path, page_directory)) + "\">" +
                        escape_html_text(evidence.history_path) + "</a>");
  }
  std::string log = std::to_string(evidence.server_log_lines) + " server_log lines in the history";
  if (!evidence.server_log_path.empty()) {
    log = "<a href=\"" + escape_html_attribute(file_href(evidence.server_log_path, page_directory)) + "\">" +
          escape_html_text(evidence.server_log_path) + "</a>; " + log;
  }
  fact("server log", log);
  return html + "</dl>";
}

nlohmann::json run_evidence_json(const RunEvidence& evidence) {
  return {{"run_date", evidence.run_date},
          {"target", evidence.target},
          {"external", evidence.external_target},
          {"working_directory", evidence.working_directory},
          {"server_log_lines", evidence.server_log_lines}};
}

}  // namespace resync::reports
