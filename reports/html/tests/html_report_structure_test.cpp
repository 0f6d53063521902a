// The page: golden structure (elements, ids, counts, the embedded data), not golden bytes,
// and that text from servers and scenarios cannot become markup or script.
#include "reports/html/html_report_writer.hpp"

#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "reports/html/html_escape.hpp"
#include "reports/html/report_resources.hpp"
#include "reports/html/sha256.hpp"
#include "reports/html/tests/report_test_histories.hpp"

namespace resync::reports {
namespace {

using nlohmann::json;

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + needle.size())) ++count;
  return count;
}

ScenarioReport report_of(const testing::TimedHistory& timed, const std::string& path) {
  const history::History history = timed.build();
  return build_scenario_report(history, checker::check_history(history), path);
}

testing::TimedHistory passing_history() {
  testing::TimedHistory timed({"solo"}, "quiet-run");
  timed.connects(0, "solo").sends(5, "solo", "hi").renders(6, "solo", 1, "hi");
  timed.committed({{1, "hi", std::nullopt}}).finishes(50);
  return timed;
}

// Names and texts that would be markup if they were not escaped. The scenario name and
// client names come from the history, which a hand-edited file can make anything.
testing::TimedHistory hostile_history() {
  testing::TimedHistory timed({"\"><script>window.__xss=1</script>"}, "<svg onload=alert(1)>");
  const std::string client = "\"><script>window.__xss=1</script>";
  timed.connects(0, client).sends(5, client, "<img src=x onerror=alert(1)>\u2028<!--");
  timed.renders(6, client, 1, "<img src=x onerror=alert(1)>\u2028<!--");
  timed.renders(7, client, 1, "<img src=x onerror=alert(1)>\u2028<!--");
  timed.at(8, history::ServerFailed{"</script><script>alert(2)</script>"});
  timed.committed({{1, "<img src=x onerror=alert(1)>\u2028<!--", std::nullopt}}).finishes(50);
  return timed;
}

std::string page_of(std::vector<ScenarioReport> scenarios) {
  ReportPage page;
  page.scenarios = std::move(scenarios);
  sort_failures_first(page.scenarios);
  std::ostringstream output;
  write_html_report(page, output);
  return output.str();
}

// The JSON of every data block, in page order.
std::vector<json> data_blocks(const std::string& page) {
  std::vector<json> blocks;
  const std::regex block(R"re(<script type="application/json" id="scenario-data-(\d+)" class="scenario-data">)re");
  for (auto match = std::sregex_iterator(page.begin(), page.end(), block); match != std::sregex_iterator(); ++match) {
    const std::size_t start = static_cast<std::size_t>(match->position(0) + match->length(0));
    const std::size_t end = page.find("</script>", start);
    blocks.push_back(json::parse(page.substr(start, end - start)));
    EXPECT_EQ(std::stoul((*match)[1]), blocks.size() - 1);
  }
  return blocks;
}

TEST(HtmlReportPage, HasTheSummaryRowsFailuresFirstAndOneDataBlockPerScenario) {
  const std::string page = page_of({report_of(passing_history(), "runs/1/history.jsonl"),
                                    report_of(testing::race_after_reconnect(), "runs/2/history.jsonl")});
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(count_of(page, "<tr class=\"scenario-row"), 2u);
  EXPECT_EQ(count_of(page, "<tr class=\"detail-row\""), 2u);
  EXPECT_LT(page.find("id=\"row-0\""), page.find("id=\"row-1\""));
  // Row 0 is the failure although it was given second.
  const std::size_t row_0 = page.find("id=\"row-0\"");
  EXPECT_NE(page.find("data-status=\"failed\"", row_0), std::string::npos);
  EXPECT_LT(page.find("race-after-reconnect"), page.find("quiet-run"));
  EXPECT_NE(page.find("id=\"summary-table\""), std::string::npos);
  EXPECT_NE(page.find("data-filter=\"not-passed\""), std::string::npos);
  EXPECT_NE(page.find("data-passed=\"1\" data-failed=\"1\" data-unknown=\"0\""), std::string::npos);

  const std::vector<json> blocks = data_blocks(page);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0]["name"], "race-after-reconnect");
  EXPECT_EQ(blocks[0]["status"], "failed");
  EXPECT_EQ(blocks[0]["timeline"]["lanes"].size(), 2u);
  EXPECT_EQ(blocks[1]["name"], "quiet-run");
  EXPECT_EQ(blocks[1]["anomalies"]["total"], 0);
  // Data blocks plus the page's two scripts (flow_diagram.js, report_script.js); no other.
  EXPECT_EQ(count_of(page, "<script"), 4u);
}

// A scenario that was not run (its target lacks what it needs) is neither passing nor
// "not passing": it gets its own filter, and the "Not passing" count leaves it out.
TEST(HtmlReportPage, NotApplicableScenariosHaveTheirOwnFilterAndAreNotCountedAsNotPassing) {
  const std::string page = page_of({report_of(passing_history(), "runs/1/history.jsonl"),
                                    scenario_report_not_applicable("acked-retries", "scenarios/acked-retries.json",
                                                                   "target does not acknowledge `chat message`")});
  EXPECT_NE(page.find("data-status=\"not-applicable\""), std::string::npos);
  EXPECT_NE(page.find("data-filter=\"not-applicable\" aria-pressed=\"false\">not applicable <b>1</b>"), std::string::npos);
  EXPECT_NE(page.find("data-filter=\"not-passed\" aria-pressed=\"false\">Not passing <b>0</b>"), std::string::npos);
  // The script's "Not passing" filter shows failed and unknown rows only.
  EXPECT_NE(report_script_js().find("filter === 'not-passed' ? status === 'failed' || status === 'unknown'"), std::string::npos);
  const std::string without = page_of({report_of(passing_history(), "runs/1/history.jsonl")});
  EXPECT_EQ(without.find("data-filter=\"not-applicable\""), std::string::npos);
}

TEST(HtmlReportPage, IsSelfContained) {
  const std::string page = page_of({report_of(testing::race_after_reconnect(), "h.jsonl")});
  for (const char* reference : {"src=\"http", "href=\"http", "<link", "@import", "url(http", "fetch(", "XMLHttpRequest"}) {
    EXPECT_EQ(page.find(reference), std::string::npos) << reference;
  }
  EXPECT_NE(page.find("<style>"), std::string::npos);
}

TEST(HtmlReportPage, ContentSecurityPolicyAllowsOnlyItsOwnStyleAndScript) {
  const std::string page = page_of({});
  const std::string policy = report_content_security_policy();
  EXPECT_NE(policy.find("default-src 'none'"), std::string::npos);
  EXPECT_NE(policy.find("script-src " + csp_hash_source(report_script_js())), std::string::npos);
  EXPECT_NE(policy.find("style-src " + csp_hash_source(report_style_css())), std::string::npos);
  EXPECT_EQ(policy.find("unsafe-inline"), std::string::npos);
  EXPECT_NE(page.find("http-equiv=\"Content-Security-Policy\" content=\"" + escape_html_attribute(policy) + "\""),
            std::string::npos);
  // The hashed texts are exactly what the page holds.
  EXPECT_NE(page.find("<script>" + std::string(report_script_js()) + "</script>"), std::string::npos);
  EXPECT_NE(page.find("<style>" + std::string(report_style_css()) + "</style>"), std::string::npos);
}

TEST(HtmlReportPage, TextFromServersAndScenariosStaysText) {
  const std::string page = page_of({report_of(hostile_history(), "runs/<b>/history.jsonl")});
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(page.find("<svg onload"), std::string::npos);
  EXPECT_EQ(page.find("runs/<b>"), std::string::npos);
  EXPECT_EQ(page.find("<!--"), std::string::npos);
  EXPECT_EQ(page.find("\u2028"), std::string::npos);
  EXPECT_EQ(count_of(page, "<script"), 3u) << "one data block and the page's own two scripts";
  EXPECT_EQ(count_of(page, "</script>"), 3u);
  EXPECT_NE(page.find("&lt;svg onload=alert(1)&gt;"), std::string::npos);

  // The data still holds the exact text, for the script to show with textContent.
  const std::vector<json> blocks = data_blocks(page);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0]["name"], "<svg onload=alert(1)>");
  EXPECT_EQ(blocks[0]["history"], "runs/<b>/history.jsonl");
  EXPECT_EQ(blocks[0]["clients"][0]["name"], "\"><script>window.__xss=1</script>");
  EXPECT_EQ(blocks[0]["clients"][0]["diff"]["runs"][0][7], "<img src=x onerror=alert(1)>\u2028<!--");
  EXPECT_EQ(blocks[0]["server_error_output"], "</script><script>alert(2)</script>");
}

TEST(HtmlReportPage, TheScriptNeverParsesMarkup) {
  const std::string_view script = report_script_js();
  for (const char* sink : {".innerHTML", ".outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"}) {
    EXPECT_EQ(script.find(sink), std::string_view::npos) << sink;
  }
}

TEST(ReportResources, AreAsciiSoTheyEmbedByteForByte) {
  for (std::string_view resource : {report_script_js(), report_style_css()}) {
    for (char character : resource) ASSERT_LT(static_cast<unsigned char>(character), 0x80);
    EXPECT_GT(resource.size(), 1000u);
  }
}

TEST(FuzzCampaignPage, ShowsTheFindingWithItsStepsAndReplayCommands) {
  ReportPage page;
  FuzzCampaignSummary& campaign = page.campaign.emplace();
  campaign.mode = "sim";
  campaign.delivery = "tutorial";
  campaign.seed = "42";
  campaign.runs = 2000;
  campaign.seconds = 4.0;
  FuzzFinding finding;
  finding.run_index = 17;
  finding.run_seed = "123";
  finding.reproducer_path = "found/fuzz-seed42-run17.json";
  finding.replay_sim = "resync run found/fuzz-seed42-run17.json --mode sim --seed 123";
  finding.replay_live = "resync run found/fuzz-seed42-run17.json --seed 123";
  finding.steps = {R"({"at_ms":0,"send":{"clients":"a","content_prefix":"<i>x</i>"}})", R"({"at_ms":5,"connect":"b"})"};
  campaign.finding = finding;
  std::ostringstream output;
  write_html_report(page, output);
  const std::string html = output.str();
  EXPECT_NE(html.find("id=\"campaign\""), std::string::npos);
  EXPECT_EQ(count_of(html, "<li><code>"), 2u);
  EXPECT_EQ(html.find("<i>"), std::string::npos);
  EXPECT_NE(html.find("resync run found/fuzz-seed42-run17.json --mode sim --seed 123"), std::string::npos);
  EXPECT_NE(html.find("500 runs/s"), std::string::npos);
}

}  // namespace
}  // namespace resync::reports
