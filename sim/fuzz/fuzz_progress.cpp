#include "sim/fuzz/fuzz_progress.hpp"

#include <chrono>

namespace resync::sim {

std::string progress_line(const CampaignProgress& progress, std::int64_t elapsed_ms, std::optional<std::int64_t> budget_ms) {
  std::string line = "resync fuzz: " + std::to_string(progress.runs) + (progress.runs == 1 ? " run, " : " runs, ") +
                     std::to_string(progress.failures) + (progress.failures == 1 ? " failure, " : " failures, ") +
                     format_seconds(elapsed_ms);
  if (budget_ms) line += " of " + format_seconds(*budget_ms);
  const std::string tries =
      progress.tries_max > 1 ? ", try " + std::to_string(progress.try_index) + " of " + std::to_string(progress.tries_max) : "";
  switch (progress.stage) {
    case CampaignStage::generating: line += ", generating"; break;
    case CampaignStage::shrinking:
      line += ", shrinking: step " + std::to_string(progress.shrink_step) + ", candidate " +
              std::to_string(progress.candidate) +
              (progress.candidates_at_step.empty() ? "" : " of " + progress.candidates_at_step) + tries;
      break;
    case CampaignStage::replaying: line += ", replaying the reproducer" + tries; break;
    case CampaignStage::done: line += ", done"; break;
  }
  return line;
}

FuzzProgress::FuzzProgress(std::ostream& err, ProgressStyle style, const FuzzBudget& budget)
    : err_(err), style_(style), budget_(budget) {
  if (style_ != ProgressStyle::none) thread_ = std::thread([this] { loop(); });
}

FuzzProgress::~FuzzProgress() { stop(); }

void FuzzProgress::update(const CampaignProgress& progress) {
  // The command, not the campaign, says when everything is done (a replay follows).
  if (progress.stage == CampaignStage::done) return;
  std::lock_guard lock(mutex_);
  if (progress.stage != progress_.stage || progress.shrink_step != progress_.shrink_step) stage_changed_ = true;
  progress_ = progress;
  if (stage_changed_) changed_.notify_one();
}

void FuzzProgress::replaying(int try_index, int tries_max) {
  std::lock_guard lock(mutex_);
  stage_changed_ = stage_changed_ || progress_.stage != CampaignStage::replaying;
  progress_.stage = CampaignStage::replaying;
  progress_.try_index = try_index;
  progress_.tries_max = tries_max;
  changed_.notify_one();
}

void FuzzProgress::run_ended() {
  std::lock_guard lock(mutex_);
  ++progress_.runs;
}

void FuzzProgress::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || !thread_.joinable()) return;
    stopping_ = true;
    progress_.stage = CampaignStage::done;
    changed_.notify_one();
  }
  thread_.join();
}

void FuzzProgress::loop() {
  std::unique_lock lock(mutex_);
  const auto interval = std::chrono::milliseconds(style_ == ProgressStyle::terminal ? terminal_interval_ms : plain_interval_ms);
  while (true) {
    changed_.wait_for(lock, interval, [this] { return stage_changed_ || stopping_; });
    print_locked();
    stage_changed_ = false;
    if (stopping_) break;
  }
  if (style_ == ProgressStyle::terminal) err_ << "\n" << std::flush;
}

void FuzzProgress::print_locked() {
  const std::string line = progress_line(progress_, budget_.elapsed_ms(), budget_.budget_ms());
  if (style_ == ProgressStyle::terminal) {
    // Pad over a longer previous line; the line stays one line.
    err_ << "\r" << line << std::string(last_length_ > line.size() ? last_length_ - line.size() : 0, ' ') << std::flush;
    last_length_ = line.size();
  } else {
    err_ << line << "\n" << std::flush;
  }
}

}  // namespace resync::sim
