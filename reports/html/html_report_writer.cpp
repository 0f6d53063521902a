#include "reports/html/html_report_writer.hpp"

#include <array>
#include <cstdio>

#include "reports/html/html_escape.hpp"
#include "reports/html/report_resources.hpp"
#include "reports/html/sha256.hpp"
#include "sim/checker/anomaly.hpp"

namespace resync::reports {
namespace {

std::string duration_text(std::int64_t milliseconds) {
  if (milliseconds < 1000) return std::to_string(milliseconds) + " ms";
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", static_cast<double>(milliseconds) / 1000.0);
  return text;
}

std::string_view status_label(checker::CheckStatus status) {
  switch (status) {
    case checker::CheckStatus::passed:
      return "PASS";
    case checker::CheckStatus::failed:
      return "FAIL";
    case checker::CheckStatus::unknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

struct Totals {
  std::size_t passed = 0, failed = 0, unknown = 0, not_applicable = 0;
  std::size_t valid = 0, invalid = 0, unknown_verdict = 0;
};

Totals count(const std::vector<ScenarioReport>& scenarios) {
  Totals totals;
  for (const ScenarioReport& scenario : scenarios) {
    const ScenarioSummary& summary = scenario.summary;
    if (!summary.not_applicable_reason.empty()) {
      ++totals.not_applicable;
      continue;
    }
    (summary.status == checker::CheckStatus::passed   ? totals.passed
     : summary.status == checker::CheckStatus::failed ? totals.failed
                                                      : totals.unknown)++;
    (summary.verdict == "valid" ? totals.valid : summary.verdict == "invalid" ? totals.invalid : totals.unknown_verdict)++;
  }
  return totals;
}

std::string anomaly_chips(const ScenarioSummary& summary) {
  std::string html;
  for (checker::AnomalyKind kind : checker::all_anomaly_kinds) {
    const std::size_t count = summary.anomaly_counts[static_cast<std::size_t>(kind)];
    if (count == 0) continue;
    const std::string name(checker::anomaly_kind_name(kind));
    html += "<span class=\"chip kind-" + name + "\" data-kind=\"" + name + "\">" + escape_html_text(name) + " <b>" +
            std::to_string(count) + "</b></span>";
  }
  return html.empty() ? "<span class=\"none\">none</span>" : html;
}

constexpr int summary_columns = 11;

void write_summary_row(const ScenarioReport& scenario, std::size_t index, std::ostream& output) {
  const ScenarioSummary& summary = scenario.summary;
  const std::string status(row_status_name(summary));
  const std::string index_text = std::to_string(index);
  output << "<tr class=\"scenario-row status-" << status << "\" id=\"row-" << index_text << "\" data-index=\""
         << index_text << "\" data-status=\"" << status << "\" data-verdict=\""
         << escape_html_attribute(summary.verdict) << "\" tabindex=\"0\" aria-expanded=\"false\" aria-controls=\"detail-row-"
         << index_text << "\">"
         << "<td><span class=\"badge " << status << "\">" << (summary.not_applicable_reason.empty() ? status_label(summary.status) : "N/A") << "</span></td>"
         << "<td class=\"name\"><span class=\"scenario-name\">" << escape_html_text(summary.name) << "</span>";
  if (!summary.headline.empty()) output << "<div class=\"headline\">" << escape_html_text(summary.headline) << "</div>";
  output << "</td>"
         << "<td><span class=\"verdict " << escape_html_attribute(summary.verdict) << "\">"
         << escape_html_text(summary.verdict) << "</span></td>"
         << "<td class=\"expected\">" << escape_html_text(summary.expected) << "</td>"
         << "<td class=\"counts\">" << anomaly_chips(summary) << "</td>";
  // Without a readable history there is nothing to count: a dash, not a misleading 0.
  const bool read = scenario.read_error.empty();
  const auto number = [&](const std::string& text) { return "<td class=\"number\">" + (read ? text : "\u2014") + "</td>"; };
  output << number(std::to_string(summary.clients)) << number(std::to_string(summary.messages))
         << number(std::to_string(summary.faults)) << number(duration_text(summary.duration_ms))
         << "<td class=\"seed\"><code>" << escape_html_text(summary.seed) << "</code></td>"
         << "<td>" << escape_html_text(summary.mode) << "</td></tr>\n";
  output << "<tr class=\"detail-row\" id=\"detail-row-" << index_text << "\" hidden><td colspan=\"" << summary_columns
         << "\"><div class=\"scenario-detail\" id=\"scenario-" << index_text << "\" data-index=\"" << index_text
         << "\"></div></td></tr>\n";
}

void write_filters(const Totals& totals, std::size_t scenarios, std::ostream& output) {
  const auto button = [&](std::string_view filter, std::string_view label, std::size_t number, bool active) {
    output << "<button type=\"button\" class=\"filter" << (active ? " active" : "") << "\" data-filter=\"" << filter
           << "\" aria-pressed=\"" << (active ? "true" : "false") << "\">" << label << " <b>" << number << "</b></button>";
  };
  output << "<div class=\"filters\" role=\"group\" aria-label=\"Filter scenarios\">";
  button("all", "All", scenarios, true);
  button("not-passed", "Not passing", totals.failed + totals.unknown, false);
  output << "<span class=\"filter-separator\">verdict:</span>";
  button("valid", "valid", totals.valid, false);
  button("invalid", "invalid", totals.invalid, false);
  button("unknown", "unknown", totals.unknown_verdict, false);
  if (totals.not_applicable > 0) button("not-applicable", "not applicable", totals.not_applicable, false);
  output << "</div>\n";
}

}  // namespace

std::string report_content_security_policy() {
  return "default-src 'none'; style-src " + csp_hash_source(report_style_css()) + "; script-src " +
         csp_hash_source(report_script_js()) + " " + csp_hash_source(flow_diagram_js()) + "; img-src data:; base-uri 'none'; form-action 'none'";
}

void write_html_report(const ReportPage& page, std::ostream& output) {
  const Totals totals = count(page.scenarios);
  const std::string title = page.title + " \u2014 " + std::to_string(page.scenarios.size()) + " scenarios, " +
                            std::to_string(totals.failed + totals.unknown) + " not passing";
  output << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         << "<meta http-equiv=\"Content-Security-Policy\" content=\"" << escape_html_attribute(report_content_security_policy())
         << "\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         << "<meta name=\"generator\" content=\"resync report\">\n"
         << "<title>" << escape_html_text(title) << "</title>\n"
         << "<style>" << report_style_css() << "</style>\n</head>\n<body>\n";

  output << "<header class=\"page-header\"><h1>" << escape_html_text(page.title) << "</h1>"
         << "<p class=\"totals\" id=\"totals\" data-scenarios=\"" << page.scenarios.size() << "\" data-passed=\""
         << totals.passed << "\" data-failed=\"" << totals.failed << "\" data-unknown=\"" << totals.unknown << "\">"
         << page.scenarios.size() << " scenarios: <span class=\"passed\">" << totals.passed << " passed</span>, "
         << "<span class=\"failed\">" << totals.failed << " failed</span>, <span class=\"unknown\">" << totals.unknown
         << " unknown</span>";
  if (totals.not_applicable > 0) {
    output << ", <span class=\"not-applicable\">" << totals.not_applicable << " not applicable</span>";
  }
  output << "</p></header>\n<main>\n";
  output << "<noscript><p class=\"problem\">The summary below works without JavaScript; timelines and message lists "
            "need it.</p></noscript>\n";
  if (page.campaign) output << fuzz_campaign_section_html(*page.campaign);

  output << "<section id=\"summary\" class=\"summary\">\n<h2>Scenarios</h2>\n";
  write_filters(totals, page.scenarios.size(), output);
  output << "<table id=\"summary-table\" class=\"summary-table\">\n<thead><tr><th>status</th><th>scenario</th>"
            "<th>verdict</th><th>expected</th><th>anomalies</th><th>clients</th><th>messages</th><th>faults</th>"
            "<th>duration</th><th>seed</th><th>mode</th></tr></thead>\n<tbody>\n";
  for (std::size_t index = 0; index < page.scenarios.size(); ++index) {
    write_summary_row(page.scenarios[index], index, output);
  }
  output << "</tbody>\n</table>\n";
  if (page.scenarios.empty()) output << "<p class=\"none\">No histories were given.</p>\n";
  output << "</section>\n</main>\n";

  // Data after the table: the summary is on screen before the parser reaches the big blocks.
  for (std::size_t index = 0; index < page.scenarios.size(); ++index) {
    output << "<script type=\"application/json\" id=\"scenario-data-" << index << "\" class=\"scenario-data\">"
           << json_for_script_element(page.scenarios[index].details) << "</script>\n";
  }
  output << "<div id=\"tooltip\" class=\"tooltip\" role=\"tooltip\" hidden></div>\n";
  // The flow diagram first: report_script.js draws it through window.resyncFlow.
  output << "<script>" << flow_diagram_js() << "</script>\n";
  output << "<script>" << report_script_js() << "</script>\n</body>\n</html>\n";
}

}  // namespace resync::reports
