#pragma once
// What the index shows of a scenario so a reader can triage it without opening it: what the
// scenario was meant to prove (its description), the root anomaly in one line, the worst
// client, and why it did not pass without repeating the verdict columns. A pure function of
// a history and its check result.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "reports/html/scenario_analysis.hpp"
#include "sim/checker/check_history.hpp"
#include "sim/history/history.hpp"

namespace resync::reports {

// The earliest root cause (CheckResult::root_causes), or, while the checker names none, the
// earliest invalidating anomaly.
struct RootLine {
  std::string client;  // "" for a run-wide anomaly
  std::string kind;
  std::optional<std::int64_t> id;
  std::optional<std::int64_t> span_first_id;  // the ids its consequences cover
  std::optional<std::int64_t> span_last_id;
  std::int64_t t_ms = 0;
  std::string active_fault;  // "" when no fault was active then
  std::string explanation;   // the cause's sentence, or the anomaly's detail
  std::size_t other_causes = 0;  // further root causes of the run
};

struct ScenarioTriage {
  std::string description;  // the scenario's, from run_started ("" in older histories)
  std::optional<RootLine> root;
  std::string worst_client;  // most invalidating anomalies, ties to the earliest; "" when none
  std::size_t worst_client_anomalies = 0;
  // Why it did not pass, beyond the verdict and expectation the row shows already: the kinds
  // that did not match, or why the verdict is unknown. "" when there is nothing more to say.
  std::string headline;
};

ScenarioTriage triage_scenario(const history::History& history, const checker::CheckResult& result,
                               const ScenarioAnalysis& analysis);

// "bob · reordered · ids 101..1074 · at 480 ms · during timeout "bob-link" (...) · EXPLANATION".
std::string root_line_text(const RootLine& root);

// "#SCENARIO/CLIENT/T" with each part percent-encoded (report_script.js decodes it): opens
// that scenario and client and moves the timeline to T.
std::string deep_link(const std::string& scenario, const std::string& client, std::int64_t t_ms);

// {description, root: {client, kind, id, span: [first, last] | null, t, fault, explanation,
// text, link, other_causes} | null, worst_client, worst_client_anomalies, headline}
nlohmann::json triage_json(const ScenarioTriage& triage, const std::string& scenario);

}  // namespace resync::reports
