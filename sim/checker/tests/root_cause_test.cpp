// Root causes: consequences grouped under the anomaly that caused them (root_cause.hpp).
#include "sim/checker/root_cause.hpp"

#include <numeric>
#include <set>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "sim/checker/check_history.hpp"
#include "sim/checker/tests/anomaly_kinds.hpp"
#include "sim/checker/tests/history_builder.hpp"

namespace resync::checker {
namespace {

using testing::contains;
using testing::HistoryBuilder;

std::vector<std::int64_t> ids_from(std::int64_t first, std::int64_t last) {
  std::vector<std::int64_t> ids(static_cast<std::size_t>(last - first + 1));
  std::iota(ids.begin(), ids.end(), first);
  return ids;
}

// How many causes each anomaly belongs to.
std::vector<std::size_t> owners_of(const CheckResult& result) {
  std::vector<std::size_t> owners(result.anomalies.size(), 0);
  for (const RootCause& cause : result.root_causes) {
    for (std::size_t index : cause.consequence_indexes) ++owners.at(index);
  }
  return owners;
}

// The cascade: after a reconnect, live id 1075 lands at position 100 in the middle of
// the catch-up, then the catch-up brings 101..1074 and 1075 again.
TEST(RootCause, TheDuplicateCascadeIsOneCauseWithItsSpan) {
  HistoryBuilder builder({"bob"});
  builder.connects("bob", "s1").renders("bob", ids_from(1, 100)).disconnected("bob").connects("bob", "s2");
  builder.renders("bob", {1075}).renders("bob", ids_from(101, 1075));
  const CheckResult result = check_history(builder.committed_ids(ids_from(1, 1075)).finished().build());

  ASSERT_EQ(result.count(AnomalyKind::reordered), 974U);
  ASSERT_EQ(result.count(AnomalyKind::duplicated), 1U);
  ASSERT_EQ(result.root_causes.size(), 1U) << result.root_causes.back().explanation;
  const RootCause& cause = result.root_causes.front();
  EXPECT_EQ(cause.kind, AnomalyKind::duplicated);
  EXPECT_EQ(cause.client, "bob");
  EXPECT_EQ(cause.id, 1075);
  EXPECT_EQ(cause.span_first_id, 101);
  EXPECT_EQ(cause.span_last_id, 1074);
  EXPECT_EQ(cause.consequence_indexes.size(), 975U);
  EXPECT_EQ(result.anomalies[cause.anomaly_index].kind, AnomalyKind::duplicated);
  // The earliest visible consequence: id 101, the first rendering after the early 1075.
  EXPECT_EQ(cause.t_ms, result.clients[0].rendered[101].t_ms);
  EXPECT_TRUE(contains(cause.explanation, "bob received ids 101..1074 after 1075 (position 100): the catch-up after "
                                          "its reconnect at "))
      << cause.explanation;
  EXPECT_TRUE(contains(cause.explanation, "interleaved with a live broadcast")) << cause.explanation;
}

TEST(RootCause, ABlockMovedAfterOneEarlyIdIsOneReorderingWithItsSpan) {
  HistoryBuilder builder({"alice"});
  builder.connects("alice", "s1").renders("alice", {1, 2, 7, 3, 4, 5, 6, 8});
  const CheckResult result = check_history(builder.committed_ids(ids_from(1, 8)).finished().build());

  ASSERT_EQ(result.count(AnomalyKind::reordered), 4U);
  ASSERT_EQ(result.root_causes.size(), 1U);
  const RootCause& cause = result.root_causes.front();
  EXPECT_EQ(cause.kind, AnomalyKind::reordered);
  EXPECT_EQ(cause.id, 3);
  EXPECT_EQ(cause.span_first_id, 3);
  EXPECT_EQ(cause.span_last_id, 6);
  EXPECT_EQ(cause.explanation,
            "alice received ids 3..6 after 7 (position 2): they arrived out of order with no reconnect before them");
}

TEST(RootCause, ALostRunOfConsecutiveIdsIsOneCauseAndASeparateLossIsAnother) {
  HistoryBuilder builder({"alice"});
  builder.connects("alice", "s1").renders("alice", {1, 2, 6, 8});
  const CheckResult result = check_history(builder.committed_ids(ids_from(1, 8)).finished().build());

  ASSERT_EQ(result.count(AnomalyKind::lost), 4U);
  ASSERT_EQ(result.root_causes.size(), 2U);
  const RootCause& run = result.root_causes[0];
  EXPECT_EQ(run.kind, AnomalyKind::lost);
  EXPECT_EQ(run.span_first_id, 3);
  EXPECT_EQ(run.span_last_id, 5);
  EXPECT_EQ(run.consequence_indexes.size(), 3U);
  EXPECT_EQ(run.t_ms, result.clients[0].rendered[2].t_ms);  // when id 6 took their place
  EXPECT_EQ(run.explanation, "alice never rendered ids 3..5: they never arrived, and it did not reconnect");
  EXPECT_EQ(result.root_causes[1].span_first_id, 7);
  EXPECT_EQ(result.root_causes[1].span_last_id, 7);
}

TEST(RootCause, EachClientHasItsOwnCauseEarliestFirst) {
  HistoryBuilder builder({"alice", "bob"});
  builder.connects("alice", "a1").connects("bob", "b1");
  builder.renders("bob", {1, 3, 2}).renders("alice", {1, 2, 2, 3});
  const CheckResult result = check_history(builder.committed_ids({1, 2, 3}).finished().build());

  ASSERT_EQ(result.root_causes.size(), 2U);
  EXPECT_EQ(result.root_causes[0].client, "bob");
  EXPECT_EQ(result.root_causes[0].kind, AnomalyKind::reordered);
  EXPECT_EQ(result.root_causes[1].client, "alice");
  EXPECT_EQ(result.root_causes[1].kind, AnomalyKind::duplicated);
  EXPECT_LT(*result.root_causes[0].t_ms, *result.root_causes[1].t_ms);
  EXPECT_EQ(result.root_causes[1].explanation,
            "alice rendered id 2 twice: the same messages were delivered twice with no reconnect between the two");
}

TEST(RootCause, TheFaultActiveWhenItBecameVisibleIsNamed) {
  HistoryBuilder builder({"bob"});
  builder.connects("bob", "b1").renders("bob", {1});
  builder.fault("bob-cut", {{"type", "reset_peer"}, {"stream", "downstream"}, {"target", {{"tag", "bob"}}}});
  builder.renders("bob", {3});
  const std::int64_t visible_t_ms = builder.next_t_ms() - 10;
  builder.healed("bob-cut");
  const CheckResult result = check_history(builder.committed_ids({1, 2, 3}).finished().build());

  ASSERT_EQ(result.fault_windows.size(), 1U);
  ASSERT_EQ(result.root_causes.size(), 1U);
  EXPECT_EQ(result.root_causes[0].t_ms, visible_t_ms);
  EXPECT_EQ(result.root_causes[0].active_fault, result.fault_windows[0].description());
  EXPECT_TRUE(contains(result.root_causes[0].active_fault, "bob-cut")) << result.root_causes[0].active_fault;
}

TEST(RootCause, AFaultOnAnotherClientIsNotNamed) {
  HistoryBuilder builder({"bob"});
  builder.connects("bob", "b1").renders("bob", {1});
  builder.fault("alice-cut", {{"type", "reset_peer"}, {"stream", "downstream"}, {"target", {{"tag", "alice"}}}});
  builder.renders("bob", {3});
  const CheckResult result = check_history(builder.committed_ids({1, 2, 3}).finished().build());
  ASSERT_EQ(result.root_causes.size(), 1U);
  EXPECT_EQ(result.root_causes[0].active_fault, "");
}

TEST(RootCause, SentUnknownIsNoCauseOfInvalidity) {
  HistoryBuilder builder({"alice"});
  builder.expect(sim::Verdict::valid, {}, {"sent_unknown"}).connects("alice", "a1");
  builder.fault_started("cut").sent("alice", "hello", std::nullopt);
  const CheckResult result = check_history(builder.committed_ids({}).finished().build());
  ASSERT_EQ(result.count(AnomalyKind::sent_unknown), 1U);
  EXPECT_EQ(result.verdict, sim::Verdict::valid);
  EXPECT_TRUE(result.root_causes.empty());
}

TEST(RootCause, RunWideAnomaliesAreTheirOwnCauses) {
  HistoryBuilder builder({"alice"});
  builder.connects("alice", "a1").renders("alice", {1});
  const CheckResult result = check_history(builder.committed_ids({1}).finished(false, "bob still behind").build());
  ASSERT_EQ(result.root_causes.size(), 1U);
  EXPECT_EQ(result.root_causes[0].kind, AnomalyKind::no_convergence);
  EXPECT_EQ(result.root_causes[0].client, "");
  EXPECT_EQ(result.root_causes[0].explanation, "no_convergence: bob still behind");
}

TEST(RootCause, SpanTextSaysOneIdOrARange) {
  RootCause cause;
  EXPECT_EQ(span_text(cause), "");
  cause.span_first_id = cause.span_last_id = 4;
  EXPECT_EQ(span_text(cause), "id 4");
  cause.span_last_id = 9;
  EXPECT_EQ(span_text(cause), "ids 4..9");
}

// Any mix of losses, repeats, moves and foreign ids: every invalid anomaly is in exactly
// one cause, informational ones in none, and causes come earliest first.
RC_GTEST_PROP(RootCauseProperty, EveryInvalidAnomalyBelongsToExactlyOneCause, ()) {
  const auto size = *rc::gen::inRange<std::int64_t>(1, 30);
  const std::vector<std::int64_t> log_ids = ids_from(1, size);
  auto rendered = *rc::gen::container<std::vector<std::int64_t>>(rc::gen::inRange<std::int64_t>(1, size + 3));
  HistoryBuilder builder({"alice", "bob"});
  builder.connects("alice", "a1").connects("bob", "b1");
  for (std::size_t index = 0; index < rendered.size(); ++index) {
    if (*rc::gen::inRange(0, 8) == 0) builder.disconnected("alice").connects("alice", "a2", true);
    builder.renders(index % 2 == 0 ? "alice" : "bob", {rendered[index]});
  }
  const CheckResult result = check_history(builder.committed_ids(log_ids).finished().build());
  const std::vector<std::size_t> owners = owners_of(result);
  for (std::size_t index = 0; index < owners.size(); ++index) {
    RC_ASSERT(owners[index] == (makes_run_invalid(result.anomalies[index].kind) ? 1U : 0U));
  }
  for (std::size_t index = 1; index < result.root_causes.size(); ++index) {
    const RootCause& previous = result.root_causes[index - 1];
    const RootCause& cause = result.root_causes[index];
    RC_ASSERT(!(previous.t_ms && cause.t_ms && *previous.t_ms > *cause.t_ms));
    RC_ASSERT(!(!previous.t_ms && cause.t_ms));
  }
  for (const RootCause& cause : result.root_causes) {
    RC_ASSERT(!cause.explanation.empty());
    RC_ASSERT(std::find(cause.consequence_indexes.begin(), cause.consequence_indexes.end(), cause.anomaly_index) !=
              cause.consequence_indexes.end());
  }
}

}  // namespace
}  // namespace resync::checker
