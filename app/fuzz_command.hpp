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
#include <optional>
#include <ostream>
#include <string>

#include <CLI/CLI.hpp>

#include "sim/fuzz/scenario_generator.hpp"

namespace resync::sim {

struct FuzzCommandOptions {
  std::string mode = "sim";
  std::optional<std::uint64_t> runs;
  std::optional<std::string> time_budget;  // "60s", "2m", "500ms"
  std::uint64_t seed = 1;
  int jobs = 1;
  std::string out_directory = "scenarios/found";
  std::optional<std::string> report_directory;  // the campaign page goes to DIR/index.html
  std::optional<std::string> target_url;
  std::optional<std::string> target_command;
  std::optional<std::string> target_database;  // --target-db
  // The command generates storage faults (one per scenario at most) unless told otherwise;
  // the profile's own default stays 0 so generator tests keep their seeds' scenarios.
  FuzzProfile profile = [] {
    FuzzProfile with_storage_faults;
    with_storage_faults.storage_faults_max = 1;
    return with_storage_faults;
  }();
  bool delivery_given = false;  // --delivery was on the command line (embedded server only)
  // Tries per shrink candidate and for the final replay, live (sim runs are deterministic: 1).
  int shrink_tries = 3;
  // "auto": a line rewritten in place on a terminal, plain periodic lines otherwise;
  // "plain" (--progress): plain lines even on a terminal; "none" (--no-progress).
  std::string progress = "auto";
  std::string resync_executable;
};

int run_fuzz_command(const FuzzCommandOptions& options, std::ostream& out, std::ostream& err);
void register_fuzz_command(CLI::App& app, int& exit_code);

// "60s" -> 60000; "2m" -> 120000; "500ms" -> 500; "30" -> 30000. nullopt when unreadable.
std::optional<std::int64_t> parse_duration_ms(const std::string& text);

}  // namespace resync::sim
