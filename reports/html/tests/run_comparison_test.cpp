#include "reports/html/run_comparison.hpp"

#include <sstream>

#include <gtest/gtest.h>

namespace resync::reports {
namespace {

ScenarioReport scenario(const std::string& name, const std::string& verdict, checker::CheckStatus status,
                        std::optional<std::string> root_explanation = std::nullopt) {
  ScenarioReport report;
  report.summary.name = name;
  report.summary.verdict = verdict;
  report.summary.status = status;
  report.summary.expected = "valid";
  report.summary.history_path = "/runs/" + name + "/history.jsonl";
  if (root_explanation) {
    RootLine root;
    root.client = "bob";
    root.kind = "reordered";
    root.t_ms = 480;
    root.explanation = *root_explanation;
    report.triage.root = root;
    report.summary.anomaly_counts[static_cast<std::size_t>(checker::AnomalyKind::reordered)] = 3;
  }
  return report;
}

TEST(RunComparison, ChangedFirstThenOneRunOnlyThenUnchangedEachByName) {
  const std::vector<ScenarioReport> a = {
      scenario("zeta", "valid", checker::CheckStatus::passed),
      scenario("race", "invalid", checker::CheckStatus::failed, "the catch-up interleaved with a live broadcast"),
      scenario("gone", "valid", checker::CheckStatus::passed),
      scenario("alpha", "valid", checker::CheckStatus::passed),
  };
  const std::vector<ScenarioReport> b = {
      scenario("alpha", "valid", checker::CheckStatus::passed),
      scenario("race", "valid", checker::CheckStatus::passed),
      scenario("zeta", "valid", checker::CheckStatus::passed),
      scenario("new", "invalid", checker::CheckStatus::failed, "lost after a restart"),
  };
  const RunComparisonResult result = compare_runs(a, b, "before", "after");
  ASSERT_TRUE(result.comparison) << result.error;
  const RunComparison& comparison = *result.comparison;
  std::vector<std::string> order;
  for (const ComparedScenario& compared : comparison.scenarios) order.push_back(compared.name);
  EXPECT_EQ(order, (std::vector<std::string>{"race", "gone", "new", "alpha", "zeta"}));
  EXPECT_EQ(comparison.scenarios[0].change, ComparisonChange::changed);
  EXPECT_EQ(comparison.scenarios[1].change, ComparisonChange::only_in_a);
  EXPECT_EQ(comparison.scenarios[2].change, ComparisonChange::only_in_b);
  EXPECT_EQ(comparison.count(ComparisonChange::unchanged), 2U);
  // The root anomaly of each side, in both runs.
  EXPECT_NE(comparison.scenarios[0].a->root.find("the catch-up interleaved with a live broadcast"), std::string::npos)
      << comparison.scenarios[0].a->root;
  EXPECT_EQ(comparison.scenarios[0].b->root, "");
  EXPECT_TRUE(comparison.scenarios[0].root_changed);
  EXPECT_EQ(comparison.scenarios[0].a->anomaly_counts, "reordered 3");
  EXPECT_FALSE(comparison.scenarios[2].a);
}

TEST(RunComparison, SameVerdictButDifferentStatusIsAChange) {
  // The same invalid verdict, but B expected it: B passes, A fails.
  const RunComparisonResult result = compare_runs({scenario("race", "invalid", checker::CheckStatus::failed, "x")},
                                                  {scenario("race", "invalid", checker::CheckStatus::passed, "x")}, "a", "b");
  ASSERT_TRUE(result.comparison);
  EXPECT_EQ(result.comparison->scenarios.at(0).change, ComparisonChange::changed);
  EXPECT_FALSE(result.comparison->scenarios.at(0).root_changed);
}

TEST(RunComparison, ANameTwiceInOneRunIsAnErrorNamingBothHistories) {
  const RunComparisonResult result = compare_runs(
      {scenario("race", "valid", checker::CheckStatus::passed), scenario("race", "valid", checker::CheckStatus::passed)},
      {}, "dir-a", "dir-b");
  EXPECT_FALSE(result.comparison);
  EXPECT_NE(result.error.find("scenario 'race' appears twice in dir-a"), std::string::npos) << result.error;
  EXPECT_NE(result.error.find("/runs/race/history.jsonl"), std::string::npos) << result.error;
}

TEST(RunComparison, PageListsChangesAndCollapsesUnchangedWithEscapedText) {
  const RunComparisonResult result =
      compare_runs({scenario("<b>race</b>", "invalid", checker::CheckStatus::failed, "ids <1>"),
                    scenario("calm", "valid", checker::CheckStatus::passed)},
                   {scenario("<b>race</b>", "valid", checker::CheckStatus::passed),
                    scenario("calm", "valid", checker::CheckStatus::passed)},
                   "A&dir", "B");
  ASSERT_TRUE(result.comparison);
  std::ostringstream page;
  write_comparison_html(*result.comparison, page);
  const std::string html = page.str();
  EXPECT_NE(html.find("1 changed"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;race&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<b>race</b>"), std::string::npos);
  EXPECT_NE(html.find("ids &lt;1&gt;"), std::string::npos);
  EXPECT_NE(html.find("A&amp;dir"), std::string::npos);
  EXPECT_NE(html.find("<details>\n<summary>1 unchanged scenarios</summary>"), std::string::npos);
  EXPECT_NE(html.find("<th scope=\"row\">calm</th>"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);  // a static page
}

}  // namespace
}  // namespace resync::reports
