#include "reports/html/html_report_writer.hpp"

#include <array>
#include <cstdio>

#include "reports/html/html_escape.hpp"
#include "reports/html/report_resources.hpp"
#include "reports/html/run_evidence.hpp"
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

// The index's columns: label, and whether the column sorts as a number (report_script.js
// sorts by each cell's data-sort).
struct SummaryColumn {
  std::string_view label;
  bool numeric;
};
constexpr std::array<SummaryColumn, 12> summary_columns{{{"status", true},
                                                         {"scenario", false},
                                                         {"verdict", false},
                                                         {"expected", false},
                                                         {"anomalies", true},
                                                         {"worst client", false},
                                                         {"clients", true},
                                                         {"messages", true},
                                                         {"faults", true},
                                                         {"duration", true},
                                                         {"seed", false},
                                                         {"mode", false}}};

int status_rank(const ScenarioSummary& summary) {
  if (!summary.not_applicable_reason.empty()) return 3;
  return summary.status == checker::CheckStatus::failed ? 0 : summary.status == checker::CheckStatus::unknown ? 1 : 2;
}

std::size_t invalid_anomalies(const ScenarioSummary& summary) {
  std::size_t total = 0;
  for (checker::AnomalyKind kind : checker::all_anomaly_kinds) {
    if (checker::makes_run_invalid(kind)) total += summary.anomaly_counts[static_cast<std::size_t>(kind)];
  }
  return total;
}

std::string sorted_cell(std::string_view css_class, const std::string& sort_key, const std::string& html) {
  return "<td" + (css_class.empty() ? std::string() : " class=\"" + std::string(css_class) + "\"") + " data-sort=\"" +
         escape_html_attribute(sort_key) + "\">" + html + "</td>";
}

void write_name_cell(const ScenarioReport& scenario, std::ostream& output) {
  const ScenarioSummary& summary = scenario.summary;
  const ScenarioTriage& triage = scenario.triage;
  output << "<td class=\"name\" data-sort=\"" << escape_html_attribute(summary.name) << "\"><span class=\"scenario-name\">"
         << escape_html_text(summary.name) << "</span>";
  if (!triage.description.empty()) {
    output << "<div class=\"description\" title=\"" << escape_html_attribute(triage.description) << "\">"
           << escape_html_text(triage.description) << "</div>";
  }
  if (triage.root && summary.status != checker::CheckStatus::passed) {
    output << "<div class=\"root-line\"><span class=\"root-label\">root anomaly:</span> <a class=\"root-link kind-text-"
           << escape_html_attribute(triage.root->kind) << "\" href=\""
           << escape_html_attribute(deep_link(summary.name, triage.root->client, triage.root->t_ms)) << "\">"
           << escape_html_text(root_line_text(*triage.root)) << "</a>";
    if (triage.root->other_causes > 0) output << " <span class=\"more\">+" << triage.root->other_causes << " more</span>";
    output << "</div>";
  }
  if (!summary.headline.empty()) output << "<div class=\"headline\">" << escape_html_text(summary.headline) << "</div>";
  output << "</td>";
}

void write_summary_row(const ScenarioReport& scenario, std::size_t index, const std::filesystem::path& page_directory,
                       std::ostream& output) {
  const ScenarioSummary& summary = scenario.summary;
  const std::string status(row_status_name(summary));
  const std::string index_text = std::to_string(index);
  output << "<tr class=\"scenario-row status-" << status << "\" id=\"row-" << index_text << "\" data-index=\""
         << index_text << "\" data-name=\"" << escape_html_attribute(summary.name) << "\" data-status=\"" << status
         << "\" data-verdict=\"" << escape_html_attribute(summary.verdict)
         << "\" tabindex=\"0\" aria-expanded=\"false\" aria-controls=\"detail-row-" << index_text << "\">"
         << sorted_cell("", std::to_string(status_rank(summary)),
                        "<span class=\"badge " + status + "\">" +
                            std::string(summary.not_applicable_reason.empty() ? status_label(summary.status) : "N/A") + "</span>");
  write_name_cell(scenario, output);
  output << sorted_cell("", summary.verdict,
                        "<span class=\"verdict " + escape_html_attribute(summary.verdict) + "\">" + escape_html_text(summary.verdict) + "</span>")
         << sorted_cell("expected", summary.expected, escape_html_text(summary.expected))
         << sorted_cell("counts", std::to_string(invalid_anomalies(summary)), anomaly_chips(summary));
  const ScenarioTriage& triage = scenario.triage;
  output << sorted_cell("worst-client", triage.worst_client,
                        triage.worst_client.empty() ? "" : escape_html_text(triage.worst_client) + " <span class=\"more\">(" +
                                                               std::to_string(triage.worst_client_anomalies) + ")</span>");
  // Without a readable history there is nothing to count: a dash, not a misleading 0.
  const bool read = scenario.read_error.empty();
  const auto number = [&](std::int64_t value, const std::string& text) {
    return sorted_cell("number", read ? std::to_string(value) : "-1", read ? text : "\u2014");
  };
  output << number(static_cast<std::int64_t>(summary.clients), std::to_string(summary.clients))
         << number(static_cast<std::int64_t>(summary.messages), std::to_string(summary.messages))
         << number(static_cast<std::int64_t>(summary.faults), std::to_string(summary.faults))
         << number(summary.duration_ms, duration_text(summary.duration_ms))
         << sorted_cell("seed", summary.seed, "<code>" + escape_html_text(summary.seed) + "</code>")
         << sorted_cell("", summary.mode, escape_html_text(summary.mode)) << "</tr>\n";
  output << "<tr class=\"detail-row\" id=\"detail-row-" << index_text << "\" hidden><td colspan=\"" << summary_columns.size()
         << "\">" << (scenario.evidence.history_path.empty() ? "" : run_evidence_html(scenario.evidence, page_directory))
         << "<div class=\"scenario-detail\" id=\"scenario-" << index_text << "\" data-index=\"" << index_text
         << "\"></div></td></tr>\n";
}

void write_summary_head(std::ostream& output) {
  output << "<thead><tr>";
  for (const SummaryColumn& column : summary_columns) {
    output << "<th scope=\"col\" aria-sort=\"none\" data-type=\"" << (column.numeric ? "number" : "text")
           << "\"><button type=\"button\" class=\"sort\">" << column.label << "</button></th>";
  }
  output << "</tr></thead>\n";
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
  output << "<label class=\"search\">search <input type=\"search\" id=\"scenario-search\" "
            "placeholder=\"name, description, anomaly\" aria-controls=\"summary-table\"></label>"
         << "<span class=\"search-count\" id=\"search-count\" aria-live=\"polite\"></span>";
  output << "</div>\n";
}

}  // namespace

std::string report_content_security_policy() {
  return "default-src 'none'; style-src " + csp_hash_source(report_style_css()) + "; script-src " +
         csp_hash_source(report_script_js()) + " " + csp_hash_source(flow_diagram_js()) + "; img-src data:; base-uri 'none'; form-action 'none'";
}

void write_html_report(const ReportPage& page, std::ostream& output, const std::filesystem::path& page_directory) {
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
  output << "</p><p class=\"tool\">made by resync " << escape_html_text(report_tool_version()) << "</p></header>\n<main>\n";
  output << "<noscript><p class=\"problem\">The summary below works without JavaScript; timelines and message lists "
            "need it.</p></noscript>\n";
  if (page.campaign) output << fuzz_campaign_section_html(*page.campaign);

  output << "<section id=\"summary\" class=\"summary\">\n<h2>Scenarios</h2>\n";
  write_filters(totals, page.scenarios.size(), output);
  output << "<div class=\"summary-scroll\"><table id=\"summary-table\" class=\"summary-table\">\n"
         << "<caption class=\"visually-hidden\">Scenarios, failures first; sort by a column with its header</caption>\n";
  write_summary_head(output);
  output << "<tbody>\n";
  for (std::size_t index = 0; index < page.scenarios.size(); ++index) {
    write_summary_row(page.scenarios[index], index, page_directory, output);
  }
  output << "</tbody>\n</table></div>\n";
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
