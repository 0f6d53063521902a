#pragma once
// The evidence a scenario's header shows: when it ran, what it ran against, from which
// directory its replay commands work, and where the history and the server's log are.
// The file side of the report (it looks at the history file and its directory).
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "sim/checker/check_history.hpp"

namespace resync::reports {

// The version of the resync that writes the report (CMake's project version, the one
// `resync --version` prints).
std::string_view report_tool_version();

struct RunEvidence {
  std::string run_date;          // the history file's last write, "2026-12-02 12:14 UTC"; "" unknown
  std::string target;            // "the embedded server", "the external server at URL", "a server started by --target-cmd: CMD"
  bool external_target = false;  // the simulator replay then tests the embedded server, not the target
  // Where the replay commands' relative paths resolve: this directory when the scenario file
  // is found from it, else a sentence saying which directory it must be.
  std::string working_directory;
  std::string history_path;
  std::string server_log_path;     // server.stderr next to the history; "" when there is none
  std::size_t server_log_lines = 0;  // server_log events in the history
};

RunEvidence collect_run_evidence(const history::History& history, const checker::CheckResult& result,
                                 const std::string& history_path);

// The scenario's header as HTML (escaped), with links relative to `page_directory`.
std::string run_evidence_html(const RunEvidence& evidence, const std::filesystem::path& page_directory);

// {run_date, target, external, working_directory, server_log_lines} for the script.
nlohmann::json run_evidence_json(const RunEvidence& evidence);

}  // namespace resync::reports
