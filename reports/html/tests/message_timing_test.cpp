#include "reports/html/message_timing.hpp"

#include <gtest/gtest.h>

#include "reports/html/scenario_analysis.hpp"
#include "reports/html/tests/report_test_histories.hpp"

namespace resync::reports {
namespace {

using testing::race_after_reconnect;

struct Analyzed {
  history::History history;
  checker::CheckResult result;
  ScenarioAnalysis analysis;
};

Analyzed analyze(const testing::TimedHistory& timed) {
  Analyzed analyzed{timed.build(), {}, {}};
  analyzed.result = checker::check_history(analyzed.history);
  analyzed.analysis = analyze_scenario(analyzed.history, analyzed.result);
  return analyzed;
}

TEST(StoredTimes, AreTheFirstObservationOfEachMessage) {
  const Analyzed analyzed = analyze(race_after_reconnect());
  EXPECT_EQ(analyzed.analysis.stored.by_log_position, (std::vector<std::int64_t>{11, 151, 201, 502, 503}));
  EXPECT_EQ(analyzed.analysis.stored.existing_before(11), 0u);
  EXPECT_EQ(analyzed.analysis.stored.existing_before(12), 1u);
  EXPECT_EQ(analyzed.analysis.stored.existing_before(400), 3u);
}

TEST(StoredTimes, MessagesNobodySawExistedFromTheStart) {
  testing::TimedHistory timed({"reader"});
  timed.connects(50, "reader").renders(60, "reader", 2, "b");
  timed.committed({{1, "preloaded", std::nullopt}, {2, "b", std::nullopt}}).finishes(100);
  const Analyzed analyzed = analyze(timed);
  EXPECT_EQ(analyzed.analysis.stored.by_log_position, (std::vector<std::int64_t>{0, 60}));
  // The reader connected at 50 lacking the preloaded row and never got it.
  ASSERT_EQ(analyzed.analysis.clients[0].catch_ups.size(), 1u);
  EXPECT_EQ(analyzed.analysis.clients[0].catch_ups[0].missing, 1u);
  EXPECT_FALSE(analyzed.analysis.clients[0].catch_ups[0].end_t_ms.has_value());
}

TEST(CatchUpWindow, RunsFromTheReconnectUntilEverythingThatExistedIsRendered) {
  const Analyzed analyzed = analyze(race_after_reconnect());
  const ClientAnalysis& bob = analyzed.analysis.clients[1];
  ASSERT_EQ(bob.client, "bob");
  ASSERT_EQ(bob.catch_ups.size(), 1u);
  EXPECT_EQ(bob.catch_ups[0].start_t_ms, 400);
  EXPECT_EQ(bob.catch_ups[0].end_t_ms, 420);
  EXPECT_EQ(bob.catch_ups[0].missing, 2u);
  EXPECT_EQ(bob.catch_ups[0].server_offset, "1");
  EXPECT_EQ(bob.connects, 2u);
  EXPECT_EQ(bob.reconnects, 1u);
  EXPECT_EQ(bob.connect_errors, 1u);
  EXPECT_TRUE(analyzed.analysis.clients[0].catch_ups.empty()) << "alice never lacked anything";
}

TEST(ResyncAfterHeal, IsMeasuredForClientsThatWereBehind) {
  const Analyzed analyzed = analyze(race_after_reconnect());
  ASSERT_EQ(analyzed.analysis.recoveries.size(), 1u);
  EXPECT_EQ(analyzed.analysis.recoveries[0].what, "heal bob-link");
  EXPECT_EQ(analyzed.analysis.recoveries[0].t_ms, 300);
  const ClientAnalysis& alice = analyzed.analysis.clients[0];
  EXPECT_TRUE(alice.resyncs.empty());
  EXPECT_EQ(alice.in_sync_at_recoveries, 1u);
  const ClientAnalysis& bob = analyzed.analysis.clients[1];
  ASSERT_EQ(bob.resyncs.size(), 1u);
  EXPECT_EQ(bob.resyncs[0].missing, 2u);
  EXPECT_EQ(bob.resyncs[0].after_ms, 120);
}

TEST(CatchUpWindow, ACatchUpInTheMillisecondOfTheConnectStillCounts) {
  testing::TimedHistory timed({"a", "b"});
  timed.connects(0, "a").sends(10, "a", "x").renders(11, "a", 1, "x");
  timed.connects(50, "b").renders(50, "b", 1, "x");
  timed.committed({{1, "x", std::nullopt}}).finishes(100);
  const Analyzed analyzed = analyze(timed);
  ASSERT_EQ(analyzed.analysis.clients[1].catch_ups.size(), 1u);
  EXPECT_EQ(analyzed.analysis.clients[1].catch_ups[0].end_t_ms, 50);
  EXPECT_EQ(analyzed.analysis.clients[1].catch_ups[0].missing, 1u);
}

TEST(ResyncAfterHeal, ReloadStartsAPageThatMustRenderEverythingAgain) {
  testing::TimedHistory timed({"page"});
  timed.connects(0, "page").sends(10, "page", "a").renders(11, "page", 1, "a");
  timed.at(40, history::FaultChanged{"f", "start", "latency", nullptr});
  timed.at(50, history::ClientReloaded{"page", std::nullopt});
  timed.at(60, history::FaultChanged{"f", "heal", "", nullptr});
  timed.connects(70, "page").renders(80, "page", 1, "a");
  timed.committed({{1, "a", std::nullopt}}).finishes(100);
  const Analyzed analyzed = analyze(timed);
  ASSERT_EQ(analyzed.analysis.clients[0].resyncs.size(), 1u);
  EXPECT_EQ(analyzed.analysis.clients[0].resyncs[0].after_ms, 20);
}

TEST(ResyncAfterHeal, MessagesInFlightAtTheHealDoNotMakeAClientBehind) {
  testing::TimedHistory timed({"a", "b", "c"});
  timed.connects(0, "a").connects(0, "b").connects(0, "c");
  timed.at(100, history::FaultChanged{"c-link", "start", "reset_peer", {{"target", {{"tag", "c"}}}}});
  timed.at(100, history::ClientDisconnected{"c", "transport error"});
  timed.sends(295, "a", "m1").renders(296, "a", 1, "m1");
  timed.at(300, history::FaultChanged{"c-link", "heal", "", nullptr});
  timed.renders(305, "b", 1, "m1");  // in flight to b at the heal
  timed.connects(400, "c").renders(401, "c", 1, "m1");
  timed.committed({{1, "m1", std::nullopt}}).finishes(500);
  const Analyzed analyzed = analyze(timed);
  ASSERT_EQ(analyzed.analysis.recoveries.size(), 1u);
  EXPECT_EQ(analyzed.analysis.recoveries[0].trouble_start_t_ms, 100);
  EXPECT_EQ(analyzed.analysis.recoveries[0].target_client, "c");
  EXPECT_TRUE(analyzed.analysis.clients[1].resyncs.empty()) << "b was only waiting for a broadcast";
  EXPECT_EQ(analyzed.analysis.clients[1].in_sync_at_recoveries, 1u);
  ASSERT_EQ(analyzed.analysis.clients[2].resyncs.size(), 1u);
  EXPECT_EQ(analyzed.analysis.clients[2].resyncs[0].after_ms, 101);
}

TEST(DeliveryLatency, QuantilesUseNearestRank) {
  const Analyzed analyzed = analyze(race_after_reconnect());
  const LatencySummary& alice = analyzed.analysis.clients[0].latency;
  EXPECT_EQ(alice.count, 5u);
  EXPECT_EQ(alice.p50_ms, 1);
  EXPECT_EQ(alice.p90_ms, 2);
  EXPECT_EQ(alice.max_ms, 2);
  const LatencySummary& bob = analyzed.analysis.clients[1].latency;
  EXPECT_EQ(bob.count, 5u);
  EXPECT_EQ(bob.p50_ms, 11);
  EXPECT_EQ(bob.p90_ms, 260);
  EXPECT_EQ(bob.p99_ms, 260);
  EXPECT_EQ(bob.max_ms, 260);
}

TEST(DeliveryLatency, HistogramBucketsFollowOneTwoFive) {
  const LatencySummary summary = summarize_latencies({0, 1, 3, 3, 7, 120});
  std::vector<std::int64_t> bounds;
  std::size_t total = 0;
  for (const LatencyBucket& bucket : summary.histogram) {
    bounds.push_back(bucket.upper_ms);
    total += bucket.count;
  }
  EXPECT_EQ(bounds, (std::vector<std::int64_t>{1, 2, 5, 10, 20, 50, 100, 200}));
  EXPECT_EQ(total, 6u);
  EXPECT_EQ(summary.histogram[2].count, 2u);  // 3 and 3 in [2, 5)
  EXPECT_TRUE(summarize_latencies({}).histogram.empty());
}

}  // namespace
}  // namespace resync::reports
