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

#include "sim/fuzz/fuzz_driver.hpp"

namespace resync::sim {

// The driver's options (sim/fuzz/fuzz_driver.hpp) and what only the command has.
struct FuzzCommandOptions : FuzzDriverOptions {
  std::optional<std::string> time_budget;  // "60s", "2m", "500ms"
  std::optional<std::string> report_directory;  // the campaign page goes to DIR/index.html
  bool delivery_given = false;  // --delivery was on the command line (embedded server only)
  // "auto": a line rewritten in place on a terminal, plain periodic lines otherwise;
  // "plain" (--progress): plain lines even on a terminal; "none" (--no-progress).
  std::string progress = "auto";
};

int run_fuzz_command(const FuzzCommandOptions& options, std::ostream& out, std::ostream& err);
void register_fuzz_command(CLI::App& app, int& exit_code);

// "60s" -> 60000; "2m" -> 120000; "500ms" -> 500; "30" -> 30000. nullopt when unreadable.
std::optional<std::int64_t> parse_duration_ms(const std::string& text);

}  // namespace resync::sim
