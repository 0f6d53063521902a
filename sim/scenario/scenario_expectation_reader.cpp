// $.expect: {"verdict": "valid" | "invalid" | "unknown", "anomalies": [kinds]}. The anomaly
// kinds are the checker's (docs/HISTORY.md).
#include <algorithm>

#include "sim/scenario/scenario_json_reader.hpp"
#include "sim/scenario/scenario_parts.hpp"

namespace resync::sim::scenario_parts {
namespace {

const std::vector<std::string_view> kAnomalyKinds = {
    "lost",    "duplicated",          "reordered",   "unexpected",
    "altered", "acknowledged_not_stored", "sent_unknown", "no_convergence",
};
// The only kind a `valid` run may report: it is informational (docs/HISTORY.md).
const std::string_view kInformationalKind = "sent_unknown";

std::string kinds_text() {
  std::string text;
  for (std::string_view kind : kAnomalyKinds) text += (text.empty() ? "" : ", ") + std::string(kind);
  return text;
}

void read_anomalies(const nlohmann::json& value, const std::string& path, Expectation& expectation,
                    ScenarioErrors& errors) {
  if (!value.is_array()) {
    errors.add(path, scenario_json::describe(value), "an array of anomaly kinds (" + kinds_text() + ")",
               R"(write e.g. ["duplicated", "reordered"] or [])");
    return;
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string item_path = scenario_json::element_path(path, i);
    const nlohmann::json& item = value[i];
    const bool known = item.is_string() && std::find(kAnomalyKinds.begin(), kAnomalyKinds.end(),
                                                     item.get_ref<const std::string&>()) != kAnomalyKinds.end();
    if (!known) {
      errors.add(item_path, scenario_json::describe(item), "an anomaly kind: one of " + kinds_text(),
                 "use the kinds of docs/HISTORY.md, spelled exactly");
      continue;
    }
    const std::string kind = item.get<std::string>();
    if (std::find(expectation.anomalies.begin(), expectation.anomalies.end(), kind) != expectation.anomalies.end()) {
      errors.add(item_path, "\"" + kind + "\" a second time", "each kind at most once", "remove the repetition");
      continue;
    }
    if (expectation.verdict == Verdict::valid && kind != kInformationalKind) {
      errors.add(item_path, "\"" + kind + "\" with the verdict \"valid\"",
                 "with \"valid\", only the informational kind \"sent_unknown\" (any other kind makes a run invalid)",
                 "set \"verdict\": \"invalid\", or remove the kind");
      continue;
    }
    expectation.anomalies.push_back(kind);
  }
}

}  // namespace

Expectation read_expectation(const nlohmann::json* value, ScenarioErrors& errors) {
  Expectation expectation;
  const std::string path = "$.expect";
  if (value == nullptr) {
    errors.add(path, "nothing (the key is missing)", R"(what the run must end with, e.g. {"verdict": "valid"})",
               R"(add "expect": {"verdict": "valid"}, or {"verdict": "invalid", "anomalies": ["duplicated"]} for a scenario that must catch a bug)");
    return expectation;
  }
  scenario_json::ObjectReader reader(*value, path, errors, "the expectation", R"(write {"verdict": "valid"})");
  if (!reader.is_object()) return expectation;
  if (reader.required("verdict", R"("valid", "invalid" or "unknown")", R"(add "verdict": "valid")")) {
    if (auto verdict = reader.choice("verdict", {"valid", "invalid", "unknown"})) {
      expectation.verdict = *verdict == "valid" ? Verdict::valid : *verdict == "invalid" ? Verdict::invalid
                                                                                         : Verdict::unknown;
    }
  }
  if (const nlohmann::json* anomalies = reader.member("anomalies")) {
    read_anomalies(*anomalies, reader.path_of("anomalies"), expectation, errors);
  }
  reader.reject_unknown_keys();
  return expectation;
}

}  // namespace resync::sim::scenario_parts
