#include "sim/fuzz/fuzz_campaign.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_set>

#include <nlohmann/json.hpp>

#include "sim/checker/check_history.hpp"
#include "sim/history/history_writer.hpp"
#include "sim/checker/check_text.hpp"
#include "sim/history/history_reader.hpp"
#include "sim/execution/scenario_execution.hpp"
#include "sim/scenario/anomaly_kind_names.hpp"
#include "sim/scenario/scenario_writer.hpp"

namespace resync::sim {

namespace {

// RapidCheck's size grows with the run index, as in rc::check: early runs are small.
constexpr int generation_size_max = 100;
// Counting a shrink step's candidates (for "candidate j of N") walks RapidCheck's lazy
// sequence once more; past this many it says "at least".
constexpr int shrink_candidates_counted_max = 5000;

int generation_size(std::uint64_t index, int size_step) {
  return static_cast<int>((index * static_cast<std::uint64_t>(std::max(1, size_step))) % (generation_size_max + 1));
}

std::int64_t milliseconds_between(FuzzClock::time_point from, FuzzClock::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

const char* verdict_word(Verdict verdict) {
  switch (verdict) {
    case Verdict::valid: return "valid";
    case Verdict::invalid: return "invalid";
    case Verdict::unknown: return "unknown";
  }
  return "unknown";
}

// Serializes progress reports from the workers and the shrinker.
class ProgressBoard {
 public:
  explicit ProgressBoard(std::function<void(const CampaignProgress&)> report) : report_(std::move(report)) {}
  template <typename Change>
  void update(Change change) {
    std::lock_guard lock(mutex_);
    change(progress_);
    if (report_) report_(progress_);
  }

 private:
  std::mutex mutex_;
  CampaignProgress progress_;
  std::function<void(const CampaignProgress&)> report_;
};

struct GenerationFailure {
  Judgement judgement;
  std::string history;  // text: made only for a failing run
  std::int64_t run_ms = 0;
};

// Greedy shrinking, as RapidCheck does it: take the first candidate that still fails (with
// the same failure class, in any of `tries` tries), then shrink that, until no candidate
// fails, the run limit is reached, or the budget cannot fit another candidate run while
// keeping the current reproducer's run time for its replay.
void shrink_failure(const CampaignOptions& options, const ScenarioRunner& runner, const FuzzBudget& budget,
                    ProgressBoard& board, rc::Shrinkable<Scenario> current, CampaignFailure& failure) {
  const int tries = std::max(1, options.shrink_tries);
  const auto lower_bound = [&](const Scenario& scenario) {
    return options.run_lower_bound_ms ? options.run_lower_bound_ms(scenario) : 0;
  };
  const auto shrinking_started = budget.now();
  // The replay that follows gets up to `tries` runs of the reproducer's length.
  const auto replay_reserve_ms = [&] { return failure.reproducer_run_ms * tries; };
  std::unordered_set<std::string> tried = {scenario_to_json(current.value()).dump()};
  std::string stopped;  // why shrinking ended early; "" while it goes on
  bool shrunk_further = true;
  while (shrunk_further && stopped.empty()) {
    shrunk_further = false;
    auto candidates = current.shrinks();
    int level_size = 0;
    for (auto counting = candidates; level_size < shrink_candidates_counted_max && counting.next();) ++level_size;
    const std::string level_size_text =
        (level_size >= shrink_candidates_counted_max ? "at least " : "") + std::to_string(level_size);
    // Removals first (live): RapidCheck lists a step's candidates in the order the generator
    // drew its values, client settings before the timeline, so removing steps comes after
    // hundreds of value shrinks; at seconds per run, and k runs for each candidate that does
    // not fail, removals are what a budget can afford. Order: two halvings (one run each
    // when the failure survives them), then dropping a single step (each failing candidate
    // is progress), then bigger removals, then everything else in RapidCheck's order.
    std::vector<std::pair<rc::Shrinkable<Scenario>, Scenario>> ordered;
    if (options.shrink_removals_first) {
      for (auto listing = candidates; static_cast<int>(ordered.size()) < shrink_candidates_counted_max;) {
        auto candidate = listing.next();
        if (!candidate) break;
        Scenario value = candidate->value();
        ordered.emplace_back(std::move(*candidate), std::move(value));
      }
      const std::size_t steps = current.value().timeline.size();
      std::vector<std::pair<int, std::size_t>> rank;  // (tier, steps removed within the tier), per candidate
      int halvings = 0;
      for (const auto& [shrinkable, value] : ordered) {
        const std::size_t left = value.timeline.size();
        if (left >= steps) {
          rank.emplace_back(3, 0);
        } else if (halvings < 2 && steps >= 4 && left * 2 >= steps - 1 && left * 2 <= steps + 2) {
          ++halvings;
          rank.emplace_back(0, 0);
        } else if (left + 1 == steps) {
          rank.emplace_back(1, 0);
        } else {
          rank.emplace_back(2, steps - left);
        }
      }
      std::vector<std::size_t> order(ordered.size());
      for (std::size_t index = 0; index < order.size(); ++index) order[index] = index;
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return rank[a] < rank[b]; });
      std::vector<std::pair<rc::Shrinkable<Scenario>, Scenario>> sorted;
      sorted.reserve(ordered.size());
      for (std::size_t index : order) sorted.push_back(std::move(ordered[index]));
      ordered = std::move(sorted);
    }
    std::size_t ordered_next = 0;
    const auto next_candidate = [&]() -> std::optional<std::pair<rc::Shrinkable<Scenario>, Scenario>> {
      if (options.shrink_removals_first) {
        if (ordered_next >= ordered.size()) return std::nullopt;
        return std::move(ordered[ordered_next++]);
      }
      auto candidate = candidates.next();
      if (!candidate) return std::nullopt;
      Scenario value = candidate->value();
      return std::make_pair(std::move(*candidate), std::move(value));
    };
    const auto step_started = budget.now();
    const int runs_before_step = failure.shrink_runs;
    int candidate_number = 0;
    while (auto next = next_candidate()) {
      ++candidate_number;
      auto* candidate = &next->first;
      const Scenario& value = next->second;
      // Different shrinks can give the same scenario (a value shrunk into a step that a
      // later removal drops anyway); a live run of it again would only spend the budget.
      if (!tried.insert(scenario_to_json(value).dump()).second) continue;
      ++failure.shrink_candidates;
      bool taken = false;
      bool failed_differently = false;
      for (int try_index = 1; try_index <= tries && !taken && stopped.empty(); ++try_index) {
        const std::string where = "candidate " + std::to_string(candidate_number) + " of " + level_size_text +
                                  " at shrink step " + std::to_string(failure.shrink_steps + 1) +
                                  (tries > 1 ? ", try " + std::to_string(try_index) + " of " + std::to_string(tries) : "");
        if (failure.shrink_runs >= options.shrink_runs_max) {
          stopped = "the shrink run limit (" + std::to_string(options.shrink_runs_max) + ") was reached before " + where;
          break;
        }
        if (!budget.fits(lower_bound(value), replay_reserve_ms())) {
          stopped = "the time budget could not fit " + where + " (at least " + format_seconds(lower_bound(value)) +
                    ", with " + format_seconds(replay_reserve_ms()) + " kept to replay the reproducer; " +
                    format_seconds(budget.remaining_ms().value_or(0)) + " left)";
          break;
        }
        board.update([&](CampaignProgress& progress) {
          progress.stage = CampaignStage::shrinking;
          progress.shrink_step = failure.shrink_steps + 1;
          progress.candidate = candidate_number;
          progress.candidates_at_step = level_size_text;
          progress.try_index = try_index;
          progress.tries_max = tries;
        });
        ++failure.shrink_runs;
        const auto run_started = budget.now();
        RunOutcome outcome = runner(value, failure.run_seed, RunLimits{budget.abandon_point(replay_reserve_ms())});
        const std::int64_t run_ms = milliseconds_between(run_started, budget.now());
        board.update([](CampaignProgress& progress) { ++progress.runs; });
        if (outcome.abandoned) {
          stopped = where + " was abandoned at the deadline (time kept to replay the reproducer)";
          break;
        }
        const std::optional<Judgement> judgement = judge_history(outcome.history);
        if (judgement && same_failure_class(failure.failure_class, judgement->failure_class)) {
          current = std::move(*candidate);
          failure.verdict_text = judgement->text;
          failure.shrunk_history = outcome.history_text();
          failure.reproducer_run_ms = run_ms;
          taken = true;
        } else if (judgement) {
          failed_differently = true;
        }
      }
      if (taken) {
        ++failure.shrink_steps;
        failure.shrinks.push_back({failure.shrink_runs - runs_before_step, milliseconds_between(step_started, budget.now()),
                                   current.value().timeline.size()});
        shrunk_further = true;
        break;
      }
      if (failed_differently) ++failure.shrink_candidates_failed_differently;
      if (!stopped.empty()) break;
    }
  }
  failure.shrunk = current.value();
  failure.shrink_wall_ms = milliseconds_between(shrinking_started, budget.now());
  failure.shrink_complete = stopped.empty();
  if (!stopped.empty()) {
    failure.cut_short = "shrinking stopped after " + std::to_string(failure.shrink_runs) + " candidate runs (" +
                        std::to_string(failure.shrink_steps) + " shrinks taken): " + stopped + "; the reproducer has " +
                        std::to_string(failure.shrunk.timeline.size()) + " steps, not minimal";
  }
}

}  // namespace

RunOutcome RunOutcome::from_text(std::string text, bool abandoned) {
  RunOutcome outcome;
  if (!abandoned) outcome.history = history::parse_history_text(text, "<fuzz run>");
  outcome.text = std::move(text);
  outcome.abandoned = abandoned;
  return outcome;
}

std::string RunOutcome::history_text() const {
  if (!text.empty() || !history.ok()) return text;
  return history::history_text(*history.history);
}

ScenarioRunner finishing_runner(std::function<std::string(const Scenario&, std::uint64_t)> run) {
  return [run = std::move(run)](const Scenario& scenario, std::uint64_t seed, const RunLimits&) {
    return RunOutcome::from_text(run(scenario, seed), false);
  };
}

ScenarioRunner finishing_history_runner(std::function<history::History(const Scenario&, std::uint64_t)> run) {
  return [run = std::move(run)](const Scenario& scenario, std::uint64_t seed, const RunLimits&) {
    RunOutcome outcome;
    outcome.history.history = run(scenario, seed);
    return outcome;
  };
}

bool same_failure_class(const FailureClass& found, const FailureClass& candidate) {
  if (found.verdict != candidate.verdict) return false;
  if (found.kinds.empty() || candidate.kinds.empty()) return found.kinds.empty() && candidate.kinds.empty();
  for (const std::string& kind : candidate.kinds) {
    if (found.kinds.count(kind)) return true;
  }
  return false;
}

std::string describe_failure_class(const FailureClass& failure_class) {
  std::string text = verdict_word(failure_class.verdict);
  std::string kinds;
  for (const std::string& kind : failure_class.kinds) kinds += (kinds.empty() ? "" : ", ") + kind;
  return kinds.empty() ? text : text + " (" + kinds + ")";
}

std::size_t campaign_finding_position(const std::vector<std::uint64_t>& failing_run_indexes) {
  return static_cast<std::size_t>(std::min_element(failing_run_indexes.begin(), failing_run_indexes.end()) -
                                  failing_run_indexes.begin());
}

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

std::optional<Judgement> judge_history(const std::string& history_text) {
  return judge_history(history::parse_history_text(history_text, "<fuzz run>"));
}

std::optional<Judgement> judge_history(const history::HistoryReadResult& read) {
  if (!read.ok()) return Judgement{"the history could not be read:\n" + read.error_text(), {Verdict::unknown, {}}};
  const checker::CheckResult result = checker::check_history(*read.history);
  if (result.verdict == Verdict::valid) return std::nullopt;
  Judgement judgement{checker::summary_line(result) + "\n" + checker::failure_text(result), {result.verdict, {}}};
  for (const auto& anomaly : result.anomalies) {
    const std::string kind(checker::anomaly_kind_name(anomaly.kind));
    // A send a fault could have eaten does not make a run fail, so it names no failure.
    if (kind != informational_anomaly_kind) judgement.failure_class.kinds.insert(kind);
  }
  return judgement;
}

std::optional<std::string> property_violation(const std::string& history_text) {
  if (auto judgement = judge_history(history_text)) return judgement->text;
  return std::nullopt;
}

CampaignResult run_campaign(const CampaignOptions& options, const ScenarioRunner& runner) {
  const FuzzBudget budget = options.budget ? *options.budget : FuzzBudget(options.time_budget_ms);
  const auto started = budget.now();
  const auto lower_bound = [&](const Scenario& scenario) {
    return options.run_lower_bound_ms ? options.run_lower_bound_ms(scenario) : 0;
  };
  ProgressBoard board(options.on_progress);

  // Workers take run indices in order; the smallest failing index wins, so the failure a
  // campaign reports does not depend on thread timing.
  std::atomic<std::uint64_t> next_index{0};
  std::atomic<std::uint64_t> first_failure_index{std::numeric_limits<std::uint64_t>::max()};
  std::atomic<std::uint64_t> completed{0};
  std::atomic<std::uint64_t> abandoned{0};
  std::atomic<std::int64_t> longest_run_ms{0};
  std::mutex failures_mutex;
  std::mutex generation_mutex;
  std::map<std::uint64_t, GenerationFailure> failures;
  std::string generation_cut_short;  // the first reason a worker stopped early (under failures_mutex)
  const auto note_cut = [&](const std::string& why) {
    std::lock_guard lock(failures_mutex);
    if (generation_cut_short.empty()) generation_cut_short = why;
  };

  const auto worker = [&] {
    while (true) {
      const std::uint64_t position = next_index.fetch_add(1);
      const std::uint64_t index = options.shard ? shard_run_index(*options.shard, position) : position;
      if (options.runs && index >= *options.runs) return;
      if (index >= first_failure_index.load()) return;
      if (budget.ended()) return note_cut("the time budget ended");
      const std::uint64_t seed = campaign_run_seed(options.seed, index);
      Scenario scenario;
      {
        // RapidCheck's generation context is process-wide, not per thread: generate one at
        // a time, then run the (much slower) simulations in parallel.
        std::lock_guard lock(generation_mutex);
        scenario = generate_scenario(options.profile, seed, generation_size(index, options.size_step)).value();
      }
      // Keep the longest run seen so far after this one: a failure it finds can then be
      // replayed at least once.
      if (!budget.fits(lower_bound(scenario), longest_run_ms.load())) {
        return note_cut("generation stopped at " + format_seconds(budget.elapsed_ms()) + ": run " + std::to_string(index) +
                        " needs at least " + format_seconds(lower_bound(scenario)) + " (+ " +
                        format_seconds(longest_run_ms.load()) + " kept to replay a finding) and " +
                        format_seconds(budget.remaining_ms().value_or(0)) + " were left");
      }
      board.update([](CampaignProgress& progress) { progress.stage = CampaignStage::generating; });
      const auto run_started = budget.now();
      RunOutcome outcome = runner(scenario, seed, RunLimits{budget.abandon_point()});
      const std::int64_t run_ms = milliseconds_between(run_started, budget.now());
      if (outcome.abandoned) {
        abandoned.fetch_add(1);
        return note_cut("run " + std::to_string(index) + " was abandoned at the deadline after " + format_seconds(run_ms));
      }
      std::int64_t longest = longest_run_ms.load();
      while (run_ms > longest && !longest_run_ms.compare_exchange_weak(longest, run_ms)) {
      }
      std::optional<Judgement> judgement = judge_history(outcome.history);
      if (judgement) {
        std::lock_guard lock(failures_mutex);
        failures[index] = GenerationFailure{std::move(*judgement), outcome.history_text(), run_ms};
        std::uint64_t current = first_failure_index.load();
        while (index < current && !first_failure_index.compare_exchange_weak(current, index)) {
        }
      }
      completed.fetch_add(1);
      board.update([&](CampaignProgress& progress) {
        ++progress.runs;
        if (judgement) ++progress.failures;
      });
    }
  };

  std::vector<std::thread> threads;
  for (int job = 1; job < std::max(1, options.jobs); ++job) threads.emplace_back(worker);
  worker();
  for (auto& thread : threads) thread.join();

  CampaignResult result;
  result.generation_seconds = static_cast<double>(milliseconds_between(started, budget.now())) / 1000.0;
  result.runs = completed.load();
  result.runs_abandoned = abandoned.load();
  result.longest_run_ms = longest_run_ms.load();
  result.generation_cut_short = generation_cut_short;
  result.failures = failures.size();
  if (!failures.empty()) {
    std::vector<std::uint64_t> failing_run_indexes;
    for (const auto& entry : failures) failing_run_indexes.push_back(entry.first);
    const std::uint64_t index = failing_run_indexes[campaign_finding_position(failing_run_indexes)];
    GenerationFailure& found = failures.at(index);
    CampaignFailure failure;
    failure.run_index = index;
    failure.run_seed = campaign_run_seed(options.seed, index);
    rc::Shrinkable<Scenario> current = generate_scenario(options.profile, failure.run_seed, generation_size(index, options.size_step));
    failure.original = current.value();
    failure.verdict_text = found.judgement.text;
    failure.failure_class = found.judgement.failure_class;
    failure.shrunk_history = std::move(found.history);
    failure.reproducer_run_ms = found.run_ms;
    shrink_failure(options, runner, budget, board, std::move(current), failure);
    result.failure = std::move(failure);
  }
  result.seconds = static_cast<double>(milliseconds_between(started, budget.now())) / 1000.0;
  return result;
}

ReplayResult replay_reproducer(const Scenario& reproducer, std::uint64_t seed, const FailureClass& failure_class,
                               int tries, const FuzzBudget& budget,
                               const std::function<std::int64_t(const Scenario&)>& run_lower_bound_ms,
                               const ScenarioRunner& runner, const std::function<void(int try_index)>& on_try) {
  ReplayResult result;
  result.tries_max = std::max(1, tries);
  const std::int64_t lower_bound = run_lower_bound_ms ? run_lower_bound_ms(reproducer) : 0;
  for (int try_index = 1; try_index <= result.tries_max; ++try_index) {
    if (!budget.fits(lower_bound)) {
      result.not_started = result.tries == 0;
      break;
    }
    if (on_try) on_try(try_index);
    RunOutcome outcome = runner(reproducer, seed, RunLimits{budget.abandon_point()});
    if (outcome.abandoned) {
      result.abandoned = true;
      break;
    }
    ++result.tries;
    result.history = outcome.history_text();
    const std::optional<Judgement> judgement = judge_history(outcome.history);
    if (judgement && same_failure_class(failure_class, judgement->failure_class)) {
      result.failed_on_try = try_index;
      break;
    }
    if (judgement) ++result.failed_differently;
  }
  return result;
}

}  // namespace resync::sim
