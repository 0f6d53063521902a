#include "sim/checker/delivery_figures.hpp"

#include <gtest/gtest.h>

#include "sim/checker/tests/history_builder.hpp"

namespace resync::checker {
namespace {

using testing::HistoryBuilder;

DeliveryFigures figures_of(const history::History& history) { return delivery_figures(history, check_history(history)); }

TEST(DeliveryFigures, ARetriedSendAcknowledgedTwiceCountsAsOneAckedMessage) {
  const auto history = HistoryBuilder({"alice"})
                           .sent("alice", "message-1", "o1")
                           .acked("alice", "message-1", "o1")
                           .sent("alice", "message-1", "o1", 2)
                           .acked("alice", "message-1", "o1")
                           .sent("alice", "message-2", "o2")
                           .acked("alice", "message-2", "o2")
                           .renders("alice", {1, 2})
                           .committed_ids({1, 2})
                           .finished()
                           .build();
  const DeliveryFigures figures = figures_of(history);
  EXPECT_EQ(figures.acked, 2u);
  EXPECT_EQ(figures.stored, 2u);
  EXPECT_EQ(figures.lost, 0u);
  EXPECT_EQ(figures.duplicated, 0u);
}

TEST(DeliveryFigures, AnAcknowledgedSendMissingFromTheLogIsLost) {
  const auto history = HistoryBuilder({"alice"})
                           .sent("alice", "message-1", "o1")
                           .acked("alice", "message-1", "o1")
                           .sent("alice", "message-9", "o9")
                           .acked("alice", "message-9", "o9")
                           .renders("alice", {1})
                           .committed_ids({1})
                           .finished()
                           .build();
  const DeliveryFigures figures = figures_of(history);
  EXPECT_EQ(figures.acked, 2u);
  EXPECT_EQ(figures.stored, 1u);
  EXPECT_EQ(figures.lost, 1u);
}

TEST(DeliveryFigures, OneMessageStoredInTwoRowsIsDuplicated) {
  const auto history = HistoryBuilder({"alice"})
                           .committed({{1, "alice-1", "o1"}, {2, "alice-1", "o1-retry"}, {3, "alice-2", "o2"}})
                           .finished()
                           .build();
  const DeliveryFigures figures = figures_of(history);
  EXPECT_EQ(figures.stored, 3u);
  EXPECT_EQ(figures.duplicated, 1u);
}

TEST(DeliveryFigures, LineNamesTheHistoryAndTheFourCounts) {
  EXPECT_EQ(delivery_figures_line("runs/a.jsonl", {12, 14, 1, 2}),
            "figures runs/a.jsonl: acked 12, stored 14, lost 1, duplicated 2");
}

}  // namespace
}  // namespace resync::checker
