#pragma once
// The file side of the HTML report, shared by `resync report`, `resync run --report` and
// `resync fuzz --report`: finding and reading histories, and writing the page.
#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "reports/html/html_report_writer.hpp"
#include "reports/html/scenario_report.hpp"
#include "sim/checker/scenario_outcome.hpp"

namespace resync::reports {

// A file is taken as it is; a directory is searched, recursively, for *.jsonl files (sorted,
// so the same directory always gives the same report).
std::vector<std::string> find_history_files(const std::string& path);

// Reads and checks one history and builds its part of the report. A history that cannot be
// read becomes an `unknown` scenario that says why.
ScenarioReport report_history_file(const std::string& history_path, const ReproducerInfo& reproducer = {});

// `resync fuzz` writes a finding as NAME.json (the reproducer) and NAME.history.jsonl:
// for such a history, the reproducer next to it; nullopt otherwise.
std::optional<ReproducerInfo> reproducer_next_to(const std::string& history_path);

// The timeline of a scenario file, one compact JSON object per step; empty when unreadable.
std::vector<std::string> scenario_steps_from_file(const std::string& scenario_path);

// Writes `path` (parent directories are created) through a temporary file, so a reader
// never sees half a page. Returns "" on success, otherwise why not.
std::string write_file_atomically(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write);

// The report page, written with write_file_atomically.
std::string write_report_file(const ReportPage& page, const std::filesystem::path& path);

// `resync run --report DIR`: the report of a run, from the histories its outcomes name.
std::string write_run_report(const std::vector<checker::ScenarioOutcome>& outcomes, const std::filesystem::path& path);

}  // namespace resync::reports
