#pragma once
// The progress line of `resync fuzz` on stderr: runs, failures, elapsed time against the
// budget, and the stage (generating; shrinking step i, candidate j of N, try t of k;
// replaying try t of k). On a terminal one line is rewritten in place; otherwise (a CI log,
// or `--progress`) a plain line is printed when the stage changes and periodically.
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>

#include "sim/fuzz/fuzz_budget.hpp"
#include "sim/fuzz/fuzz_campaign.hpp"

namespace resync::sim {

enum class ProgressStyle { none, terminal, plain };

// Pure: the line for a snapshot, e.g.
// "resync fuzz: 14 runs, 1 failure, 31.2 s of 40.0 s, shrinking: step 3, candidate 2 of 14, try 1 of 3".
std::string progress_line(const CampaignProgress& progress, std::int64_t elapsed_ms, std::optional<std::int64_t> budget_ms);

class FuzzProgress {
 public:
  FuzzProgress(std::ostream& err, ProgressStyle style, const FuzzBudget& budget);
  ~FuzzProgress();
  FuzzProgress(const FuzzProgress&) = delete;
  FuzzProgress& operator=(const FuzzProgress&) = delete;

  void update(const CampaignProgress& progress);  // thread-safe
  void replaying(int try_index, int tries_max);   // the command's replay of the reproducer
  void run_ended();                               // a replay try ended: one more run
  // Prints the last line (a terminal's line ends) and stops the thread.
  void stop();

 private:
  void loop();
  void print_locked();

  // Rewrites the terminal line this often; a plain line repeats this often without a stage change.
  static constexpr std::int64_t terminal_interval_ms = 250;
  static constexpr std::int64_t plain_interval_ms = 5000;

  std::ostream& err_;
  ProgressStyle style_;
  const FuzzBudget& budget_;
  std::mutex mutex_;
  std::condition_variable changed_;
  CampaignProgress progress_;
  bool stage_changed_ = false;
  bool stopping_ = false;
  std::size_t last_length_ = 0;
  std::thread thread_;
};

}  // namespace resync::sim
