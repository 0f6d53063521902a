#include "sim/runner/run_command.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "reports/html/report_files.hpp"
#include "server/core/planted_bug.hpp"
#include "reports/junit/junit_writer.hpp"
#include "sim/checker/check_history.hpp"
#include "sim/checker/check_text.hpp"
#include "sim/checker/scenario_outcome.hpp"
#include "sim/history/history_reader.hpp"
#include "sim/history/history_writer.hpp"
#include "sim/runner/external_target_probe.hpp"
#include "sim/runner/live_runner.hpp"
#include "sim/runner/server_process.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/simulator/simulator.hpp"

namespace resync::sim {

namespace {

constexpr std::uint64_t default_seed = 1;

std::string shell_quote(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@") == std::string::npos) {
    return text;
  }
  std::string quoted = "'";
  for (char character : text) {
    if (character == '\'') quoted += "'\\''";
    else quoted += character;
  }
  return quoted + "'";
}

// A directory name from a scenario name: letters, digits, '-' and '_' only.
std::string directory_name(const std::string& name, std::size_t index) {
  std::string safe;
  for (char character : name) safe += std::isalnum(static_cast<unsigned char>(character)) || character == '-' || character == '_' ? character : '_';
  if (safe.empty()) safe = "scenario";
  return std::to_string(index + 1) + "-" + safe.substr(0, 80);
}

// The first line where two histories differ, for --check-determinism.
std::string first_difference(const std::string& first, const std::string& second) {
  std::istringstream a(first), b(second);
  std::string line_a, line_b;
  for (std::size_t line = 1;; ++line) {
    const bool more_a = static_cast<bool>(std::getline(a, line_a));
    const bool more_b = static_cast<bool>(std::getline(b, line_b));
    if (!more_a && !more_b) return "";
    if (line_a != line_b || more_a != more_b) {
      return "line " + std::to_string(line) + ":\n  first run:  " + (more_a ? line_a : "<end>") + "\n  second run: " + (more_b ? line_b : "<end>");
    }
  }
}

// Applies --planted-bug to the embedded scenarios and refuses what cannot run: a planted bug
// with an external target, or a live-only one in the simulator. Returns the problem, or "".
std::string plant_bug(const RunCommandOptions& options, std::vector<Scenario>& scenarios) {
  if (options.planted_bug) {
    if (!server::parse_planted_bug(*options.planted_bug) || options.planted_bug->empty()) {
      std::string names;
      for (const auto name : server::planted_bug_names()) names += (names.empty() ? "" : ", ") + std::string(name);
      return "--planted-bug: unknown bug '" + *options.planted_bug + "'; expected one of " + names;
    }
    if (options.target_url || options.target_command) {
      return "--planted-bug plants a bug in the embedded server; it cannot go with --target or --target-cmd";
    }
    for (Scenario& scenario : scenarios) {
      if (scenario.server.kind == ServerKind::embedded) scenario.server.planted_bug = *options.planted_bug;
    }
  }
  if (options.mode != "sim") return "";
  for (const Scenario& scenario : scenarios) {
    const auto bug = server::parse_planted_bug(scenario.server.planted_bug);
    if (bug && server::planted_bug_is_live_only(*bug)) {
      return "the planted bug '" + scenario.server.planted_bug + "' (" +
             (options.planted_bug ? std::string("--planted-bug") : "scenario " + scenario.file) +
             ") needs a real server process, so it cannot run with --mode sim (the simulator drives the server "
             "core inside this process); use --mode live";
    }
  }
  return "";
}

// The external server a live scenario will be run against, or nothing for the embedded one
// (the same choice the live runner makes).
std::optional<ExternalTarget> external_target_of(const Scenario& scenario, const RunCommandOptions& options) {
  ExternalTarget target;
  target.chat_event = scenario.server.chat_event;
  target.offset_auth_field = scenario.server.offset_auth_field;
  if (options.target_command) {
    target.command = *options.target_command;
  } else if (options.target_url) {
    target.url = *options.target_url;
  } else if (scenario.server.kind == ServerKind::external) {
    target.command = scenario.server.command;
    target.url = target.command.empty() ? scenario.server.url : "";
  } else {
    return std::nullopt;
  }
  return target;
}

// What the probe before the suite decided for each scenario.
struct ProbeDecisions {
  std::vector<std::optional<std::string>> not_applicable;  // per scenario: why it is not run
  std::vector<std::string> start_failure;                  // per scenario: its target did not start ("" = it did)
  bool a_target_is_unusable = false;                       // started, but does not speak the protocol
};

// Probes every distinct external target once (a run has a handful: the scenarios' own
// server.external entries, or the one --target / --target-cmd), prints what each can do,
// and decides per scenario. Blocking: runs before any scenario starts.
ProbeDecisions probe_targets(const std::vector<Scenario>& scenarios, const RunCommandOptions& options,
                             const std::filesystem::path& work_root, std::ostream& out, std::ostream& err) {
  ProbeDecisions decisions;
  decisions.not_applicable.resize(scenarios.size());
  decisions.start_failure.resize(scenarios.size());
  if (options.mode != "live") return decisions;
  std::map<std::string, ExternalTargetProbe> probes;
  for (std::size_t index = 0; index < scenarios.size(); ++index) {
    const auto target = external_target_of(scenarios[index], options);
    if (!target) continue;
    const std::string key = target->url + '\n' + target->command + '\n' + target->chat_event + '\n' + target->offset_auth_field;
    auto found = probes.find(key);
    if (found == probes.end()) {
      const std::filesystem::path scratch = work_root / ("probe-" + std::to_string(probes.size() + 1));
      found = probes.emplace(key, probe_external_target(*target, scratch.string())).first;
      const ExternalTargetProbe& probe = found->second;
      if (probe.findings) {
        out << findings_line(*probe.findings) << "\n";
      } else {
        err << "resync run: " << probe.start_failure << "\n";
      }
      out.flush();
    }
    const ExternalTargetProbe& probe = found->second;
    if (!probe.findings) {
      decisions.start_failure[index] = probe.start_failure;  // unknown, as any scenario whose server did not start
      continue;
    }
    if (!probe.findings->unusable_reason.empty()) decisions.a_target_is_unusable = true;
    TargetFindings findings = *probe.findings;
    findings.harness_starts_target = !target->command.empty();
    findings.database_reachable = options.target_database.has_value() || !scenarios[index].server.database.empty();
    decisions.not_applicable[index] = why_not_applicable(scenarios[index], findings);
  }
  return decisions;
}

}  // namespace

std::string replay_command(const std::string& file, const std::string& mode, std::uint64_t seed,
                           const ReplayTarget& target) {
  std::string command = "resync run " + shell_quote(file);
  if (mode == "sim") command += " --mode sim";
  command += " --seed " + std::to_string(seed);
  if (target.planted_bug) command += " --planted-bug " + shell_quote(*target.planted_bug);
  if (mode == "sim") return command;
  if (target.url) command += " --target " + shell_quote(*target.url);
  if (target.command) command += " --target-cmd " + shell_quote(*target.command);
  if (target.database) command += " --target-db " + shell_quote(*target.database);
  return command;
}

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
  if (options.trace && options.mode != "sim") {
    err << "resync run: --trace prints the simulated wire; add --mode sim\n";
    return 2;
  }
  if (options.check_determinism && options.mode != "sim") {
    err << "resync run: --check-determinism compares two simulated runs; add --mode sim\n";
    return 2;
  }

  // Load everything first: a broken scenario file stops the run before anything starts.
  std::vector<Scenario> scenarios;
  bool load_failed = false;
  for (const std::string& path : options.paths) {
    const auto files = find_scenario_files(path);
    if (files.empty()) {
      err << "resync run: " << path << ": no scenario files (*.json) found there\n";
      load_failed = true;
    }
    for (const std::string& file : files) {
      LoadResult loaded = load_scenario_file(file);
      if (!loaded.ok()) {
        err << loaded.error_text() << "\n";
        load_failed = true;
      } else {
        scenarios.push_back(std::move(*loaded.scenario));
      }
    }
  }
  if (load_failed) {
    err << "resync run: fix the scenario files above (format: docs/SCENARIOS.md, schema: scenarios/schema.json)\n";
    return 2;
  }
  if (const std::string problem = plant_bug(options, scenarios); !problem.empty()) {
    err << "resync run: " << problem << "\n";
    return 2;
  }

  const std::filesystem::path work_root =
      options.report_directory ? std::filesystem::path(*options.report_directory) / "runs"
                               : std::filesystem::temp_directory_path() / ("resync-run-" + std::to_string(::getpid()));
  const std::string executable = options.resync_executable.empty() ? current_executable_path() : options.resync_executable;

  // A scenario written for the other mode (top-level only_mode) is not run: it is printed as
  // skipped with its reason and counted apart, never as passed.
  std::size_t skipped = 0;
  {
    std::vector<Scenario> to_run;
    for (Scenario& scenario : scenarios) {
      if (scenario.only_mode && *scenario.only_mode != options.mode) {
        out << "scenario " << scenario.name << ": skipped (" << *scenario.only_mode << " only: "
            << scenario.only_mode_reason << ")\n";
        ++skipped;
      } else {
        to_run.push_back(std::move(scenario));
      }
    }
    scenarios = std::move(to_run);
  }

  const ProbeDecisions probed = probe_targets(scenarios, options, work_root, out, err);

  std::vector<checker::ScenarioOutcome> outcomes(scenarios.size());
  std::atomic<std::size_t> next{0};
  std::mutex output_mutex;
  std::atomic<bool> nondeterministic{false};

  const auto run_one = [&](std::size_t index) {
    const Scenario& scenario = scenarios[index];
    if (probed.not_applicable[index] || !probed.start_failure[index].empty()) {
      checker::ScenarioOutcome outcome =
          probed.not_applicable[index]
              ? checker::outcome_not_applicable(scenario.name, scenario.file, *probed.not_applicable[index])
              : checker::outcome_from_error(scenario.name, "", probed.start_failure[index]);
      outcome.scenario_file = scenario.file;
      std::lock_guard lock(output_mutex);
      if (outcome.not_applicable) {
        out << "scenario " << scenario.name << ": not applicable: " << *outcome.not_applicable << "\n";
      } else {
        out << "scenario " << scenario.name << ": unknown (the target did not start; see above)\n";
      }
      out.flush();
      outcomes[index] = std::move(outcome);
      return;
    }
    const std::uint64_t seed = options.seed.value_or(scenario.seed.value_or(default_seed));
    const std::filesystem::path work = work_root / directory_name(scenario.name, index);
    std::filesystem::create_directories(work);
    nlohmann::json replay = {
        {"live", replay_command(scenario.file, "live", seed,
                                {options.target_url, options.target_command, options.target_database, options.planted_bug})},
        {"sim", replay_command(scenario.file, "sim", seed, {std::nullopt, std::nullopt, std::nullopt, options.planted_bug})}};
    std::string history_path;
    std::string determinism_problem;
    std::optional<history::History> simulated;  // a simulated run's events, checked without reading the file back
    if (options.mode == "sim") {
      SimulationOptions simulation;
      simulation.seed = seed;
      simulation.replay = replay;
      std::ostringstream trace;
      if (options.trace) simulation.trace = &trace;
      history::History history = simulate_history(scenario, simulation);
      const std::string text = history::history_text(history);
      if (options.check_determinism) {
        // Typed events compare as the text does (the writer is a function of them); the text
        // is made only to show a difference.
        const history::History again = simulate_history(scenario, simulation);
        if (again.run != history.run || again.events != history.events) {
          determinism_problem = first_difference(text, history::history_text(again));
        }
      }
      history_path = (work / "history.jsonl").string();
      std::ofstream(history_path, std::ios::trunc | std::ios::binary) << text;
      history.source = history_path;
      simulated = std::move(history);
      if (options.trace) {
        std::lock_guard lock(output_mutex);
        err << trace.str();
      }
    } else {
      LiveRunOptions live;
      live.resync_executable = executable;
      live.work_directory = work.string();
      live.seed = seed;
      live.target_url = options.target_url;
      live.target_command = options.target_command;
      live.target_database = options.target_database;
      live.replay = replay;
      history_path = run_scenario_live(scenario, live);
    }
    const auto read = simulated ? history::HistoryReadResult{std::move(simulated), {}} : history::read_history(history_path);
    checker::ScenarioOutcome outcome =
        read.ok() ? checker::outcome_from_result(checker::check_history(*read.history), history_path)
                  : checker::outcome_from_error(scenario.name, history_path, read.error_text());
    if (outcome.scenario_file.empty()) outcome.scenario_file = scenario.file;

    std::lock_guard lock(output_mutex);
    if (outcome.result) {
      out << checker::summary_line(*outcome.result) << "\n";
      if (checker::outcome_status(outcome) != checker::CheckStatus::passed) {
        out << checker::failure_text(*outcome.result) << "  history: " << history_path << "\n";
      }
    } else {
      out << "scenario " << scenario.name << ": unknown (no readable history)\n" << outcome.error << "\n";
    }
    if (!determinism_problem.empty()) {
      nondeterministic = true;
      out << "scenario " << scenario.name << ": NOT DETERMINISTIC: two runs with seed " << seed
          << " wrote different histories; first difference at " << determinism_problem << "\n";
    }
    out.flush();
    outcomes[index] = std::move(outcome);
  };

  const auto worker = [&] {
    for (std::size_t index = next.fetch_add(1); index < scenarios.size(); index = next.fetch_add(1)) run_one(index);
  };
  std::vector<std::thread> threads;
  for (int job = 1; job < std::max(1, options.jobs); ++job) threads.emplace_back(worker);
  worker();
  for (auto& thread : threads) thread.join();

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
  out << scenarios.size() + skipped << " scenarios (" << options.mode << "): " << passed << " passed, " << failed
      << " failed, " << unknown << " unknown, " << skipped << " skipped";
  if (skipped > 0) out << " (" << (options.mode == "sim" ? "live" : "sim") << " only)";
  if (not_applicable > 0) out << ", " << not_applicable << " not applicable (the target lacks what they need)";
  out << "; histories in " << work_root.string() << "\n";
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
  if (nondeterministic || report_failed) return 2;
  if (probed.a_target_is_unusable) {
    err << "resync run: the target cannot be tested (see the target line above): it must accept a Socket.IO v5 "
           "client over Engine.IO v4 WebSocket and broadcast the chat event back with an id\n";
    return 2;
  }
  if (!scenarios.empty() && not_applicable == scenarios.size()) {
    // Nothing was checked: that is no pass, as when every scenario is for the other mode.
    err << "resync run: no scenario given applies to this target; nothing ran\n";
    return 2;
  }
  if (scenarios.empty()) {
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
