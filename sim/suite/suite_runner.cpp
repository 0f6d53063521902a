#include "sim/suite/suite_runner.hpp"

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "server/core/planted_bug.hpp"
#include "sim/checker/check_history.hpp"
#include "sim/checker/check_text.hpp"
#include "sim/history/history_reader.hpp"
#include "sim/history/history_writer.hpp"
#include "sim/runner/external_target_probe.hpp"
#include "sim/runner/live_runner.hpp"
#include "sim/runner/server_process.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/simulator/simulator.hpp"
#include "sim/suite/replay_command.hpp"

namespace resync::sim {

namespace {

constexpr std::uint64_t default_seed = 1;

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

// The external server a live scenario will be run against, or nothing for the embedded one
// (the same choice the live runner makes).
std::optional<ExternalTarget> external_target_of(const Scenario& scenario, const SuiteOptions& options) {
  ExternalTarget target;
  target.chat_event = scenario.server.chat_event;
  target.offset_auth_field = scenario.server.offset_auth_field;
  // A cluster node only when someone says so: the scenario's own external cluster, or
  // --target-cluster for a --target-cmd.
  target.cluster_node = scenario.server.is_cluster() && (options.target_cluster || scenario.server.kind == ServerKind::external);
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
ProbeDecisions probe_targets(const std::vector<Scenario>& scenarios, const SuiteOptions& options,
                             const std::filesystem::path& work_root, std::ostream& out, std::ostream& err) {
  ProbeDecisions decisions;
  decisions.not_applicable.resize(scenarios.size());
  decisions.start_failure.resize(scenarios.size());
  if (options.mode != "live") return decisions;
  std::map<std::string, ExternalTargetProbe> probes;
  for (std::size_t index = 0; index < scenarios.size(); ++index) {
    const auto target = external_target_of(scenarios[index], options);
    if (!target) continue;
    const std::string key = target->url + '\n' + target->command + '\n' + target->chat_event + '\n' + target->offset_auth_field +
                            (target->cluster_node ? "\ncluster" : "");
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
    findings.target_is_cluster = target->cluster_node;
    decisions.not_applicable[index] = why_not_applicable(scenarios[index], findings);
  }
  return decisions;
}

}  // namespace

std::optional<std::vector<Scenario>> load_suite(const std::vector<std::string>& paths, std::ostream& err) {
  std::vector<Scenario> scenarios;
  bool load_failed = false;
  for (const std::string& path : paths) {
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
    return std::nullopt;
  }
  return scenarios;
}

std::string plant_bug(const SuiteOptions& options, std::vector<Scenario>& scenarios) {
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

SuiteResult run_suite(std::vector<Scenario> scenarios, const SuiteOptions& options,
                      const std::filesystem::path& work_root, std::ostream& out, std::ostream& err) {
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
    nlohmann::json replay = {
        {"live", replay_command(scenario.file, "live", seed,
                                {options.target_url, options.target_command, options.target_database, options.planted_bug,
                                 options.target_cluster})},
        {"sim", replay_command(scenario.file, "sim", seed, {std::nullopt, std::nullopt, std::nullopt, options.planted_bug})}};
    std::string history_path;
    std::string determinism_problem;
    std::optional<checker::CheckResult> simulated;  // a simulated run's verdict, checked without reading a file back
    if (options.mode == "sim") {
      SimulationOptions simulation;
      simulation.seed = seed;
      simulation.replay = replay;
      std::ostringstream trace;
      if (options.trace) simulation.trace = &trace;
      history::History history = simulate_history(scenario, simulation);
      if (options.check_determinism) {
        // Typed events compare as the text does (the writer is a function of them); the text
        // is made only to show a difference.
        const history::History again = simulate_history(scenario, simulation);
        if (again.run != history.run || again.events != history.events) {
          determinism_problem = first_difference(history::history_text(history), history::history_text(again));
        }
      }
      simulated = checker::check_history(history);
      if (options.write_every_history || !simulated->passes()) {
        std::filesystem::create_directories(work);
        history_path = (work / "history.jsonl").string();
        std::ofstream(history_path, std::ios::trunc | std::ios::binary) << history::history_text(history);
      }
      if (options.trace) {
        std::lock_guard lock(output_mutex);
        err << trace.str();
      }
    } else {
      std::filesystem::create_directories(work);
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
    checker::ScenarioOutcome outcome;
    if (simulated) {
      outcome = checker::outcome_from_result(std::move(*simulated), history_path);
    } else {
      const auto read = history::read_history(history_path);
      outcome = read.ok() ? checker::outcome_from_result(checker::check_history(*read.history), history_path)
                          : checker::outcome_from_error(scenario.name, history_path, read.error_text());
    }
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
  return SuiteResult{std::move(outcomes), skipped, nondeterministic, probed.a_target_is_unusable};
}

}  // namespace resync::sim
