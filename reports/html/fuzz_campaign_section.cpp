#include "reports/html/fuzz_campaign_section.hpp"

#include <cstdio>

#include "reports/html/html_escape.hpp"

namespace resync::reports {
namespace {

std::string definition(std::string_view term, std::string_view value_html) {
  return "<dt>" + escape_html_text(term) + "</dt><dd>" + std::string(value_html) + "</dd>";
}

std::string code(std::string_view text) { return "<code>" + escape_html_text(text) + "</code>"; }

std::string command_block(std::string_view label, std::string_view command) {
  return "<div class=\"command\"><span class=\"command-label\">" + escape_html_text(label) +
         "</span><pre class=\"command-text\">" + escape_html_text(command) + "</pre></div>";
}

std::string seconds_text(double seconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.2f s", seconds);
  return text;
}

}  // namespace

std::string fuzz_campaign_section_html(const FuzzCampaignSummary& campaign) {
  const double per_second = campaign.seconds > 0 ? static_cast<double>(campaign.runs) / campaign.seconds : 0;
  char rate[32];
  std::snprintf(rate, sizeof rate, "%.0f runs/s", per_second);

  std::string html = "<section id=\"campaign\" class=\"campaign\">\n<h2>Fuzz campaign</h2>\n<dl class=\"facts\">";
  html += definition("runs", escape_html_text(std::to_string(campaign.runs)));
  html += definition("time", escape_html_text(seconds_text(campaign.seconds) + " (" + rate + ")"));
  html += definition("seed", code(campaign.seed));
  html += definition("mode", escape_html_text(campaign.mode));
  html += definition("delivery", escape_html_text(campaign.delivery));
  if (!campaign.profile.empty()) html += definition("generator", escape_html_text(campaign.profile));
  html += definition("failures", escape_html_text(campaign.finding ? "1 (the campaign stops at the first)" : "0"));
  html += "</dl>\n";
  if (!campaign.command.empty()) html += command_block("repeat the campaign", campaign.command);
  if (!campaign.harness_error.empty()) {
    html += "<p class=\"problem\">A run could not be checked:</p><pre class=\"output\">" +
            escape_html_text(campaign.harness_error) + "</pre>\n";
  }
  if (!campaign.finding) {
    html += "<p class=\"all-good\">No failure found: every generated scenario ended with every client holding exactly "
            "the full ordered message set.</p>\n</section>\n";
    return html;
  }
  const FuzzFinding& finding = *campaign.finding;
  html += "<h3 class=\"finding\">Finding: run " + escape_html_text(std::to_string(finding.run_index)) + "</h3>\n";
  html += "<dl class=\"facts\">";
  html += definition("run seed", code(finding.run_seed));
  html += definition("shrunk", escape_html_text("from " + finding.original_size + " to " + finding.shrunk_size + " (" +
                                                std::to_string(finding.shrink_steps) + " shrinks in " +
                                                std::to_string(finding.shrink_runs) + " runs)"));
  html += definition("reproducer", code(finding.reproducer_path));
  if (!finding.history_path.empty()) html += definition("history", code(finding.history_path));
  html += "</dl>\n";
  html += command_block("replay in the simulator", finding.replay_sim);
  html += command_block("replay live", finding.replay_live);
  html += "<h4>Reproducer steps</h4>\n<ol class=\"steps\" id=\"reproducer-steps\">";
  for (const std::string& step : finding.steps) html += "<li><code>" + escape_html_text(step) + "</code></li>";
  html += "</ol>\n";
  if (!finding.verdict_text.empty()) {
    html += "<h4>Checker</h4>\n<pre class=\"output\">" + escape_html_text(finding.verdict_text) + "</pre>\n";
  }
  html += "</section>\n";
  return html;
}

}  // namespace resync::reports
