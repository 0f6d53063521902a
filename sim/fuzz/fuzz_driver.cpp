#include "sim/fuzz/fuzz_driver.hpp"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <memory>
#include <sstream>

#include "sim/runner/external_target_probe.hpp"
#include "sim/runner/live_runner.hpp"
#include "sim/runner/server_process.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/scenario/scenario_writer.hpp"
#include "sim/simulator/simulator.hpp"
#include "sim/suite/replay_command.hpp"

namespace resync::sim {

namespace {

constexpr std::uint64_t default_runs = 1000;
// Live runs take real seconds: keep generated timelines short and convergence bounded.
constexpr std::int64_t live_timeline_ms_max = 3000;
constexpr std::int64_t live_converge_within_ms = 20000;
// A live run takes seconds, so a campaign has tens of runs, not thousands: sizes 0, 10, 20, ...
constexpr int live_size_step = 10;

std::string read_file(const std::string& path) {
  std::ifstream input(path, std::ios::binary);
  std::stringstream buffer;
  buffer << input.rdbuf();
  return buffer.str();
}

}  // namespace

std::string describe_size(const Scenario& scenario) {
  return std::to_string(scenario.clients.size()) + " clients, " + std::to_string(scenario.timeline.size()) + " steps";
}

CampaignOptions fuzz_campaign_options(const FuzzDriverOptions& options, const FuzzBudget& budget, bool budget_given) {
  const bool live = options.mode == "live";
  CampaignOptions campaign;
  campaign.profile = options.profile;
  campaign.seed = options.seed;
  campaign.jobs = options.jobs;
  campaign.budget = budget;
  campaign.runs = options.runs;
  if (!campaign.runs && !budget_given) campaign.runs = default_runs;
  campaign.shrink_tries = live ? options.shrink_tries : 1;
  if (live) {
    campaign.profile.timeline_ms_max = std::min(campaign.profile.timeline_ms_max, live_timeline_ms_max);
    campaign.profile.converge_within_ms = std::min(campaign.profile.converge_within_ms, live_converge_within_ms);
    campaign.run_lower_bound_ms = live_run_lower_bound_ms;
    campaign.size_step = live_size_step;
    campaign.shrink_removals_first = true;
  }
  return campaign;
}

std::optional<int> probe_for_campaign(const FuzzDriverOptions& options, const std::filesystem::path& work_root,
                                      CampaignOptions& campaign, FuzzTarget& target, std::ostream& out, std::ostream& err) {
  target.external = options.target_url || options.target_command;
  target.delivery_label = target.external ? "external" : options.profile.delivery;
  if (!target.external) return std::nullopt;
  ExternalTarget external;
  if (options.target_command) {
    external.command = *options.target_command;
  } else {
    external.url = *options.target_url;
  }
  const ExternalTargetProbe probe = probe_external_target(external, (work_root / "probe").string());
  if (!probe.findings) {
    err << "resync fuzz: " << probe.start_failure << "\n";
    return 2;
  }
  out << findings_line(*probe.findings) << "\n";
  if (!probe.findings->unusable_reason.empty()) {
    err << "resync fuzz: cannot fuzz this target: " << probe.findings->unusable_reason << "\n";
    return 2;
  }
  target.findings = probe.findings;
  ServerSpec server;
  server.kind = ServerKind::external;
  server.command = options.target_command.value_or("");
  server.url = options.target_url.value_or("");
  server.database = options.target_database.value_or("");
  campaign.profile.external_server = server;
  campaign.profile.acked_clients = probe.findings->acknowledges;
  if (!probe.findings->acknowledges) out << "resync fuzz: the target does not acknowledge: generating plain clients only\n";
  // A server behind a URL is not ours to kill or restart, nor to limit; a lock and a full disk
  // need its database file (the same rules as the probe's "not applicable").
  if (!options.target_command) campaign.profile.server_kills_max = 0;
  std::vector<StorageFaultKind> kinds;
  if (options.target_database) kinds.push_back(StorageFaultKind::lock_database);
  if (options.target_command) kinds.push_back(StorageFaultKind::read_only);
  if (options.target_database && options.target_command) kinds.push_back(StorageFaultKind::full);
  campaign.profile.storage_fault_kinds = kinds;
  return std::nullopt;
}

ScenarioRunner fuzz_scenario_runner(const FuzzDriverOptions& options, const std::filesystem::path& live_work_root) {
  if (options.mode != "live") {
    return finishing_runner([](const Scenario& scenario, std::uint64_t seed) {
      SimulationOptions simulation;
      simulation.seed = seed;
      return simulate_scenario(scenario, simulation);
    });
  }
  const std::string executable = options.resync_executable.empty() ? current_executable_path() : options.resync_executable;
  // Shared by the copies of the runner the campaign's threads hold: one directory per run.
  auto live_run_counter = std::make_shared<std::atomic<std::uint64_t>>(0);
  return [options, live_work_root, executable, live_run_counter](const Scenario& scenario, std::uint64_t seed,
                                                                 const RunLimits& limits) {
    LiveRunOptions live_options;
    live_options.resync_executable = executable;
    live_options.work_directory = (live_work_root / std::to_string(live_run_counter->fetch_add(1))).string();
    live_options.seed = seed;
    live_options.target_url = options.target_url;
    live_options.target_command = options.target_command;
    live_options.target_database = options.target_database;
    live_options.abandon_at = limits.abandon_at;
    const LiveRunResult ran = run_scenario_live_bounded(scenario, live_options);
    RunOutcome outcome{read_file(ran.history_path), ran.abandoned};
    std::filesystem::remove_all(live_options.work_directory);
    return outcome;
  };
}

WrittenReproducer write_reproducer(const FuzzDriverOptions& options, const CampaignFailure& failure,
                                   const FuzzTarget& target, const std::string& found_with) {
  Scenario reproducer = failure.shrunk;
  reproducer.name = "fuzz-seed" + std::to_string(options.seed) + "-run" + std::to_string(failure.run_index);
  reproducer.seed = failure.run_seed;
  reproducer.description = "Found by `" + found_with + "` at run " + std::to_string(failure.run_index) + " (" +
                           options.mode + " mode); shrunk from " + describe_size(failure.original) + " to " +
                           describe_size(failure.shrunk) + (failure.shrink_complete ? "" : " (shrinking was cut short)") +
                           ". Failure: " + describe_failure_class(failure.failure_class) +
                           ". Property: every client ends with exactly the full ordered message set. Expected valid: "
                           "replaying it shows the failure.";
  std::error_code error;
  std::filesystem::create_directories(options.out_directory, error);
  const std::string path = (std::filesystem::path(options.out_directory) / (reproducer.name + ".json")).string();
  reproducer.file = path;
  std::ofstream file(path, std::ios::trunc);
  if (!file) return WrittenReproducer{path, "", "", "", "", false};
  file << scenario_to_json(reproducer).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  file.close();
  // The finding's history names its reproducer and replay commands, as `resync run` records
  // them, so `resync check` on the history file and the report show how to replay it. An
  // external target's reproducer replays live only: the simulator runs the embedded core.
  const std::string replay_sim = target.external ? "" : replay_command(path, "sim", failure.run_seed);
  const std::string replay_live =
      replay_command(path, "live", failure.run_seed, {options.target_url, options.target_command, options.target_database, std::nullopt});
  const std::string history = record_reproducer_in_history(failure.shrunk_history, reproducer, replay_sim, replay_live);
  const std::string verdict_text = property_violation(history).value_or(failure.verdict_text);
  const std::string history_path = path.substr(0, path.size() - 5) + ".history.jsonl";
  std::ofstream(history_path, std::ios::trunc) << history;
  return WrittenReproducer{path, history_path, replay_sim, replay_live, verdict_text, true};
}

std::string replay_written_reproducer(const std::string& path, const CampaignFailure& failure,
                                      const CampaignOptions& campaign, const FuzzBudget& budget,
                                      const ScenarioRunner& runner, const std::function<void(int)>& on_try,
                                      ReplayResult& replay) {
  std::string replay_problem;
  const LoadResult loaded = load_scenario_file(path);
  if (!loaded.ok()) {
    replay_problem = "the written reproducer does not load back:\n" + loaded.error_text();
  } else {
    replay = replay_reproducer(*loaded.scenario, failure.run_seed, failure.failure_class, campaign.shrink_tries, budget,
                               campaign.run_lower_bound_ms, runner, on_try);
  }
  return replay_problem;
}

}  // namespace resync::sim
