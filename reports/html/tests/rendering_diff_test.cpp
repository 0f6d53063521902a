// The rendered list against the committed log as an aligned diff: what each test names must
// come out as that one run, not as every later row painted different.
#include "reports/html/rendering_diff.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace resync::reports {
namespace {

struct Lists {
  std::vector<std::string> contents;  // owns the text the items view
  std::vector<RenderedItem> rendered;
  std::vector<history::CommittedMessage> log;

  Lists(std::int64_t log_first, std::int64_t log_last, const std::vector<std::int64_t>& rendered_ids) {
    for (std::int64_t id = log_first; id <= log_last; ++id) log.push_back({id, "m" + std::to_string(id), std::nullopt});
    contents.reserve(rendered_ids.size());
    for (std::int64_t id : rendered_ids) contents.push_back("m" + std::to_string(id));
    for (std::size_t index = 0; index < rendered_ids.size(); ++index) rendered.push_back({rendered_ids[index], contents[index]});
  }
  RenderingDiff diff(const RenderingDiffLimits& limits = {}) const { return diff_rendering_with_log(rendered, log, limits); }
};

std::vector<std::int64_t> ids(std::int64_t first, std::int64_t last) {
  std::vector<std::int64_t> range;
  for (std::int64_t id = first; id <= last; ++id) range.push_back(id);
  return range;
}
std::vector<std::int64_t> joined(std::vector<std::vector<std::int64_t>> parts) {
  std::vector<std::int64_t> all;
  for (const auto& part : parts) all.insert(all.end(), part.begin(), part.end());
  return all;
}

TEST(RenderingDiff, EqualListsAreOneEqualRun) {
  const RenderingDiff diff = Lists(1, 50, ids(1, 50)).diff();
  ASSERT_EQ(diff.runs.size(), 1u);
  EXPECT_EQ(diff.runs[0].kind, DiffKind::equal);
  EXPECT_EQ(diff.runs[0].length, 50u);
  EXPECT_FALSE(diff.first_difference_run);
}

TEST(RenderingDiff, ALostPrefixIsOneLostRunAndTheRestStaysEqual) {
  const RenderingDiff diff = Lists(1, 200, ids(101, 200)).diff();
  ASSERT_EQ(diff.runs.size(), 2u);
  EXPECT_EQ(diff.runs[0].kind, DiffKind::lost);
  EXPECT_EQ(diff.runs[0].first_id, 1);
  EXPECT_EQ(diff.runs[0].last_id, 100);
  EXPECT_EQ(diff.runs[1].kind, DiffKind::equal);
  EXPECT_EQ(diff.runs[1].first_id, 101);
  EXPECT_EQ(diff.runs[1].length, 100u);
  EXPECT_EQ(diff.rows_per_kind[static_cast<std::size_t>(DiffKind::equal)], 100u);
  EXPECT_EQ(diff.first_difference_run, 0u);
}

TEST(RenderingDiff, AnEarlyDuplicateIsOneDuplicateRowNotAThousandReorderings) {
  // id 1075 at position 100 and again in its place: the cascade the issue describes.
  const RenderingDiff diff = Lists(1, 2000, joined({ids(1, 100), {1075}, ids(101, 2000)})).diff();
  ASSERT_EQ(diff.runs.size(), 3u);
  EXPECT_EQ(diff.runs[0].kind, DiffKind::equal);
  EXPECT_EQ(diff.runs[0].last_id, 100);
  EXPECT_EQ(diff.runs[1].kind, DiffKind::duplicate);
  EXPECT_EQ(diff.runs[1].first_id, 1075);
  EXPECT_EQ(diff.runs[1].rendered_first, 100u);
  EXPECT_EQ(diff.runs[1].other, 1075) << "the position of the copy kept in order";
  EXPECT_EQ(diff.runs[2].kind, DiffKind::equal);
  EXPECT_EQ(diff.runs[2].length, 1900u);
}

TEST(RenderingDiff, AMovedBlockIsOneRunWhereItWasRenderedAndOneWhereTheLogHasIt) {
  // 101..1000 rendered after 2000: that block moved, the rest is in order.
  const RenderingDiff diff = Lists(1, 3000, joined({ids(1, 100), ids(1001, 2000), ids(101, 1000), ids(2001, 3000)})).diff();
  std::vector<DiffKind> kinds;
  for (const DiffRun& run : diff.runs) kinds.push_back(run.kind);
  ASSERT_EQ(kinds, (std::vector<DiffKind>{DiffKind::equal, DiffKind::moved_away, DiffKind::equal, DiffKind::moved_here, DiffKind::equal}));
  EXPECT_EQ(diff.runs[1].first_id, 101);
  EXPECT_EQ(diff.runs[1].last_id, 1000);
  EXPECT_EQ(diff.runs[1].other, 1100) << "rendered at position 1100";
  EXPECT_EQ(diff.runs[3].length, 900u);
  EXPECT_EQ(diff.runs[3].other, 2000) << "rendered after id 2000";
  EXPECT_EQ(diff.rows_per_kind[static_cast<std::size_t>(DiffKind::moved_here)], 900u);
}

TEST(RenderingDiff, TheWindowStartsAFewRunsBeforeTheFirstDifference) {
  std::vector<std::int64_t> rendered;
  for (std::int64_t id = 1; id <= 100; ++id) {
    if (id != 2 && id != 4 && id != 6 && id != 50) rendered.push_back(id);
  }
  RenderingDiffLimits limits;
  limits.runs_shown_max = 4;
  limits.runs_before_first_difference = 1;
  const RenderingDiff diff = Lists(1, 100, rendered).diff(limits);
  EXPECT_EQ(diff.first_difference_run, 1u);
  EXPECT_EQ(diff.first_shown_run, 0u);
  ASSERT_EQ(diff.runs.size(), 4u);
  EXPECT_EQ(diff.runs_total, 9u) << "1 | 2 lost | 3 | 4 lost | 5 | 6 lost | 7..49 | 50 lost | 51..100";
}

TEST(RenderingDiff, UnexpectedAndAlteredIdsAreNamed) {
  Lists lists(1, 3, {1, 2, 99, 3});
  lists.contents[1] = "changed";
  lists.rendered[1].content = lists.contents[1];
  const RenderingDiff diff = lists.diff();
  ASSERT_EQ(diff.runs.size(), 4u);
  EXPECT_EQ(diff.runs[1].kind, DiffKind::altered);
  EXPECT_EQ(diff.runs[1].rendered_content, "changed");
  EXPECT_EQ(diff.runs[1].log_content, "m2");
  EXPECT_EQ(diff.runs[2].kind, DiffKind::unexpected);
  EXPECT_EQ(diff.runs[2].first_id, 99);
}

TEST(RenderingDiff, A20000IdListStaysWithinTheRowLimitAroundTheFirstDifference) {
  // Every tenth id from 5,000 on is lost (1,501 ids): far more runs than shown.
  std::vector<std::int64_t> rendered;
  for (std::int64_t id = 1; id <= 20000; ++id) {
    if (id < 5000 || id % 10 != 0) rendered.push_back(id);
  }
  RenderingDiffLimits limits;
  limits.runs_shown_max = 120;
  const RenderingDiff diff = Lists(1, 20000, rendered).diff(limits);
  EXPECT_EQ(diff.runs.size(), limits.runs_shown_max);
  EXPECT_GT(diff.runs_total, 3000u);
  EXPECT_EQ(diff.rows_per_kind[static_cast<std::size_t>(DiffKind::lost)], 1501u);
  EXPECT_EQ(diff.runs[0].kind, DiffKind::equal);
  EXPECT_EQ(diff.runs[0].last_id, 4999);
  ASSERT_EQ(diff.first_difference_run, 1u);
  EXPECT_EQ(diff.first_shown_run, 0u) << "the equal run before the first difference is shown";
  EXPECT_EQ(diff.runs[1].kind, DiffKind::lost);
  EXPECT_EQ(diff.runs[1].first_id, 5000);
}

}  // namespace
}  // namespace resync::reports
