#pragma once
// The report page: one self-contained HTML file (inline CSS, JavaScript and SVG; no network,
// opens from disk). The summary table is plain HTML, so it reads even without scripts; each
// scenario's details are embedded once as JSON and drawn by the script when opened, so a
// page with a 50-client, 20,000-message run still opens at once.
//
// Safety: outside text goes into the page only through html_escape.hpp (HTML) or
// json_for_script_element (JSON data blocks); the script builds its DOM with textContent
// and setAttribute, never from markup. A Content-Security-Policy allows only this page's own
// style and script (by hash) and no connections, so even markup that slipped through could
// run nothing and fetch nothing.
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "reports/html/fuzz_campaign_section.hpp"
#include "reports/html/scenario_report.hpp"

namespace resync::reports {

struct ReportPage {
  std::string title = "Resync report";
  std::vector<ScenarioReport> scenarios;  // shown in this order (see sort_failures_first)
  std::optional<FuzzCampaignSummary> campaign;
};

// Links to history files and server logs are relative to `page_directory` (where the page is written).
void write_html_report(const ReportPage& page, std::ostream& output, const std::filesystem::path& page_directory = {});

// The Content-Security-Policy the page carries (hashes of its style and script).
std::string report_content_security_policy();

}  // namespace resync::reports
