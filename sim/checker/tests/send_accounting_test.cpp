// When a send that never reached the log is lost (the server must have read it) and when it
// is only sent_unknown (a fault or a disconnect could have eaten it): docs/HISTORY.md.
#include <gtest/gtest.h>

#include "sim/checker/check_history.hpp"
#include "sim/checker/send_exposure.hpp"
#include "sim/checker/tests/anomaly_kinds.hpp"
#include "sim/checker/tests/history_builder.hpp"

namespace resync::checker {
namespace {

using testing::contains;
using testing::HistoryBuilder;

const nlohmann::json alice_upstream_blackhole = {
    {"type", "timeout"}, {"stream", "upstream"}, {"attributes", {{"timeout", 0}}}, {"target", {{"tag", "alice"}}}};

// alice connects (connecting at 10 ms, connected at 20 ms) and sends one plain message at
// 30 ms that the server never stores; `between` adds lines after the send; the run ends
// well after send_settle_ms.
history::History one_plain_send_never_stored(const std::function<void(HistoryBuilder&)>& before,
                                             const std::function<void(HistoryBuilder&)>& between) {
  HistoryBuilder builder({"alice", "bob"});
  before(builder);
  builder.connects("alice", "s1").sent("alice", "hello", std::nullopt);
  between(builder);
  return builder.wait_ms(2 * send_settle_ms).committed({}).finished().build();
}

const auto nothing = [](HistoryBuilder&) {};

TEST(SendAccounting, APlainSendOnAHealthyConnectionThatNeverReachesTheLogIsLost) {
  const CheckResult result = check_history(one_plain_send_never_stored(nothing, nothing));
  ASSERT_EQ(result.anomalies.size(), 1u);
  const Anomaly& lost = result.anomalies[0];
  EXPECT_EQ(lost.kind, AnomalyKind::lost);
  EXPECT_EQ(lost.client, "alice");
  EXPECT_FALSE(lost.id);
  EXPECT_EQ(lost.t_ms, 30);
  EXPECT_EQ(lost.detail,
            "sent \"hello\" (no client_offset) 1 time from 30 ms, never acknowledged, not in the committed log; "
            "written at 30 ms on connection 1 of alice (socket id \"s1\"), which stayed up for send_settle_ms "
            "(1000 ms) with the same server running and no fault on alice's upstream since it opened at 10 ms, so the "
            "server must have read it");
  EXPECT_EQ(result.verdict, sim::Verdict::invalid);
}

TEST(SendAccounting, AFaultOnThatClientsUpstreamMakesItOnlyUnknown) {
  const CheckResult result = check_history(one_plain_send_never_stored(
      [](HistoryBuilder& b) { b.fault("alice-blackhole", alice_upstream_blackhole); },
      [](HistoryBuilder& b) { b.healed("alice-blackhole"); }));
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::sent_unknown);
  EXPECT_TRUE(contains(result.anomalies[0].detail, "could have been eaten: fault timeout \"alice-blackhole\""))
      << result.anomalies[0].detail;
  EXPECT_EQ(result.verdict, sim::Verdict::valid);
}

TEST(SendAccounting, AFaultThatStartsWithinTheSettleTimeCouldStillEatIt) {
  const CheckResult result = check_history(one_plain_send_never_stored(
      nothing, [](HistoryBuilder& b) { b.wait_ms(500).fault("alice-blackhole", alice_upstream_blackhole); }));
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::sent_unknown);
}

TEST(SendAccounting, AFaultHealedBeforeTheConnectionOpenedDoesNotExcuseIt) {
  const CheckResult result = check_history(one_plain_send_never_stored(
      [](HistoryBuilder& b) { b.fault("alice-blackhole", alice_upstream_blackhole).healed("alice-blackhole"); },
      nothing));
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::lost);
}

TEST(SendAccounting, AFaultOnlyOnAnotherClientsTagLeavesItLost) {
  nlohmann::json bob_blackhole = alice_upstream_blackhole;
  bob_blackhole["target"] = {{"tag", "bob"}};
  const CheckResult result =
      check_history(one_plain_send_never_stored([&](HistoryBuilder& b) { b.fault("bob-blackhole", bob_blackhole); },
                                                nothing));
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::lost);
}

TEST(SendAccounting, ADownstreamOnlyLatencyCannotEatAnUpstreamSend) {
  const nlohmann::json slow_downstream = {{"type", "latency"}, {"attributes", {{"latency", 500}}}};
  const CheckResult result = check_history(
      one_plain_send_never_stored([&](HistoryBuilder& b) { b.fault("slow", slow_downstream); }, nothing));
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::lost);
}

TEST(SendAccounting, AResetOnEveryConnectionCanEatItWhateverItsStream) {
  for (const nlohmann::json& target : {nlohmann::json("all"), nlohmann::json{{"nth_connection", 3}}, nlohmann::json()}) {
    nlohmann::json reset = {{"type", "reset_peer"}, {"attributes", {{"timeout", 0}}}};
    if (!target.is_null()) reset["target"] = target;
    const CheckResult result =
        check_history(one_plain_send_never_stored([&](HistoryBuilder& b) { b.fault("reset", reset); }, nothing));
    ASSERT_EQ(result.anomalies.size(), 1u) << target.dump();
    EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::sent_unknown) << target.dump();
  }
}

TEST(SendAccounting, ADisconnectWithinTheSettleTimeMakesItUnknownAndALaterOneDoesNot) {
  const CheckResult soon = check_history(
      one_plain_send_never_stored(nothing, [](HistoryBuilder& b) { b.wait_ms(send_settle_ms - 20).disconnected("alice"); }));
  ASSERT_EQ(soon.anomalies.size(), 1u);
  EXPECT_EQ(soon.anomalies[0].kind, AnomalyKind::sent_unknown);
  EXPECT_TRUE(contains(soon.anomalies[0].detail,
                       "could have been eaten: its connection ended 990 ms later (disconnected: transport close)"))
      << soon.anomalies[0].detail;

  const CheckResult late = check_history(
      one_plain_send_never_stored(nothing, [](HistoryBuilder& b) { b.wait_ms(send_settle_ms + 10).disconnected("alice"); }));
  ASSERT_EQ(late.anomalies.size(), 1u);
  EXPECT_EQ(late.anomalies[0].kind, AnomalyKind::lost);
}

TEST(SendAccounting, TheServersFirstStartDoesNotExcuseALaterSend) {
  const CheckResult result = check_history(one_plain_send_never_stored(
      [](HistoryBuilder& b) { b.event(history::ServerStarted{4000, std::nullopt, 1}); }, nothing));
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::lost);
}

TEST(SendAccounting, AServerStartWithinTheSettleTimeMakesItUnknown) {
  const CheckResult result = check_history(one_plain_send_never_stored(
      nothing, [](HistoryBuilder& b) { b.wait_ms(300).event(history::ServerStarted{4000, std::nullopt, 2}); }));
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::sent_unknown);
  EXPECT_TRUE(contains(result.anomalies[0].detail, "the server started again 310 ms later"))
      << result.anomalies[0].detail;
}

TEST(SendAccounting, AServerStopWithinTheSettleTimeMakesItUnknown) {
  const CheckResult result = check_history(one_plain_send_never_stored(nothing, [](HistoryBuilder& b) {
    b.wait_ms(300).event(history::ServerStopped{"SIGKILL", 1, "", true, std::nullopt, "SIGKILL", false, false});
  }));
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::sent_unknown);
}

// A kill on a protocol trigger: the process_fault `fired` line is only an explanation; the
// window is the server_stopped line, written when the stop took effect (a few ms later live).
// A send in between reached a dying server: unknown, never lost. Without the stop it is lost.
TEST(SendAccounting, AStopOnATriggerCountsFromItsServerStoppedLine) {
  const history::ProcessFault fired{"$.timeline[0]", "fired", "SIGKILL",
                                    nlohmann::json{{"after_acks", 5}, {"direction", "downstream"}}, 0, 1, "alice",
                                    "the 5th Socket.IO ACK downstream on connection 1 (alice)"};
  const CheckResult stopped = check_history(one_plain_send_never_stored(
      [&](HistoryBuilder& b) { b.event(fired); },
      [](HistoryBuilder& b) {
        b.wait_ms(3).event(history::ServerStopped{"SIGKILL", 1, "", true, std::nullopt, "SIGKILL", false, false});
      }));
  ASSERT_EQ(stopped.anomalies.size(), 1u);
  EXPECT_EQ(stopped.anomalies[0].kind, AnomalyKind::sent_unknown);
  EXPECT_TRUE(contains(stopped.anomalies[0].detail, "server")) << stopped.anomalies[0].detail;

  const CheckResult fired_only = check_history(one_plain_send_never_stored([&](HistoryBuilder& b) { b.event(fired); }, nothing));
  ASSERT_EQ(fired_only.anomalies.size(), 1u);
  EXPECT_EQ(fired_only.anomalies[0].kind, AnomalyKind::lost);
}

TEST(SendAccounting, AConnectionThatOutlivedAServerStopReachesNoServer) {
  // Found by the fuzzer: a downstream pause hid the server's SIGKILL from the client, whose
  // connection looked open while its sends went nowhere; the restarted server never saw them.
  const CheckResult result = check_history(one_plain_send_never_stored(
      [](HistoryBuilder& b) {
        b.connects("alice", "s0")
            .event(history::ServerStopped{"SIGKILL", 1, "", true, std::nullopt, "SIGKILL", false, false})
            .event(history::ServerStarted{4000, std::nullopt, 2})
            .wait_ms(2 * send_settle_ms);
      },
      nothing));
  ASSERT_EQ(result.anomalies.size(), 1u);
  // one_plain_send_never_stored connects again: the send is on that newer connection...
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::lost);

  HistoryBuilder zombie({"alice"});
  zombie.connects("alice", "s0")
      .event(history::ServerStopped{"SIGKILL", 1, "", true, std::nullopt, "SIGKILL", false, false})
      .event(history::ServerStarted{4000, std::nullopt, 2})
      .wait_ms(2 * send_settle_ms)
      .sent("alice", "hello", std::nullopt)  // ...but here on the one the stop left behind
      .wait_ms(2 * send_settle_ms)
      .committed({})
      .finished();
  const CheckResult unknown = check_history(zombie.build());
  ASSERT_EQ(unknown.anomalies.size(), 1u);
  EXPECT_EQ(unknown.anomalies[0].kind, AnomalyKind::sent_unknown);
  EXPECT_TRUE(contains(unknown.anomalies[0].detail,
                       "could have been eaten: the server stopped at 30 ms, after connection 1 of alice"))
      << unknown.anomalies[0].detail;
}

TEST(SendAccounting, AHistoryCutShortWithinTheSettleTimeMakesItUnknown) {
  for (const bool finished : {false, true}) {
    HistoryBuilder builder({"alice"});
    builder.connects("alice", "s1").sent("alice", "hello", std::nullopt).committed({});
    if (finished) builder.finished(/*converged=*/false, "bob still reconnecting");
    const CheckResult result = check_history(builder.build());
    ASSERT_EQ(result.anomalies.size(), finished ? 2u : 1u);
    EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::sent_unknown);
    EXPECT_TRUE(contains(result.anomalies[0].detail, " ms later, without a converged run_finished"))
        << result.anomalies[0].detail;
  }
}

TEST(SendAccounting, AConvergedRunThatEndsWithinTheSettleTimeDoesNotExcuseIt) {
  // Convergence needs quiet_ms without a send on settled connections: the end of such a
  // run cut nothing short, so a short scenario still catches a server that drops sends.
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .connects("alice", "s1")
                                               .sent("alice", "hello", std::nullopt)
                                               .wait_ms(300)
                                               .committed({})
                                               .finished()
                                               .build());
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::lost);
  EXPECT_TRUE(contains(result.anomalies[0].detail, "which stayed up until the converged run ended 320 ms later"))
      << result.anomalies[0].detail;
}

TEST(SendAccounting, TheHarnesssStopAtTheEndOfAConvergedRunDoesNotExcuseIt) {
  // The run's own SIGTERM comes after the check phase began, once the run converged: it is
  // no fault, so a server that drops the last send of a run is still caught. The same stop
  // after a run that did not converge may have cut a send short.
  for (const bool converged : {true, false}) {
    history::ServerStopped stopped;
    stopped.signal = "SIGTERM";
    const CheckResult result = check_history(HistoryBuilder({"alice"})
                                                 .connects("alice", "s1")
                                                 .sent("alice", "hello", std::nullopt)
                                                 .wait_ms(300)
                                                 .event(history::PhaseChanged{"check"})
                                                 .wait_ms(50)
                                                 .event(stopped)
                                                 .committed({})
                                                 .finished(converged, converged ? "" : "bob still reconnecting")
                                                 .build());
    ASSERT_GE(result.anomalies.size(), 1u);
    EXPECT_EQ(result.anomalies[0].kind, converged ? AnomalyKind::lost : AnomalyKind::sent_unknown)
        << result.anomalies[0].detail;
  }
}

TEST(SendAccounting, AnAckedSendRetriedWithOneAttemptOnAHealthyConnectionIsLost) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .connects("alice", "s1")
                                               .sent("alice", "hello", "a-1", 1)  // 30 ms
                                               .wait_ms(200)
                                               .disconnected("alice")  // 240 ms: attempt 1 could be eaten
                                               .connects("alice", "s2")
                                               .sent("alice", "hello", "a-1", 2)  // 270 ms: healthy
                                               .wait_ms(3 * send_settle_ms)
                                               .event(history::SendAbandoned{"alice", "hello", "a-1", "retries exhausted"})
                                               .committed({})
                                               .finished()
                                               .build());
  ASSERT_EQ(result.anomalies.size(), 1u);
  const Anomaly& lost = result.anomalies[0];
  EXPECT_EQ(lost.kind, AnomalyKind::lost);
  EXPECT_FALSE(lost.id);
  EXPECT_EQ(lost.t_ms, 270);
  EXPECT_TRUE(contains(lost.detail, "2 times from 30 ms"));
  EXPECT_TRUE(contains(lost.detail, "abandoned: retries exhausted"));
  EXPECT_TRUE(contains(lost.detail, "attempt 2 written at 270 ms on connection 2 of alice (socket id \"s2\")"))
      << lost.detail;
}

TEST(SendAccounting, AnAckedSendWhoseEveryAttemptCouldBeEatenIsUnknown) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .connects("alice", "s1")
                                               .sent("alice", "hello", "a-1", 1)
                                               .disconnected("alice")
                                               .connects("alice", "s2")
                                               .sent("alice", "hello", "a-1", 2)
                                               .disconnected("alice", "ping timeout")
                                               .wait_ms(3 * send_settle_ms)
                                               .committed({})
                                               .finished()
                                               .build());
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::sent_unknown);
}

TEST(SendAccounting, AStoredOrAcknowledgedSendIsNeitherLostNorUnknown) {
  const CheckResult result = check_history(HistoryBuilder({"alice"})
                                               .connects("alice", "s1")
                                               .sent("alice", HistoryBuilder::content_for(1), std::nullopt)
                                               .sent("alice", "acked", "a-2")
                                               .acked("alice", "acked", "a-2")
                                               .renders("alice", {1})
                                               .wait_ms(2 * send_settle_ms)
                                               .committed({{1, HistoryBuilder::content_for(1), std::nullopt},
                                                           {2, "acked", "a-2"}})
                                               .finished()
                                               .build());
  EXPECT_EQ(result.count(AnomalyKind::sent_unknown), 0u);
  EXPECT_EQ(result.count(AnomalyKind::acknowledged_not_stored), 0u);
  // id 2 was never rendered: that is the rendering check's lost, with an id.
  ASSERT_EQ(result.count(AnomalyKind::lost), 1u);
  EXPECT_EQ(result.anomalies[0].id, 2);
}

}  // namespace
}  // namespace resync::checker
