#include "app/run_command.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "reports/html/report_files.hpp"
#include "reports/junit/junit_writer.hpp"
#include "server/core/planted_bug.hpp"
#include "sim/checker/scenario_outcome.hpp"
#include "sim/suite/suite_runner.hpp"

namespace resync::sim {

int run_run_command(const RunCommandOptions& options, std::ostream& out, std::ostream& err) {
  if (options.mode != "live" && options.mode != "sim") {
    err << "resync run: --mode must be live or sim, got '" << options.mode << "'\n";
    return 2;
  }
  if (options.mode == "sim" && (options.target_url || options.target_command)) {
    err << "resync run: --mode sim runs the embedded server core in the simulator; --target and --target-cmd are for "
           "live mode (drop them, or use --mode live)\n";
    return 2;
  }
  if (options.target_url && options.target_command) {
    err << "resync run: give --target URL or --target-cmd CMD, not both\n";
    return 2;
  }
  if (options.target_cluster && !options.target_command) {
    err << "resync run: --target-cluster says what --target-cmd starts (one node of a cluster); give --target-cmd too "
           "(a cluster behind a URL is not supported: the harness must start the nodes to route sessions to them)\n";
    return 2;
  }
  if (options.trace && options.mode != "sim") {
    err << "resync run: --trace prints the simulated wire; add --mode sim\n";
    return 2;
  }
  if (options.check_determinism && options.mode != "sim") {
    err << "resync run: --check-determinism compares two simulated runs; add --mode sim\n";
    return 2;
  }

  // Load everything first: a broken scenario file stops the run before anything starts.
  std::optional<std::vector<Scenario>> loaded = load_suite(options.paths, err);
  if (!loaded) return 2;
  std::vector<Scenario> scenarios = std::move(*loaded);
  if (const std::string problem = plant_bug(options, scenarios); !problem.empty()) {
    err << "resync run: " << problem << "\n";
    return 2;
  }

  const std::filesystem::path work_root =
      options.report_directory ? std::filesystem::path(*options.report_directory) / "runs"
                               : std::filesystem::temp_directory_path() / ("resync-run-" + std::to_string(::getpid()));
  SuiteOptions suite_options = options;
  suite_options.write_every_history = options.report_directory || options.junit_path;
  SuiteResult suite = run_suite(std::move(scenarios), suite_options, work_root, out, err);
  const std::vector<checker::ScenarioOutcome>& outcomes = suite.outcomes;
  const std::size_t skipped = suite.skipped;

  std::size_t passed = 0, failed = 0, unknown = 0, not_applicable = 0;
  for (const auto& outcome : outcomes) {
    if (outcome.not_applicable) {
      ++not_applicable;
      continue;
    }
    switch (checker::outcome_status(outcome)) {
      case checker::CheckStatus::passed: ++passed; break;
      case checker::CheckStatus::failed: ++failed; break;
      case checker::CheckStatus::unknown: ++unknown; break;
    }
  }
  out << outcomes.size() + skipped << " scenarios (" << options.mode << "): " << passed << " passed, " << failed
      << " failed, " << unknown << " unknown, " << skipped << " skipped";
  if (skipped > 0) out << " (" << (options.mode == "sim" ? "live" : "sim") << " only)";
  if (not_applicable > 0) out << ", " << not_applicable << " not applicable (the target lacks what they need)";
  if (suite_options.write_every_history || options.mode == "live") {
    out << "; histories in " << work_root.string() << "\n";
  } else if (passed + not_applicable < outcomes.size()) {
    out << "; histories of the scenarios that did not pass in " << work_root.string() << "\n";
  } else {
    out << "; checked in memory (--report DIR keeps every history)\n";
  }
  // The HTML report is rebuilt from the histories on disk, as `resync report DIR/runs` would.
  std::optional<std::string> html_report_path;
  bool report_failed = false;
  if (options.report_directory) {
    html_report_path = (std::filesystem::path(*options.report_directory) / "index.html").string();
    if (const std::string problem = reports::write_run_report(outcomes, *html_report_path); !problem.empty()) {
      err << "resync run: HTML report: " << problem << "\n";
      report_failed = true;
      html_report_path.reset();
    } else {
      out << "HTML report: " << *html_report_path << "\n";
    }
  }
  if (options.junit_path) {
    std::ofstream junit(*options.junit_path, std::ios::trunc);
    if (!junit) {
      err << "resync run: cannot write JUnit XML to '" << *options.junit_path << "' (check the directory exists)\n";
      return 2;
    }
    reports::write_junit(outcomes, junit, html_report_path);
  }
  if (suite.nondeterministic || report_failed) return 2;
  if (suite.a_target_is_unusable) {
    err << "resync run: the target cannot be tested (see the target line above): it must accept a Socket.IO v5 "
           "client over Engine.IO v4 WebSocket and broadcast the chat event back with an id\n";
    return 2;
  }
  if (!outcomes.empty() && not_applicable == outcomes.size()) {
    // Nothing was checked: that is no pass, as when every scenario is for the other mode.
    err << "resync run: no scenario given applies to this target; nothing ran\n";
    return 2;
  }
  if (outcomes.empty()) {
    // Nothing was checked: that is no pass.
    err << "resync run: every scenario given is for the other mode; nothing ran (run them with --mode "
        << (options.mode == "sim" ? "live" : "sim") << ")\n";
    return 2;
  }
  return checker::run_exit_code(outcomes);
}

void register_run_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<RunCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "run", "Run scenario files (or directories of them) and check that every client ends with exactly the full "
             "ordered message set. Exit 0: every scenario met its expectation; 1: one did not; 2: unknown or usage error.");
  command->add_option("paths", options->paths, "Scenario files or directories (searched for *.json)")->required();
  command->add_option("--mode", options->mode, "live: real server, real proxy, real sockets; sim: the deterministic simulator")
      ->check(CLI::IsMember({"live", "sim"}));
  command->add_option("--target", options->target_url, "An external Socket.IO server to test instead of the embedded one (http://HOST:PORT); each scenario starts from "
                      "the end of the log it already holds (a catch-up probe reads it; docs/HISTORY.md, \"Start offset\")");
  command->add_option("--target-cmd", options->target_command,
                      "A command that starts the external server; the harness may kill and restart it. Its environment has PORT "
                      "(listen there) and RESYNC_RUN_DIR (a fresh empty directory per scenario, kept across that scenario's "
                      "restarts: put the database there, e.g. 'env DB=$RESYNC_RUN_DIR/chat.db node server.js')");
  command->add_option("--target-db", options->target_database,
                      "The external server's SQLite file (the tutorial's messages table): read after each run as its committed "
                      "log, compared with what a catch-up from the start offset returns, and where storage faults act. Relative "
                      "to RESYNC_RUN_DIR with --target-cmd (e.g. --target-db chat.db)");
  command->add_flag("--target-cluster", options->target_cluster,
                    "With --target-cmd: the command starts one node of a cluster (NODE_INDEX, PORT, REDIS_URL, a shared "
                    "RESYNC_RUN_DIR), so the cluster scenarios (server.nodes > 1) run against it, once per node; without it "
                    "they are not applicable to a target (docs/SCENARIOS.md, \"Clusters\")");
  command->add_option("--report", options->report_directory, "Directory for the run's histories (DIR/runs/) and its HTML report (DIR/index.html)");
  command->add_option("--junit", options->junit_path, "Write JUnit XML here (one testcase per scenario)");
  command->add_option("--seed", options->seed, "The seed for every random choice (default: the scenario's own seed, else 1)");
  command->add_option("--jobs", options->jobs, "Scenarios run in parallel (separate servers and ports)")->check(CLI::Range(1, 64));
  command->add_flag("--check-determinism", options->check_determinism,
                    "With --mode sim: run every scenario twice and fail loudly if the histories differ");
  command->add_flag("--trace", options->trace, "With --mode sim: print every WebSocket frame of the run on stderr");
  std::string planted_bug_names;
  for (const auto name : server::planted_bug_names()) planted_bug_names += (planted_bug_names.empty() ? "" : ", ") + std::string(name);
  command->add_option("--planted-bug", options->planted_bug,
                      "For testing Resync itself, never for real use: plant a known bug in the embedded server of every "
                      "scenario (overrides the scenario's server.planted_bug), so a test can prove Resync catches it. One "
                      "of " + planted_bug_names + "; the last two crash the server process and need --mode live "
                      "(docs/SCENARIOS.md)");
  command->callback([options, &exit_code] { exit_code = run_run_command(*options, std::cout, std::cerr); });
}

}  // namespace resync::sim