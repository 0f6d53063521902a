// The budget of `resync fuzz` and the shrinking rules, with a fake clock and a fake runner:
// each fake run "takes" a stated time on the fake clock and returns a real history (made by
// the simulator once) whose verdict the fake decides, so the tests wait for nothing.
#include <gtest/gtest.h>

#include <map>

#include "sim/fuzz/fuzz_budget.hpp"
#include "sim/fuzz/fuzz_campaign.hpp"
#include "sim/fuzz/fuzz_progress.hpp"
#include "sim/scenario/scenario_writer.hpp"
#include "sim/simulator/simulator.hpp"

namespace resync::sim {
namespace {

Scenario sending_scenario(int count, const std::string& planted_bug) {
  Scenario scenario;
  scenario.name = "fake";
  scenario.server.planted_bug = planted_bug;
  ClientSpec client;
  client.name = "c1";
  scenario.clients.push_back(client);
  SendStep send;
  send.clients = {"c1"};
  send.count = count;
  send.interval_ms = 10;
  scenario.timeline.push_back({100, send, "$.timeline[0]"});
  scenario.timeline.push_back({1500, WaitStep{}, "$.timeline[1]"});
  return scenario;
}

std::string simulate(const Scenario& scenario) {
  SimulationOptions options;
  options.seed = 1;
  return simulate_scenario(scenario, options);
}

// Three histories with known verdicts: valid; invalid (lost: the planted bug drops the 10th
// plain message); invalid (duplicated: one received line twice).
struct Histories {
  std::string valid = simulate(sending_scenario(3, ""));
  std::string lost = simulate(sending_scenario(12, "drop-every-10th-plain"));
  std::string duplicated = [this] {
    const std::size_t received = valid.rfind("\"type\":\"received\"");
    const std::size_t line_start = valid.rfind('\n', received) + 1;
    const std::size_t line_end = valid.find('\n', received) + 1;
    return valid.substr(0, line_end) + valid.substr(line_start, line_end - line_start) + valid.substr(line_end);
  }();
};

const Histories& histories() {
  static const Histories made;
  return made;
}

TEST(FuzzBudgetHistories, TheFakeRunsHistoriesHaveTheirVerdicts) {
  EXPECT_FALSE(judge_history(histories().valid));
  const auto lost = judge_history(histories().lost);
  ASSERT_TRUE(lost);
  EXPECT_EQ(describe_failure_class(lost->failure_class), "invalid (lost)");
  const auto duplicated = judge_history(histories().duplicated);
  ASSERT_TRUE(duplicated);
  EXPECT_EQ(describe_failure_class(duplicated->failure_class), "invalid (duplicated)");
}

// A clock the fake runner moves.
struct FakeClock {
  FuzzClock::time_point now{};
  FuzzNow function() {
    return [this] { return now; };
  }
  std::int64_t since(FuzzClock::time_point start) const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(now - start).count();
  }
};

// What a fake run returns: its history and how long it takes.
struct FakeRun {
  const std::string* history;
  std::int64_t duration_ms;
};

// A runner that advances the clock by the run's duration, or to the abandon point when that
// comes first (then the run is abandoned, as the live environment does).
ScenarioRunner fake_runner(FakeClock& clock, std::function<FakeRun(const Scenario&)> decide, int* runs = nullptr) {
  return [&clock, decide = std::move(decide), runs](const Scenario& scenario, std::uint64_t, const RunLimits& limits) {
    if (runs) ++*runs;
    const FakeRun run = decide(scenario);
    const auto end = clock.now + std::chrono::milliseconds(run.duration_ms);
    if (limits.abandon_at && *limits.abandon_at < end) {
      clock.now = std::max(clock.now, *limits.abandon_at);
      return RunOutcome::from_text("", true);
    }
    clock.now = end;
    return RunOutcome::from_text(*run.history, false);
  };
}

CampaignOptions options_with_budget(FakeClock& clock, std::int64_t budget_ms, int tries) {
  CampaignOptions options;
  options.seed = 3;
  options.budget = FuzzBudget(clock.now, budget_ms, clock.function());
  options.shrink_tries = tries;
  options.run_lower_bound_ms = [](const Scenario&) -> std::int64_t { return 500; };
  return options;
}

TEST(FuzzBudget, FitsLeavesRoomForTheRunAndTheReserve) {
  FakeClock clock;
  const FuzzBudget budget(clock.now, 10000, clock.function());
  EXPECT_TRUE(budget.fits(6000, 3000));
  EXPECT_FALSE(budget.fits(6000, 4000)) << "exactly at the deadline does not fit";
  clock.now += std::chrono::milliseconds(9000);
  EXPECT_EQ(budget.remaining_ms(), 1000);
  EXPECT_FALSE(budget.fits(1000));
  EXPECT_TRUE(budget.fits(999));
  EXPECT_EQ(*budget.abandon_point(2500), *budget.deadline() - std::chrono::milliseconds(2500));
  clock.now += std::chrono::milliseconds(2000);
  EXPECT_TRUE(budget.ended());
  EXPECT_EQ(budget.remaining_ms(), 0);
  EXPECT_TRUE(FuzzBudget(std::nullopt, clock.function()).fits(1'000'000'000)) << "no budget, no deadline";
}

TEST(FuzzBudget, ALiveRunLastsAtLeastItsTimelineHealAndQuietPeriod) {
  Scenario scenario = sending_scenario(5, "");  // sends at 100..140 ms, a wait at 1500 ms
  EXPECT_EQ(live_run_lower_bound_ms(scenario), 1500 + 50 + scenario.quiet_ms);
  KillServerStep kill;
  kill.restart_after_ms = 2000;
  scenario.timeline.push_back({1000, kill, ""});
  EXPECT_EQ(live_run_lower_bound_ms(scenario), 3000 + 50 + scenario.quiet_ms) << "the restart comes after the kill";
}

TEST(FuzzBudget, GenerationStartsNoRunThatCannotEndBeforeTheDeadline) {
  FakeClock clock;
  const auto start = clock.now;
  CampaignOptions options = options_with_budget(clock, 10000, 3);
  const CampaignResult result =
      run_campaign(options, fake_runner(clock, [](const Scenario&) { return FakeRun{&histories().valid, 1500}; }));
  EXPECT_FALSE(result.failure);
  EXPECT_LE(clock.since(start), 10000);
  // 1.5 s per run, each needing its 0.5 s lower bound plus the longest run (1.5 s) kept
  // after it: runs start at 0, 1.5, ..., 7.5 s; the one at 9.0 s would need until 11.0 s.
  EXPECT_EQ(result.runs, 6u);
  EXPECT_EQ(result.runs_abandoned, 0u);
  EXPECT_NE(result.generation_cut_short.find("generation stopped at 9.0 s"), std::string::npos) << result.generation_cut_short;
}

TEST(FuzzBudget, ARunStillGoingAtTheDeadlineIsAbandonedNotJudged) {
  FakeClock clock;
  const auto start = clock.now;
  CampaignOptions options = options_with_budget(clock, 10000, 1);
  options.run_lower_bound_ms = [](const Scenario&) -> std::int64_t { return 0; };
  // Two runs of 1 s, then one of 20 s that claims nothing about it: it starts at 2 s and
  // meets the deadline.
  int index = 0;
  const CampaignResult result = run_campaign(options, fake_runner(clock, [&](const Scenario&) {
    return FakeRun{&histories().valid, ++index <= 2 ? 1000 : 20000};
  }));
  EXPECT_FALSE(result.failure);
  EXPECT_EQ(result.runs, 2u);
  EXPECT_EQ(result.runs_abandoned, 1u);
  EXPECT_EQ(clock.since(start), 10000) << "abandoned at the deadline, not after";
  EXPECT_NE(result.generation_cut_short.find("run 2 was abandoned at the deadline"), std::string::npos)
      << result.generation_cut_short;
}

TEST(FuzzBudget, AShrinkCandidateStillGoingIsAbandonedInTimeForTheReplay) {
  FakeClock clock;
  const auto start = clock.now;
  CampaignOptions options = options_with_budget(clock, 20000, 1);
  options.run_lower_bound_ms = [](const Scenario&) -> std::int64_t { return 0; };
  // Generation runs take 1 s; once a failure is found (4 steps or more), candidates take 5 s.
  bool found = false;
  const CampaignResult result = run_campaign(options, fake_runner(clock, [&](const Scenario& scenario) {
    const bool fails = scenario.timeline.size() >= 4;
    const FakeRun run{fails ? &histories().lost : &histories().valid, found ? 5000 : 1000};
    found = found || fails;
    return run;
  }));
  ASSERT_TRUE(result.failure);
  EXPECT_FALSE(result.failure->shrink_complete);
  EXPECT_NE(result.failure->cut_short.find("was abandoned at the deadline"), std::string::npos) << result.failure->cut_short;
  EXPECT_NE(result.failure->cut_short.find("not minimal"), std::string::npos);
  // The candidate was stopped when only the replay's reserve (one 1 s run) was left.
  EXPECT_EQ(clock.since(start), 20000 - result.failure->reproducer_run_ms);
}

TEST(FuzzBudget, ShrinkingStopsInTimeForTheReplayAndSaysWhatWasCut) {
  FakeClock clock;
  const auto start = clock.now;
  CampaignOptions options = options_with_budget(clock, 20000, 2);
  // Any scenario with at least 4 steps fails; a run takes 1 s.
  const ScenarioRunner runner = fake_runner(clock, [](const Scenario& scenario) {
    return FakeRun{scenario.timeline.size() >= 4 ? &histories().lost : &histories().valid, 1000};
  });
  const CampaignResult result = run_campaign(options, runner);
  ASSERT_TRUE(result.failure);
  const CampaignFailure& failure = *result.failure;
  EXPECT_GE(failure.shrunk.timeline.size(), 4u);
  EXPECT_FALSE(failure.shrink_complete);
  EXPECT_NE(failure.cut_short.find("the time budget could not fit candidate"), std::string::npos) << failure.cut_short;
  EXPECT_NE(failure.cut_short.find("the reproducer has " + std::to_string(failure.shrunk.timeline.size()) + " steps"),
            std::string::npos);
  // Shrinking left the replay its two tries of the reproducer's 1 s.
  EXPECT_GE(20000 - clock.since(start), 2 * failure.reproducer_run_ms);
  const FuzzBudget& budget = *options.budget;
  const ReplayResult replay =
      replay_reproducer(failure.shrunk, failure.run_seed, failure.failure_class, 2, budget, options.run_lower_bound_ms, runner);
  EXPECT_EQ(replay.failed_on_try, 1);
  EXPECT_LE(clock.since(start), 20000);
}

TEST(FuzzBudget, ShrinkingWithoutABudgetEndsAtAMinimalScenario) {
  FakeClock clock;
  CampaignOptions options;
  options.seed = 3;
  const CampaignResult result = run_campaign(options, fake_runner(clock, [](const Scenario& scenario) {
    return FakeRun{scenario.timeline.size() >= 4 ? &histories().lost : &histories().valid, 1000};
  }));
  ASSERT_TRUE(result.failure);
  EXPECT_TRUE(result.failure->shrink_complete) << result.failure->cut_short;
  EXPECT_EQ(result.failure->shrunk.timeline.size(), 4u);
  EXPECT_EQ(result.failure->shrinks.size(), static_cast<std::size_t>(result.failure->shrink_steps));
}

// Candidates (anything but the original failing scenario) fail only on their third try.
CampaignResult shrink_with_late_failures(int tries, int& runs) {
  static FakeClock clock;
  CampaignOptions options;
  options.seed = 3;
  options.shrink_tries = tries;
  std::map<std::string, int> tries_seen;
  std::optional<std::string> original;
  return run_campaign(options, fake_runner(
                                   clock,
                                   [&](const Scenario& scenario) {
                                     if (scenario.timeline.size() < 4) return FakeRun{&histories().valid, 1000};
                                     const std::string key = scenario_to_json(scenario).dump();
                                     if (!original) original = key;
                                     const bool fails = key == *original || ++tries_seen[key] >= 3;
                                     return FakeRun{fails ? &histories().lost : &histories().valid, 1000};
                                   },
                                   &runs));
}

TEST(FuzzShrinkTries, ACandidateFailingOnItsThirdTryIsTakenWithThreeTries) {
  int runs = 0;
  const CampaignResult result = shrink_with_late_failures(3, runs);
  ASSERT_TRUE(result.failure);
  EXPECT_GT(result.failure->shrink_steps, 0);
  EXPECT_EQ(result.failure->shrunk.timeline.size(), 4u);
}

TEST(FuzzShrinkTries, WithTwoTriesTheSameCandidateIsNotTaken) {
  int runs = 0;
  const CampaignResult result = shrink_with_late_failures(2, runs);
  ASSERT_TRUE(result.failure);
  EXPECT_EQ(result.failure->shrink_steps, 0);
  EXPECT_TRUE(result.failure->shrink_complete);
  EXPECT_EQ(result.failure->shrunk.timeline.size(), result.failure->original.timeline.size());
  EXPECT_EQ(result.failure->shrink_runs, 2 * result.failure->shrink_candidates) << "every candidate got both tries";
}

TEST(FuzzShrinkTries, ACandidateFailingWithAnotherFailureClassIsNotTaken) {
  FakeClock clock;
  CampaignOptions options;
  options.seed = 3;
  options.shrink_tries = 3;
  std::optional<std::string> original;
  const CampaignResult result = run_campaign(options, fake_runner(clock, [&](const Scenario& scenario) {
    if (scenario.timeline.size() < 4) return FakeRun{&histories().valid, 1000};
    const std::string key = scenario_to_json(scenario).dump();
    if (!original) original = key;
    return FakeRun{key == *original ? &histories().lost : &histories().duplicated, 1000};
  }));
  ASSERT_TRUE(result.failure);
  EXPECT_EQ(result.failure->shrink_steps, 0) << "a duplicated candidate is not the lost failure that was found";
  EXPECT_GT(result.failure->shrink_candidates_failed_differently, 0);
  EXPECT_EQ(describe_failure_class(result.failure->failure_class), "invalid (lost)");
}

TEST(FuzzShrinkTries, OneTryPerCandidateInSimMode) {
  FakeClock clock;
  CampaignOptions options;
  options.seed = 3;
  int runs = 0;
  const CampaignResult result = run_campaign(options, fake_runner(
                                                          clock,
                                                          [](const Scenario& scenario) {
                                                            return FakeRun{scenario.timeline.size() >= 4 ? &histories().lost
                                                                                                         : &histories().valid,
                                                                           1000};
                                                          },
                                                          &runs));
  ASSERT_TRUE(result.failure);
  EXPECT_EQ(result.failure->shrink_runs, result.failure->shrink_candidates);
  EXPECT_EQ(static_cast<std::uint64_t>(runs), result.runs + static_cast<std::uint64_t>(result.failure->shrink_runs));
}

TEST(FuzzFailureClass, SameVerdictAndAKindInCommon) {
  const FailureClass lost_reordered{Verdict::invalid, {"lost", "reordered"}};
  EXPECT_TRUE(same_failure_class(lost_reordered, {Verdict::invalid, {"lost"}}));
  EXPECT_TRUE(same_failure_class(lost_reordered, {Verdict::invalid, {"reordered", "duplicated"}}));
  EXPECT_FALSE(same_failure_class(lost_reordered, {Verdict::invalid, {"duplicated"}}));
  EXPECT_FALSE(same_failure_class(lost_reordered, {Verdict::unknown, {"lost"}}));
  EXPECT_TRUE(same_failure_class({Verdict::unknown, {}}, {Verdict::unknown, {}}));
  EXPECT_FALSE(same_failure_class({Verdict::unknown, {}}, {Verdict::unknown, {"no_convergence"}}));
}

TEST(FuzzReplay, NotStartedWhenNoTryCanEndBeforeTheDeadline) {
  FakeClock clock;
  const FuzzBudget budget(clock.now, 1000, clock.function());
  int runs = 0;
  const ReplayResult replay = replay_reproducer(
      sending_scenario(3, ""), 1, {Verdict::invalid, {"lost"}}, 3, budget, [](const Scenario&) -> std::int64_t { return 2000; },
      fake_runner(clock, [](const Scenario&) { return FakeRun{&histories().lost, 1000}; }, &runs));
  EXPECT_TRUE(replay.not_started);
  EXPECT_EQ(runs, 0);
}

TEST(FuzzReplay, CountsTheTriesUntilTheSameFailure) {
  FakeClock clock;
  const FuzzBudget budget(clock.now, 60000, clock.function());
  int runs = 0;
  const ReplayResult replay = replay_reproducer(
      sending_scenario(3, ""), 1, {Verdict::invalid, {"lost"}}, 3, budget, {},
      fake_runner(clock, [&](const Scenario&) { return FakeRun{runs < 2 ? &histories().valid : &histories().lost, 1000}; },
                  &runs));
  EXPECT_EQ(replay.failed_on_try, 2);
  EXPECT_EQ(replay.tries, 2);
  EXPECT_EQ(runs, 2);
}

TEST(FuzzProgressLine, SaysRunsFailuresTimeAndStage) {
  CampaignProgress progress;
  progress.runs = 14;
  progress.failures = 1;
  progress.stage = CampaignStage::shrinking;
  progress.shrink_step = 3;
  progress.candidate = 2;
  progress.candidates_at_step = "14";
  progress.try_index = 1;
  progress.tries_max = 3;
  EXPECT_EQ(progress_line(progress, 31240, 40000),
            "resync fuzz: 14 runs, 1 failure, 31.2 s of 40.0 s, shrinking: step 3, candidate 2 of 14, try 1 of 3");
  progress.stage = CampaignStage::generating;
  EXPECT_EQ(progress_line(progress, 500, std::nullopt), "resync fuzz: 14 runs, 1 failure, 0.5 s, generating");
}

}  // namespace
}  // namespace resync::sim
