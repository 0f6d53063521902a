// Properties of the checker over random committed logs: rendering exactly the log is valid,
// and each single kind of damage to the rendered list is reported as exactly its own kind.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "sim/checker/check_history.hpp"
#include "sim/checker/tests/anomaly_kinds.hpp"
#include "sim/checker/tests/history_builder.hpp"

namespace resync::checker {
namespace {

using testing::HistoryBuilder;

struct RenderedEntry {
  std::int64_t id = 0;
  std::string content;
};

// Strictly increasing ids with random gaps (servers skip ids after failed inserts) and
// arbitrary contents, invalid UTF-8 included.
std::vector<history::CommittedMessage> random_committed_log(std::size_t size_min) {
  const auto size = *rc::gen::inRange<std::size_t>(size_min, 40);
  std::vector<history::CommittedMessage> log;
  std::int64_t id = *rc::gen::inRange<std::int64_t>(1, 1000);
  for (std::size_t index = 0; index < size; ++index) {
    log.push_back({id, *rc::gen::arbitrary<std::string>(), std::nullopt});
    id += *rc::gen::inRange<std::int64_t>(1, 5);
  }
  return log;
}

std::vector<RenderedEntry> rendering_of(const std::vector<history::CommittedMessage>& log) {
  std::vector<RenderedEntry> rendered;
  for (const auto& message : log) rendered.push_back({message.id, message.content});
  return rendered;
}

CheckResult check_rendering(const std::vector<history::CommittedMessage>& log,
                            const std::vector<RenderedEntry>& rendered) {
  HistoryBuilder builder({"alice"});
  for (const RenderedEntry& entry : rendered) builder.received("alice", entry.id, entry.content);
  return check_history(builder.committed(log).finished().build());
}

RC_GTEST_PROP(CheckerProperty, AClientThatRendersExactlyTheCommittedLogIsValid, ()) {
  const auto log = random_committed_log(0);
  const CheckResult result = check_rendering(log, rendering_of(log));
  RC_ASSERT(result.verdict == sim::Verdict::valid);
  RC_ASSERT(result.anomalies.empty());
}

RC_GTEST_PROP(CheckerProperty, WhateverWasRenderedBeforeAReloadDoesNotCount, ()) {
  const auto log = random_committed_log(0);
  HistoryBuilder builder({"alice"});
  const auto garbage = *rc::gen::container<std::vector<std::int64_t>>(rc::gen::inRange<std::int64_t>(0, 2000));
  for (std::int64_t id : garbage) builder.received("alice", id, "before the reload");
  builder.reloaded("alice");
  for (const auto& message : log) builder.received("alice", message.id, message.content);
  const CheckResult result = check_history(builder.committed(log).finished().build());
  RC_ASSERT(result.verdict == sim::Verdict::valid);
}

RC_GTEST_PROP(CheckerProperty, DroppingOneMessageIsExactlyOneLost, ()) {
  const auto log = random_committed_log(1);
  auto rendered = rendering_of(log);
  const auto dropped = *rc::gen::inRange<std::size_t>(0, rendered.size());
  rendered.erase(rendered.begin() + static_cast<std::ptrdiff_t>(dropped));
  const CheckResult result = check_rendering(log, rendered);
  RC_ASSERT(testing::kind_set_of(result) == std::set<AnomalyKind>{AnomalyKind::lost});
  RC_ASSERT(result.anomalies.size() == 1u);
  RC_ASSERT(result.anomalies[0].id == log[dropped].id);
  RC_ASSERT(result.verdict == sim::Verdict::invalid);
}

RC_GTEST_PROP(CheckerProperty, RenderingOneMessageAgainLaterIsExactlyOneDuplicated, ()) {
  const auto log = random_committed_log(1);
  auto rendered = rendering_of(log);
  const auto original = *rc::gen::inRange<std::size_t>(0, rendered.size());
  const auto copy_at = *rc::gen::inRange<std::size_t>(original + 1, rendered.size() + 1);
  const RenderedEntry copy = rendered[original];
  rendered.insert(rendered.begin() + static_cast<std::ptrdiff_t>(copy_at), copy);
  const CheckResult result = check_rendering(log, rendered);
  RC_ASSERT(testing::kind_set_of(result) == std::set<AnomalyKind>{AnomalyKind::duplicated});
  RC_ASSERT(result.anomalies.size() == 1u);
  RC_ASSERT(result.anomalies[0].id == copy.id);
  RC_ASSERT(result.anomalies[0].positions == (std::vector<std::size_t>{original, copy_at}));
}

RC_GTEST_PROP(CheckerProperty, SwappingTwoMessagesIsReportedOnlyAsReordered, ()) {
  const auto log = random_committed_log(2);
  auto rendered = rendering_of(log);
  const auto first = *rc::gen::inRange<std::size_t>(0, rendered.size() - 1);
  const auto second = *rc::gen::inRange<std::size_t>(first + 1, rendered.size());
  std::swap(rendered[first], rendered[second]);
  const CheckResult result = check_rendering(log, rendered);
  RC_ASSERT(testing::kind_set_of(result) == std::set<AnomalyKind>{AnomalyKind::reordered});
  // The lower id now at `second` always follows the higher one moved to `first`.
  RC_ASSERT(std::any_of(result.anomalies.begin(), result.anomalies.end(),
                        [&](const Anomaly& anomaly) { return anomaly.positions == std::vector<std::size_t>{second}; }));
}

RC_GTEST_PROP(CheckerProperty, ChangingOneContentIsExactlyOneAltered, ()) {
  const auto log = random_committed_log(1);
  auto rendered = rendering_of(log);
  const auto changed = *rc::gen::inRange<std::size_t>(0, rendered.size());
  rendered[changed].content += "*";
  const CheckResult result = check_rendering(log, rendered);
  RC_ASSERT(testing::kind_set_of(result) == std::set<AnomalyKind>{AnomalyKind::altered});
  RC_ASSERT(result.anomalies.size() == 1u);
  RC_ASSERT(result.anomalies[0].positions == std::vector<std::size_t>{changed});
}

RC_GTEST_PROP(CheckerProperty, InsertingAnIdThatWasNeverStoredIsExactlyOneUnexpected, ()) {
  const auto log = random_committed_log(0);
  auto rendered = rendering_of(log);
  std::set<std::int64_t> stored;
  for (const auto& message : log) stored.insert(message.id);
  const auto foreign = *rc::gen::suchThat(rc::gen::inRange<std::int64_t>(-5, 2000),
                                          [&](std::int64_t id) { return !stored.contains(id); });
  const auto at = *rc::gen::inRange<std::size_t>(0, rendered.size() + 1);
  rendered.insert(rendered.begin() + static_cast<std::ptrdiff_t>(at), RenderedEntry{foreign, "never stored"});
  const CheckResult result = check_rendering(log, rendered);
  RC_ASSERT(testing::kind_set_of(result) == std::set<AnomalyKind>{AnomalyKind::unexpected});
  RC_ASSERT(result.anomalies.size() == 1u);
  RC_ASSERT(result.anomalies[0].id == foreign);
  RC_ASSERT(result.anomalies[0].positions == std::vector<std::size_t>{at});
}

}  // namespace
}  // namespace resync::checker
