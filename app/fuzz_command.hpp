#pragma once
// `resync fuzz [--mode sim|live] [--runs N | --time-budget 60s] [--seed S] [--jobs N]
//  [--out DIR] [--report DIR] [--delivery strict|tutorial] [--target URL | --target-cmd CMD]
//  [--target-db PATH] [--shrink-tries K] [--progress | --no-progress]`: generates scenarios,
// checks the property on each, shrinks the first failure, writes it as an ordinary scenario
// file with the commands that replay it, and replays that file to show it still fails.
// --time-budget bounds all of it (the probe of an external target included); what the
// budget cut short is printed. Exit 0: no failure; 1: a failure (reproducer written);
// 2: usage or harness error.
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>

#include <CLI/CLI.hpp>

#include "sim/fuzz/fuzz_driver.hpp"
#include "sim/fuzz/fuzz_progress.hpp"

namespace resync::sim {

// The driver's options (sim/fuzz/fuzz_driver.hpp) and what only the command has.
struct FuzzCommandOptions : FuzzDriverOptions {
  std::optional<std::string> time_budget;  // "60s", "2m", "500ms"
  std::optional<std::string> report_directory;  // the campaign page goes to DIR/index.html
  bool delivery_given = false;  // --delivery was on the command line (embedded server only)
  // "auto": a line rewritten in place on a terminal, plain periodic lines otherwise;
  // "plain" (--progress): plain lines even on a terminal; "none" (--no-progress).
  std::string progress = "auto";
  std::optional<std::string> shard;  // --shard K/N
};

int run_fuzz_command(const FuzzCommandOptions& options, std::ostream& out, std::ostream& err);
void register_fuzz_command(CLI::App& app, int& exit_code);

// What the command has once the campaign's runs are over, in one process or merged from shards.
struct CampaignConclusion {
  const FuzzCommandOptions& options;
  const CampaignOptions& campaign;
  const CampaignResult& result;
  const FuzzTarget& target;
  const FuzzBudget& budget;
  const ScenarioRunner& runner;     // replays the written reproducer
  FuzzProgress* progress = nullptr;  // stopped before the summary; none for a merge
  std::function<std::string()> summary_time;  // the "time: ..." line
  std::uint64_t shrink_runs = 0;    // counted in the summary's runs
};
// The summary; for a finding the reproducer written to --out, replayed as written, and the
// campaign page. One process and `resync fuzz merge` end here, so they write the same files.
// Returns the exit code: 0 no failure, 1 a failure, 2 a harness error.
int conclude_fuzz_campaign(const CampaignConclusion& conclusion, std::ostream& out, std::ostream& err);

// "resync fuzz: 1320 runs (927 campaign + 393 shrink) in 6.3 s (209.5 runs/s), mode sim, seed 1, delivery tutorial"
std::string campaign_summary_line(const FuzzCommandOptions& options, const CampaignResult& result, const FuzzTarget& target,
                                  std::uint64_t shrink_runs);

// `resync fuzz merge RESULT... --out DIR [--report DIR]` (app/fuzz_merge_command.cpp), a
// subcommand of `fuzz`.
CLI::App* register_fuzz_merge_command(CLI::App& fuzz, int& exit_code);

// "60s" -> 60000; "2m" -> 120000; "500ms" -> 500; "30" -> 30000. nullopt when unreadable.
std::optional<std::int64_t> parse_duration_ms(const std::string& text);

}  // namespace resync::sim
