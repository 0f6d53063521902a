// `resync fuzz merge RESULT... --out DIR`: the N shard results of one campaign (written by
// `resync fuzz --shard K/N`) become what one process running all the runs would have
// printed and written: the same finding, the same reproducer and history files, replayed.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>

#include "app/fuzz_command.hpp"
#include "sim/fuzz/fuzz_shard_result.hpp"

namespace resync::sim {

namespace {

struct FuzzMergeOptions {
  std::vector<std::string> result_paths;
  std::string out_directory = "scenarios/found";
  std::optional<std::string> report_directory;
};

int run_fuzz_merge_command(const FuzzMergeOptions& merge_options, std::ostream& out, std::ostream& err) {
  std::vector<ShardResult> shard_results;
  for (const std::string& path : merge_options.result_paths) {
    ShardResultRead read = read_shard_result_file(path);
    if (!read.shard_result) {
      err << "resync fuzz merge: " << read.error << "\n";
      return 2;
    }
    shard_results.push_back(std::move(*read.shard_result));
  }
  const ShardMerge merge = merge_shard_results(shard_results, merge_options.result_paths);
  if (!merge.merged) {
    err << "resync fuzz merge: " << merge.error << "\n";
    return 2;
  }
  const DriverOptionsRead driver = driver_options_from_identity(merge.merged->campaign);
  if (!driver.options) {
    err << "resync fuzz merge: " << merge_options.result_paths.front() << ": " << driver.error << "\n";
    return 2;
  }
  FuzzCommandOptions options;
  static_cast<FuzzDriverOptions&>(options) = *driver.options;
  options.out_directory = merge_options.out_directory;
  options.report_directory = merge_options.report_directory;

  // No probe: the shards probed; writing and replaying the reproducer need only to know
  // whether the server is external (its reproducer replays live only).
  FuzzTarget target;
  target.external = options.target_url || options.target_command;
  target.delivery_label = target.external ? "external" : options.profile.delivery;
  const FuzzBudget budget(std::nullopt);
  const CampaignOptions campaign = fuzz_campaign_options(options, budget, false);
  const std::filesystem::path live_work_root =
      std::filesystem::temp_directory_path() / ("resync-fuzz-merge-" + std::to_string(::getpid()));
  const ScenarioRunner runner = fuzz_scenario_runner(options, live_work_root);

  const CampaignResult& result = merge.merged->result;
  std::uint64_t shrink_runs_total = 0;
  for (const ShardResult& shard_result : shard_results) {
    if (shard_result.result.failure) shrink_runs_total += static_cast<std::uint64_t>(shard_result.result.failure->shrink_runs);
  }
  char seconds_total[32];
  std::snprintf(seconds_total, sizeof seconds_total, "%.1f", merge.shard_seconds_total);
  out << "resync fuzz merge: " << shard_results.size() << " shards, " << result.failures
      << " failing campaign runs among them; the slowest shard took "
      << format_seconds(static_cast<std::int64_t>(result.seconds * 1000)) << ", all together " << seconds_total
      << " s (rates below: per slowest shard)\n";
  const int exit_code = conclude_fuzz_campaign(
      {options, campaign, result, target, budget, runner, nullptr,
       [&] { return "time: slowest shard " + format_seconds(static_cast<std::int64_t>(result.seconds * 1000)); },
       shrink_runs_total},
      out, err);
  std::error_code ignored;
  std::filesystem::remove_all(live_work_root, ignored);
  return exit_code;
}

}  // namespace

CLI::App* register_fuzz_merge_command(CLI::App& fuzz, int& exit_code) {
  auto options = std::make_shared<FuzzMergeOptions>();
  CLI::App* command = fuzz.add_subcommand(
      "merge", "Combine the N shard results of one campaign (resync fuzz --shard K/N) and write the reproducer one "
               "process running all the runs would have written. Exit 0: no failure; 1: found; 2: bad input.");
  command->add_option("results", options->result_paths, "The shard-K-of-N.json files, all N of them")->required();
  command->add_option("--out", options->out_directory, "Where the reproducer is written (default scenarios/found)");
  command->add_option("--report", options->report_directory, "Write the campaign's HTML page to DIR/index.html");
  command->callback([options, &exit_code] { exit_code = run_fuzz_merge_command(*options, std::cout, std::cerr); });
  return command;
}

}  // namespace resync::sim
