#include "sim/fuzz/fuzz_campaign.hpp"

#include <atomic>
#include <chrono>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "sim/checker/check_history.hpp"
#include "sim/checker/check_text.hpp"
#include "sim/history/history_reader.hpp"
#include "sim/runner/scenario_execution.hpp"

namespace resync::sim {

namespace {

// RapidCheck's size grows with the run index, as in rc::check: early runs are small.
constexpr int generation_size_max = 100;

int generation_size(std::uint64_t index) { return static_cast<int>(index % (generation_size_max + 1)); }

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

std::uint64_t campaign_run_seed(std::uint64_t campaign_seed, std::uint64_t index) {
  return derive_seed(campaign_seed, 1'000'000 + index);
}

std::string record_reproducer_in_history(const std::string& history_text, const Scenario& reproducer,
                                         const std::string& replay_sim, const std::string& replay_live) {
  const std::size_t first_line_end = history_text.find('\n');
  const std::string first_line = history_text.substr(0, first_line_end);
  nlohmann::json run_started = nlohmann::json::parse(first_line, nullptr, /*allow_exceptions=*/false);
  if (!run_started.is_object() || run_started.value("type", "") != "run_started") return history_text;
  run_started["scenario"] = reproducer.name;
  run_started["description"] = reproducer.description;
  run_started["file"] = reproducer.file;
  run_started["replay"] = {{"live", replay_live}, {"sim", replay_sim}};
  const std::string rest = first_line_end == std::string::npos ? "\n" : history_text.substr(first_line_end);
  return run_started.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + rest;
}

std::optional<std::string> property_violation(const std::string& history_text) {
  const auto read = history::parse_history_text(history_text, "<fuzz run>");
  if (!read.ok()) return "the history could not be read:\n" + read.error_text();
  const checker::CheckResult result = checker::check_history(*read.history);
  if (result.verdict == Verdict::valid) return std::nullopt;
  return checker::summary_line(result) + "\n" + checker::failure_text(result);
}

CampaignResult run_campaign(const CampaignOptions& options, const ScenarioRunner& runner) {
  const auto started = std::chrono::steady_clock::now();
  const auto out_of_budget = [&] {
    return options.time_budget_ms && seconds_since(started) * 1000 >= static_cast<double>(*options.time_budget_ms);
  };

  // Workers take run indices in order; the smallest failing index wins, so the failure a
  // campaign reports does not depend on thread timing.
  std::atomic<std::uint64_t> next_index{0};
  std::atomic<std::uint64_t> first_failure_index{std::numeric_limits<std::uint64_t>::max()};
  std::atomic<std::uint64_t> completed{0};
  std::mutex failures_mutex;
  std::mutex generation_mutex;
  std::map<std::uint64_t, std::string> failures;  // index -> violation text

  const auto worker = [&] {
    while (true) {
      const std::uint64_t index = next_index.fetch_add(1);
      if (options.runs && index >= *options.runs) return;
      if (index >= first_failure_index.load() || out_of_budget()) return;
      const std::uint64_t seed = campaign_run_seed(options.seed, index);
      Scenario scenario;
      {
        // RapidCheck's generation context is process-wide, not per thread: generate one at
        // a time, then run the (much slower) simulations in parallel.
        std::lock_guard lock(generation_mutex);
        scenario = generate_scenario(options.profile, seed, generation_size(index)).value();
      }
      const std::string history = runner(scenario, seed);
      if (auto violation = property_violation(history)) {
        std::lock_guard lock(failures_mutex);
        failures[index] = *violation;
        std::uint64_t current = first_failure_index.load();
        while (index < current && !first_failure_index.compare_exchange_weak(current, index)) {
        }
      }
      completed.fetch_add(1);
    }
  };
  const auto report_progress = [&] {
    if (!options.on_progress) return;
    const double elapsed = std::max(seconds_since(started), 1e-9);
    options.on_progress(completed.load(), static_cast<double>(completed.load()) / elapsed, failures.size());
  };

  std::vector<std::thread> threads;
  for (int job = 1; job < std::max(1, options.jobs); ++job) threads.emplace_back(worker);
  std::thread progress;
  std::atomic<bool> done{false};
  if (options.on_progress) {
    progress = std::thread([&] {
      while (!done.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
        std::lock_guard lock(failures_mutex);
        report_progress();
      }
    });
  }
  worker();
  for (auto& thread : threads) thread.join();
  done.store(true);
  if (progress.joinable()) progress.join();
  {
    std::lock_guard lock(failures_mutex);
    report_progress();
  }

  CampaignResult result;
  result.runs = completed.load();
  if (!failures.empty()) {
    const auto& [index, violation] = *failures.begin();
    CampaignFailure failure;
    failure.run_index = index;
    failure.run_seed = campaign_run_seed(options.seed, index);
    rc::Shrinkable<Scenario> current = generate_scenario(options.profile, failure.run_seed, generation_size(index));
    failure.original = current.value();
    failure.verdict_text = violation;
    failure.shrunk_history = runner(failure.original, failure.run_seed);
    // Greedy shrinking, as RapidCheck does it: take the first shrink that still fails, then
    // shrink that, until no shrink fails or the budget of runs is spent.
    bool shrunk_further = true;
    while (shrunk_further && failure.shrink_runs < options.shrink_runs_max) {
      shrunk_further = false;
      auto candidates = current.shrinks();
      while (auto candidate = candidates.next()) {
        if (++failure.shrink_runs > options.shrink_runs_max) break;
        const std::string history = runner(candidate->value(), failure.run_seed);
        if (auto candidate_violation = property_violation(history)) {
          current = std::move(*candidate);
          failure.verdict_text = *candidate_violation;
          failure.shrunk_history = history;
          ++failure.shrink_steps;
          shrunk_further = true;
          break;
        }
      }
    }
    failure.shrunk = current.value();
    result.failure = std::move(failure);
  }
  result.seconds = seconds_since(started);
  return result;
}

}  // namespace resync::sim
