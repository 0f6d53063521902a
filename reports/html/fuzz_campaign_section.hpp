#pragma once
// The top of a fuzz campaign's page (`resync fuzz --report DIR`): what ran, with which seed,
// how fast, and the finding: the shrunk reproducer's path, its steps and the commands that
// replay it. The finding's history follows as an ordinary scenario of the report.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace resync::reports {

struct FuzzFinding {
  std::uint64_t run_index = 0;
  std::string run_seed;        // text: 64-bit
  std::string original_size;   // e.g. "5 clients, 23 steps"
  std::string shrunk_size;
  int shrink_steps = 0;
  int shrink_runs = 0;
  std::string reproducer_path;
  std::string history_path;    // the shrunk scenario's failing history, next to the reproducer
  std::string replay_sim;
  std::string replay_live;
  std::vector<std::string> steps;  // the reproducer's timeline, one step per line
  std::string verdict_text;        // the checker's summary and anomalies
};

struct FuzzCampaignSummary {
  std::string mode;      // sim | live
  std::string delivery;  // the embedded server's delivery mode
  std::string seed;      // the campaign seed
  std::uint64_t runs = 0;
  double seconds = 0;
  std::string profile;   // the generator's bounds, for people
  std::string command;   // the command that repeats the campaign
  std::string harness_error;  // a run that could not be checked at all; "" when none
  std::optional<FuzzFinding> finding;
};

// An HTML <section id="campaign"> with every outside string escaped.
std::string fuzz_campaign_section_html(const FuzzCampaignSummary& campaign);

}  // namespace resync::reports
