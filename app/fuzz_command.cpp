#include "app/fuzz_command.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "reports/html/report_files.hpp"
#include "reports/html/report_text.hpp"
#include "sim/fuzz/fuzz_campaign.hpp"
#include "sim/fuzz/fuzz_driver.hpp"
#include "sim/fuzz/fuzz_progress.hpp"
#include "sim/fuzz/fuzz_shard_result.hpp"

namespace resync::sim {

namespace {

// `--report DIR`: the campaign page (DIR/index.html), with the finding's history drawn in
// full from the file written next to the reproducer. Returns false when it could not be written.
bool write_campaign_report(const FuzzCommandOptions& options, const std::string& command_line, const std::string& delivery,
                           const CampaignResult& result, std::optional<reports::FuzzFinding> finding, std::ostream& out,
                           std::ostream& err) {
  if (!options.report_directory) return true;
  reports::ReportPage page;
  page.title = "Resync fuzz campaign";
  reports::FuzzCampaignSummary& campaign = page.campaign.emplace();
  campaign.mode = options.mode;
  campaign.delivery = delivery;
  campaign.seed = std::to_string(options.seed);
  campaign.runs = result.runs;
  campaign.seconds = result.seconds;
  campaign.profile = "at most " + std::to_string(options.profile.clients_max) + " clients, " +
                     std::to_string(options.profile.messages_max) + " messages, " +
                     std::to_string(options.profile.faults_max) + " faults per scenario" +
                     (options.profile.nodes > 1 ? ", clusters of " + std::to_string(options.profile.nodes) + " nodes" : "");
  campaign.command = command_line;
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

namespace {

std::string campaign_command_line(const FuzzCommandOptions& options, const CampaignResult& result, const FuzzTarget& target) {
  std::string command = "resync fuzz --mode " + options.mode + " --seed " + std::to_string(options.seed) + " --runs " +
                        std::to_string(result.runs);
  if (!target.external) command += " --delivery " + options.profile.delivery;
  command += " --clients-max " + std::to_string(options.profile.clients_max) + " --messages-max " +
             std::to_string(options.profile.messages_max) + " --faults-max " + std::to_string(options.profile.faults_max) +
             " --storage-faults-max " + std::to_string(options.profile.storage_faults_max);
  if (options.profile.nodes > 1) {
    command += " --nodes " + std::to_string(options.profile.nodes) + " --cluster-faults-max " +
               std::to_string(options.profile.cluster_faults_max);
  }
  if (options.target_url) command += " --target " + reports::shell_quoted(*options.target_url);
  if (options.target_command) command += " --target-cmd " + reports::shell_quoted(*options.target_command);
  if (options.target_database) command += " --target-db " + reports::shell_quoted(*options.target_database);
  return command;
}

std::string describe_replay(const ReplayResult& replay) {
  const std::string of = " of " + std::to_string(replay.tries_max) + (replay.tries_max == 1 ? " try" : " tries");
  if (replay.failed_on_try > 0) return "failed again on try " + std::to_string(replay.failed_on_try) + of;
  if (replay.not_started) return "not run: the time budget could not fit a replay (the reproducer is unverified)";
  std::string text = "did not fail again in " + std::to_string(replay.tries) + of;
  if (replay.failed_differently > 0) text += " (" + std::to_string(replay.failed_differently) + " failed with another failure class)";
  if (replay.abandoned) text += "; a try was abandoned at the deadline";
  else if (replay.tries < replay.tries_max) text += "; the budget could not fit the remaining tries";
  return text;
}

}  // namespace

// Shrink runs are runs too, so the rate is the whole campaign's.
std::string campaign_summary_line(const FuzzCommandOptions& options, const CampaignResult& result, const FuzzTarget& target,
                                  std::uint64_t shrink_runs) {
  const std::uint64_t runs = result.runs + shrink_runs;
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.1f", static_cast<double>(runs) / std::max(result.seconds, 1e-9));
  return "resync fuzz: " + std::to_string(runs) + " runs (" + std::to_string(result.runs) + " campaign + " +
         std::to_string(shrink_runs) + " shrink) in " + format_seconds(static_cast<std::int64_t>(result.seconds * 1000)) +
         " (" + rate + " runs/s), mode " + options.mode + ", seed " + std::to_string(options.seed) + ", delivery " +
         target.delivery_label;
}

namespace {

// `--shard K/N`: the shard's result goes to --out as shard-K-of-N.json for `resync fuzz merge`,
// which writes the reproducer; a finding alone is not this command's failure (exit 0), the
// merged campaign's is.
int write_shard_result_file(const FuzzCommandOptions& options, const FuzzShard& shard, const CampaignResult& result,
                            const FuzzTarget& target, const std::string& summary_time, std::ostream& out,
                            std::ostream& err) {
  const std::uint64_t shrink_runs = result.failure ? static_cast<std::uint64_t>(result.failure->shrink_runs) : 0;
  out << campaign_summary_line(options, result, target, shrink_runs) << ", shard " << shard.index << "/" << shard.total
      << " (" << shard_run_count(shard, options.runs.value_or(0)) << " of " << options.runs.value_or(0) << " runs)\n";
  if (!result.generation_cut_short.empty()) out << "cut short: " << result.generation_cut_short << "\n";
  if (result.failure) {
    out << "shard " << shard.index << "/" << shard.total << ": earliest failure at run " << result.failure->run_index
        << ", shrunk from " << describe_size(result.failure->original) << " to " << describe_size(result.failure->shrunk)
        << " (resync fuzz merge writes the reproducer)\n";
  } else {
    out << "shard " << shard.index << "/" << shard.total << ": no failure found\n";
  }
  std::error_code error;
  std::filesystem::create_directories(options.out_directory, error);
  const std::string path = (std::filesystem::path(options.out_directory) / shard_file_name(shard)).string();
  ShardResult shard_result{fuzz_campaign_identity(options), shard, result};
  std::ofstream file(path, std::ios::trunc | std::ios::binary);
  file << shard_result_text(shard_result);
  file.close();
  if (!file) {
    err << "resync fuzz: cannot write the shard result to '" << path << "' (check --out names a writable directory)\n";
    return 2;
  }
  out << "shard result: " << path << "\n" << summary_time << "\n";
  if (!result.harness_error.empty()) {
    err << "resync fuzz: " << result.harness_error << "\n";
    return 2;
  }
  return 0;
}

}  // namespace

int run_fuzz_command(const FuzzCommandOptions& options, std::ostream& out, std::ostream& err) {
  // The one deadline starts here: probing, generating, shrinking, writing and replaying all
  // count against --time-budget.
  std::optional<std::int64_t> budget_ms;
  if (options.time_budget) {
    budget_ms = parse_duration_ms(*options.time_budget);
    if (!budget_ms) {
      err << "resync fuzz: --time-budget '" << *options.time_budget << "' is not a duration; write e.g. 60s, 2m or 500ms\n";
      return 2;
    }
    if (*budget_ms <= 0) {
      err << "resync fuzz: --time-budget '" << *options.time_budget << "' leaves no time to run anything; give more than 0\n";
      return 2;
    }
  }
  const FuzzBudget budget(budget_ms);
  if (options.mode != "sim" && options.mode != "live") {
    err << "resync fuzz: --mode must be sim or live\n";
    return 2;
  }
  if (options.mode == "sim" && (options.target_url || options.target_command)) {
    err << "resync fuzz: --target and --target-cmd need --mode live (the simulator runs the embedded server core)\n";
    return 2;
  }
  if (options.target_url && options.target_command) {
    err << "resync fuzz: give --target URL or --target-cmd CMD, not both\n";
    return 2;
  }
  if (options.delivery_given && (options.target_url || options.target_command)) {
    err << "resync fuzz: --delivery sets the embedded server's delivery; an external target delivers as it is written "
           "(drop --delivery)\n";
    return 2;
  }
  if (options.target_database && !(options.target_url || options.target_command)) {
    err << "resync fuzz: --target-db names an external target's database; add --target-cmd or --target\n";
    return 2;
  }
  CampaignOptions campaign = fuzz_campaign_options(options, budget, budget_ms.has_value());
  if (options.shard) {
    const FuzzShardParse shard = parse_fuzz_shard(*options.shard);
    if (!shard.shard) {
      err << "resync fuzz: " << shard.error << "\n";
      return 2;
    }
    if (!options.runs) {
      err << "resync fuzz: --shard K/N splits a fixed number of runs: add --runs R (the same R on every shard)\n";
      return 2;
    }
    if (options.report_directory) {
      err << "resync fuzz: --report is written by `resync fuzz merge ... --report DIR`, which sees every shard; "
             "drop it from --shard runs\n";
      return 2;
    }
    campaign.shard = shard.shard;
  }

  const std::filesystem::path live_work_root =
      std::filesystem::temp_directory_path() / ("resync-fuzz-" + std::to_string(::getpid()));
  struct RemoveWorkRoot {
    std::filesystem::path path;
    ~RemoveWorkRoot() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } remove_work_root{live_work_root};
  FuzzTarget target;
  if (auto exit_code = probe_for_campaign(options, live_work_root, campaign, target, out, err)) return *exit_code;
  const std::int64_t probe_ms = budget.elapsed_ms();

  ProgressStyle style = ProgressStyle::none;
  if (options.progress == "plain") style = ProgressStyle::plain;
  if (options.progress == "auto") style = ::isatty(STDERR_FILENO) ? ProgressStyle::terminal : ProgressStyle::plain;
  FuzzProgress progress(err, style, budget);
  campaign.on_progress = [&progress](const CampaignProgress& snapshot) { progress.update(snapshot); };

  const ScenarioRunner runner = fuzz_scenario_runner(options, live_work_root);

  const CampaignResult result = run_campaign(campaign, runner);
  const auto summary_time = [&] {
    std::string line = "time: " + format_seconds(budget.elapsed_ms());
    if (budget_ms) line += " of a " + format_seconds(*budget_ms) + " budget";
    line += ": ";
    if (target.external) line += "probe " + format_seconds(probe_ms) + ", ";
    line += "generation " + format_seconds(static_cast<std::int64_t>(result.generation_seconds * 1000));
    if (result.failure) line += ", shrinking " + format_seconds(result.failure->shrink_wall_ms);
    return line;
  };
  if (campaign.shard) {
    progress.stop();
    return write_shard_result_file(options, *campaign.shard, result, target, summary_time(), out, err);
  }
  const std::uint64_t shrink_runs = result.failure ? static_cast<std::uint64_t>(result.failure->shrink_runs) : 0;
  return conclude_fuzz_campaign({options, campaign, result, target, budget, runner, &progress, summary_time, shrink_runs},
                                out, err);
}

int conclude_fuzz_campaign(const CampaignConclusion& conclusion, std::ostream& out, std::ostream& err) {
  const FuzzCommandOptions& options = conclusion.options;
  const CampaignOptions& campaign = conclusion.campaign;
  const CampaignResult& result = conclusion.result;
  const FuzzTarget& target = conclusion.target;
  const FuzzBudget& budget = conclusion.budget;
  const ScenarioRunner& runner = conclusion.runner;
  out << campaign_summary_line(options, result, target, conclusion.shrink_runs) << "\n";
  if (result.runs_abandoned > 0) out << "abandoned: " << result.runs_abandoned << " run(s) stopped at the deadline, not judged\n";
  if (!result.failure) {
    if (conclusion.progress) conclusion.progress->stop();
    if (!result.generation_cut_short.empty()) out << "cut short: " << result.generation_cut_short << "\n";
    out << "resync fuzz: no failure found\n" << conclusion.summary_time() << "\n";
    return write_campaign_report(options, campaign_command_line(options, result, target), target.delivery_label, result,
                                 std::nullopt, out, err)
               ? 0
               : 2;
  }

  const CampaignFailure& failure = *result.failure;
  const std::string found_with =
      target.external ? "resync fuzz --mode live --seed " + std::to_string(options.seed) +
                            (options.target_command ? " --target-cmd " + reports::shell_quoted(*options.target_command)
                                                    : " --target " + reports::shell_quoted(options.target_url.value_or("")))
                      : "resync fuzz --seed " + std::to_string(options.seed) + " --delivery " + options.profile.delivery;
  const WrittenReproducer written = write_reproducer(options, failure, target, found_with);
  const std::string& path = written.path;
  if (!written.written) {
    if (conclusion.progress) conclusion.progress->stop();
    err << "resync fuzz: found a failure but cannot write the reproducer to '" << path
        << "' (check --out names a writable directory)\n";
    return 2;
  }
  const std::string& replay_sim = written.replay_sim;
  const std::string& replay_live = written.replay_live;
  const std::string& verdict_text = written.verdict_text;
  const std::string& history_path = written.history_path;

  // Replay the file as written (loaded back as `resync run` would), within the budget.
  const auto replay_started_ms = budget.elapsed_ms();
  ReplayResult replay;
  const std::string replay_problem = replay_written_reproducer(
      path, failure, campaign, budget, runner,
      [&](int try_index) { if (conclusion.progress) conclusion.progress->replaying(try_index, campaign.shrink_tries); }, replay);
  const auto replay_ms = budget.elapsed_ms() - replay_started_ms;
  if (conclusion.progress) conclusion.progress->stop();

  out << "resync fuzz: FAILURE at run " << failure.run_index << " (run seed " << failure.run_seed << "), shrunk from "
      << describe_size(failure.original) << " to " << describe_size(failure.shrunk) << " in " << failure.shrink_runs
      << " runs (" << failure.shrink_steps << " shrinks)\n"
      << verdict_text << "\n";
  if (failure.shrink_complete) {
    out << "shrinking: complete (no candidate of the reproducer still fails), " << failure.shrink_candidates
        << " candidates in " << format_seconds(failure.shrink_wall_ms) << "\n";
  } else {
    out << "cut short: " << failure.cut_short << "\n";
  }
  if (failure.shrink_candidates_failed_differently > 0) {
    out << "shrinking: " << failure.shrink_candidates_failed_differently << " candidates failed only with another failure "
        << "class than " << describe_failure_class(failure.failure_class) << " and were not taken\n";
  }
  for (std::size_t index = 0; index < failure.shrinks.size(); ++index) {
    const ShrinkRecord& shrink = failure.shrinks[index];
    out << "shrink " << index + 1 << ": " << shrink.candidate_runs << (shrink.candidate_runs == 1 ? " run, " : " runs, ")
        << format_seconds(shrink.wall_ms) << " -> " << shrink.steps_after << " steps\n";
  }
  out << "replay: " << (replay_problem.empty() ? describe_replay(replay) : replay_problem) << " ("
      << format_seconds(replay_ms) << ")\n"
      << "reproducer: " << path << "\n"
      << "history: " << history_path << "\n";
  if (!replay_sim.empty()) out << "replay (sim):  " << replay_sim << "\n";
  out << "replay (live): " << replay_live << "\n" << conclusion.summary_time() << ", replay " << format_seconds(replay_ms) << "\n";
  const reports::FuzzFinding finding{failure.run_index, std::to_string(failure.run_seed), describe_size(failure.original),
                                     describe_size(failure.shrunk), failure.shrink_steps, failure.shrink_runs, path,
                                     history_path, replay_sim, replay_live,
                                     reports::scenario_steps_from_file(path), verdict_text};
  if (!replay_problem.empty()) {
    err << "resync fuzz: " << replay_problem << "\n";
    return 2;
  }
  return write_campaign_report(options, campaign_command_line(options, result, target), target.delivery_label, result,
                               finding, out, err)
             ? 1
             : 2;
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
  command->add_option("--shard", options->shard,
                      "K/N: run only the K-th of N disjoint shares of the --runs runs (K from 1) and write "
                      "--out/shard-K-of-N.json; `resync fuzz merge` combines the N results");
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
  command->add_option("--client-actions-max", options->profile.client_actions_max,
                      "At most this many connects, disconnects and reloads per scenario")
      ->check(CLI::Range(0, 100));
  command->add_option("--server-kills-max", options->profile.server_kills_max,
                      "At most this many kill_server steps per scenario (0 with --target URL: not ours to restart)")
      ->check(CLI::Range(0, 100));
  command->add_option("--nodes", options->profile.nodes,
                      "2..8: fuzz clusters of this many embedded nodes on one Redis (hops, node kills and rolling "
                      "restarts, Redis restarts, partitions from Redis); 1 (default): a single server")
      ->check(CLI::Range(1, 8));
  command->add_option("--cluster-faults-max", options->profile.cluster_faults_max,
                      "With --nodes: at most this many cluster faults per scenario")
      ->check(CLI::Range(0, 20));
  command->add_option("--storage-faults-max", options->profile.storage_faults_max,
                      "At most this many storage faults (lock_database, storage_read_only, storage_full) per scenario; against "
                      "a target only the kinds it can take: a lock needs --target-db, a read-only window --target-cmd, a full "
                      "disk both")
      ->check(CLI::Range(0, 10));
  command->add_option("--shrink-tries", options->shrink_tries,
                      "Live: tries per shrink candidate and for the final replay; a candidate still fails when any try "
                      "fails with the same failure class (default 3; sim runs are deterministic: 1)")
      ->check(CLI::Range(1, 20));
  auto* plain_progress = command->add_flag_callback("--progress", [options] { options->progress = "plain"; },
                                                    "Plain progress lines on stderr, even on a terminal");
  command->add_flag_callback("--no-progress", [options] { options->progress = "none"; }, "No progress line on stderr")
      ->excludes(plain_progress);
  CLI::App* merge = register_fuzz_merge_command(*command, exit_code);
  command->callback([options, command, merge, &exit_code] {
    if (merge->parsed()) return;  // `resync fuzz merge`: its own callback ran
    options->delivery_given = command->count("--delivery") > 0;
    exit_code = run_fuzz_command(*options, std::cout, std::cerr);
  });
}

}  // namespace resync::sim