#include "sim/fuzz/fuzz_command.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "reports/html/report_files.hpp"
#include "sim/fuzz/fuzz_campaign.hpp"
#include "sim/runner/live_runner.hpp"
#include "sim/runner/run_command.hpp"
#include "sim/runner/server_process.hpp"
#include "sim/scenario/scenario_writer.hpp"
#include "sim/simulator/simulator.hpp"

namespace resync::sim {

namespace {

constexpr std::uint64_t default_runs = 1000;
// Live runs take real seconds: keep generated timelines short and convergence bounded.
constexpr std::int64_t live_timeline_ms_max = 3000;
constexpr std::int64_t live_converge_within_ms = 20000;

std::string read_file(const std::string& path) {
  std::ifstream input(path, std::ios::binary);
  std::stringstream buffer;
  buffer << input.rdbuf();
  return buffer.str();
}

std::string describe_size(const Scenario& scenario) {
  return std::to_string(scenario.clients.size()) + " clients, " + std::to_string(scenario.timeline.size()) + " steps";
}

// `--report DIR`: the campaign page (DIR/index.html), with the finding's history drawn in
// full from the file written next to the reproducer. Returns false when it could not be written.
bool write_campaign_report(const FuzzCommandOptions& options, const CampaignResult& result,
                           std::optional<reports::FuzzFinding> finding, std::ostream& out, std::ostream& err) {
  if (!options.report_directory) return true;
  reports::ReportPage page;
  page.title = "Resync fuzz campaign";
  reports::FuzzCampaignSummary& campaign = page.campaign.emplace();
  campaign.mode = options.mode;
  campaign.delivery = options.profile.delivery;
  campaign.seed = std::to_string(options.seed);
  campaign.runs = result.runs;
  campaign.seconds = result.seconds;
  campaign.profile = "at most " + std::to_string(options.profile.clients_max) + " clients, " +
                     std::to_string(options.profile.messages_max) + " messages, " +
                     std::to_string(options.profile.faults_max) + " faults per scenario";
  campaign.command = "resync fuzz --mode " + options.mode + " --seed " + std::to_string(options.seed) + " --runs " +
                     std::to_string(result.runs) + " --delivery " + options.profile.delivery + " --clients-max " +
                     std::to_string(options.profile.clients_max) + " --messages-max " +
                     std::to_string(options.profile.messages_max) + " --faults-max " +
                     std::to_string(options.profile.faults_max);
  campaign.harness_error = result.harness_error;
  if (finding) {
    page.scenarios.push_back(reports::report_history_file(finding->history_path,
                                                          reports::ReproducerInfo{finding->reproducer_path, finding->steps}));
  }
  campaign.finding = std::move(finding);
  const std::string path = (std::filesystem::path(*options.report_directory) / "index.html").string();
  if (const std::string problem = reports::write_report_file(page, path); !problem.empty()) {
    err << "resync fuzz: campaign report: " << problem << "\n";
    return false;
  }
  out << "campaign report: " << path << "\n";
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_duration_ms(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 9) return std::nullopt;
  const std::int64_t value = std::stoll(text.substr(0, digits));
  const std::string unit = text.substr(digits);
  if (unit.empty() || unit == "s") return value * 1000;
  if (unit == "ms") return value;
  if (unit == "m" || unit == "min") return value * 60000;
  if (unit == "h") return value * 3600000;
  return std::nullopt;
}

int run_fuzz_command(const FuzzCommandOptions& options, std::ostream& out, std::ostream& err) {
  if (options.mode != "sim" && options.mode != "live") {
    err << "resync fuzz: --mode must be sim or live\n";
    return 2;
  }
  if (options.mode == "sim" && (options.target_url || options.target_command)) {
    err << "resync fuzz: --target and --target-cmd need --mode live (the simulator runs the embedded server core)\n";
    return 2;
  }
  CampaignOptions campaign;
  campaign.profile = options.profile;
  campaign.seed = options.seed;
  campaign.jobs = options.jobs;
  if (options.time_budget) {
    campaign.time_budget_ms = parse_duration_ms(*options.time_budget);
    if (!campaign.time_budget_ms) {
      err << "resync fuzz: --time-budget '" << *options.time_budget << "' is not a duration; write e.g. 60s, 2m or 500ms\n";
      return 2;
    }
  }
  campaign.runs = options.runs;
  if (!campaign.runs && !campaign.time_budget_ms) campaign.runs = default_runs;
  if (options.mode == "live") {
    campaign.profile.timeline_ms_max = std::min(campaign.profile.timeline_ms_max, live_timeline_ms_max);
    campaign.profile.converge_within_ms = std::min(campaign.profile.converge_within_ms, live_converge_within_ms);
  }
  const bool show_progress = options.progress && ::isatty(STDERR_FILENO);
  if (show_progress) {
    campaign.on_progress = [&err](std::uint64_t runs, double per_second, std::uint64_t failures) {
      err << "\rresync fuzz: " << runs << " runs, " << static_cast<std::uint64_t>(per_second) << " runs/s, " << failures
          << " failures   " << std::flush;
    };
  }

  ScenarioRunner runner;
  std::atomic<std::uint64_t> live_run_counter{0};
  const std::filesystem::path live_work_root =
      std::filesystem::temp_directory_path() / ("resync-fuzz-" + std::to_string(::getpid()));
  if (options.mode == "sim") {
    runner = [](const Scenario& scenario, std::uint64_t seed) {
      SimulationOptions simulation;
      simulation.seed = seed;
      return simulate_scenario(scenario, simulation);
    };
  } else {
    const std::string executable = options.resync_executable.empty() ? current_executable_path() : options.resync_executable;
    runner = [&, executable](const Scenario& scenario, std::uint64_t seed) {
      LiveRunOptions live;
      live.resync_executable = executable;
      live.work_directory = (live_work_root / std::to_string(live_run_counter.fetch_add(1))).string();
      live.seed = seed;
      live.target_url = options.target_url;
      live.target_command = options.target_command;
      live.target_database = options.target_database;
      const std::string history = read_file(run_scenario_live(scenario, live));
      std::filesystem::remove_all(live.work_directory);
      return history;
    };
  }

  const CampaignResult result = run_campaign(campaign, runner);
  if (show_progress) err << "\n";
  out << "resync fuzz: " << result.runs << " runs in " << result.seconds << " s ("
      << static_cast<std::uint64_t>(static_cast<double>(result.runs) / std::max(result.seconds, 1e-9)) << " runs/s), mode "
      << options.mode << ", seed " << options.seed << ", delivery " << options.profile.delivery << "\n";
  if (!result.failure) {
    out << "resync fuzz: no failure found\n";
    return write_campaign_report(options, result, std::nullopt, out, err) ? 0 : 2;
  }

  const CampaignFailure& failure = *result.failure;
  Scenario reproducer = failure.shrunk;
  reproducer.name = "fuzz-seed" + std::to_string(options.seed) + "-run" + std::to_string(failure.run_index);
  reproducer.seed = failure.run_seed;
  reproducer.description = "Found by `resync fuzz --seed " + std::to_string(options.seed) + " --delivery " +
                           options.profile.delivery + "` at run " + std::to_string(failure.run_index) + " (" +
                           options.mode + " mode); shrunk from " + describe_size(failure.original) + " to " +
                           describe_size(failure.shrunk) + ". Property: every client ends with exactly the full "
                           "ordered message set. Expected valid: replaying it shows the failure.";
  std::error_code error;
  std::filesystem::create_directories(options.out_directory, error);
  const std::string path = (std::filesystem::path(options.out_directory) / (reproducer.name + ".json")).string();
  reproducer.file = path;
  std::ofstream file(path, std::ios::trunc);
  if (!file) {
    err << "resync fuzz: found a failure but cannot write the reproducer to '" << path
        << "' (check --out names a writable directory)\n";
    return 2;
  }
  file << scenario_to_json(reproducer).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  file.close();
  // The finding's history names its reproducer and replay commands, as `resync run` records
  // them, so `resync check` on the history file and the report show how to replay it.
  const std::string replay_sim = replay_command(path, "sim", failure.run_seed);
  const std::string replay_live =
      replay_command(path, "live", failure.run_seed, {options.target_url, options.target_command, options.target_database, std::nullopt});
  const std::string history = record_reproducer_in_history(failure.shrunk_history, reproducer, replay_sim, replay_live);
  const std::string verdict_text = property_violation(history).value_or(failure.verdict_text);
  const std::string history_path = path.substr(0, path.size() - 5) + ".history.jsonl";
  std::ofstream(history_path, std::ios::trunc) << history;

  out << "resync fuzz: FAILURE at run " << failure.run_index << " (run seed " << failure.run_seed << "), shrunk from "
      << describe_size(failure.original) << " to " << describe_size(failure.shrunk) << " in " << failure.shrink_runs
      << " runs (" << failure.shrink_steps << " shrinks)\n"
      << verdict_text << "\n"
      << "reproducer: " << path << "\n"
      << "history: " << history_path << "\n"
      << "replay (sim):  " << replay_sim << "\n"
      << "replay (live): " << replay_live << "\n";
  const reports::FuzzFinding finding{failure.run_index, std::to_string(failure.run_seed), describe_size(failure.original),
                                     describe_size(failure.shrunk), failure.shrink_steps, failure.shrink_runs, path,
                                     history_path, replay_sim, replay_live,
                                     reports::scenario_steps_from_file(path), verdict_text};
  return write_campaign_report(options, result, finding, out, err) ? 1 : 2;
}

void register_fuzz_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<FuzzCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "fuzz", "Generate scenarios (RapidCheck), check that every client ends with exactly the full ordered message set, "
              "and shrink the first failure to a minimal scenario file. Exit 0: none found; 1: found; 2: usage error.");
  command->add_option("--mode", options->mode, "sim (default, thousands of runs per minute) or live (real sockets)")
      ->check(CLI::IsMember({"sim", "live"}));
  auto* runs = command->add_option("--runs", options->runs, "Stop after this many runs (default 1000 without --time-budget)");
  command->add_option("--time-budget", options->time_budget, "Stop after this much wall time, e.g. 60s, 2m")->excludes(runs);
  command->add_option("--seed", options->seed, "The campaign seed: same seed, same scenarios, same verdicts (sim)");
  command->add_option("--jobs", options->jobs, "Worker threads")->check(CLI::Range(1, 64));
  command->add_option("--out", options->out_directory, "Where the shrunk reproducer is written (default scenarios/found)");
  command->add_option("--report", options->report_directory, "Write the campaign's HTML page to DIR/index.html");
  command->add_option("--delivery", options->profile.delivery, "The embedded server's delivery mode")
      ->check(CLI::IsMember({"strict", "tutorial"}));
  command->add_option("--target", options->target_url, "With --mode live: an external Socket.IO server (http://HOST:PORT)");
  command->add_option("--target-cmd", options->target_command, "With --mode live: a command that starts the external server (PORT in its environment)");
  command->add_option("--target-db", options->target_database,
                      "With --mode live: the external server's SQLite file (relative to RESYNC_RUN_DIR with --target-cmd)");
  command->add_option("--clients-max", options->profile.clients_max, "At most this many clients per scenario")->check(CLI::Range(1, 50));
  command->add_option("--messages-max", options->profile.messages_max, "At most this many messages per scenario")->check(CLI::Range(1, 10000));
  command->add_option("--faults-max", options->profile.faults_max, "At most this many faults per scenario")->check(CLI::Range(0, 100));
  command->add_flag("!--no-progress", options->progress, "No progress line on stderr");
  command->callback([options, &exit_code] { exit_code = run_fuzz_command(*options, std::cout, std::cerr); });
}

}  // namespace resync::sim
