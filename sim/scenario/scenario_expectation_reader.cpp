// $.expect: {"verdict": "valid" | "invalid" | "unknown", "anomalies": [kinds], "allow": [kinds]}.
// `anomalies` are exactly the kinds the run must report; `allow` the kinds it may report as
// well (docs/HISTORY.md). The kind names are the checker's (anomaly_kind_names.hpp).
#include <algorithm>
#include <string_view>

#include "sim/scenario/anomaly_kind_names.hpp"
#include "sim/scenario/scenario_json_reader.hpp"
#include "sim/scenario/scenario_parts.hpp"

namespace resync::sim::scenario_parts {
namespace {

std::string kinds_text() {
  std::string text;
  for (std::string_view kind : anomaly_kind_names) text += (text.empty() ? "" : ", ") + std::string(kind);
  return text;
}

bool is_known_kind(const nlohmann::json& item) {
  return item.is_string() && std::find(anomaly_kind_names.begin(), anomaly_kind_names.end(),
                                       item.get_ref<const std::string&>()) != anomaly_kind_names.end();
}

bool contains(const std::vector<std::string>& kinds, const std::string& kind) {
  return std::find(kinds.begin(), kinds.end(), kind) != kinds.end();
}

std::string unknown_kind_fix(const nlohmann::json& item) {
  if (item.is_string()) {
    const std::vector<std::string> known(anomaly_kind_names.begin(), anomaly_kind_names.end());
    if (auto suggestion = scenario_json::closest_key(item.get_ref<const std::string&>(), known)) {
      return "did you mean \"" + *suggestion + "\"? Use the kinds of docs/HISTORY.md, spelled exactly";
    }
  }
  return "use the kinds of docs/HISTORY.md, spelled exactly";
}

// Which list of kinds is being read: both hold known, distinct kind names.
enum class KindList { anomalies, allow };

void read_kinds(const nlohmann::json& value, const std::string& path, KindList list, Expectation& expectation,
                ScenarioErrors& errors) {
  if (!value.is_array()) {
    errors.add(path, scenario_json::describe(value), "an array of anomaly kinds (" + kinds_text() + ")",
               list == KindList::anomalies ? R"(write e.g. ["duplicated", "reordered"] or [])"
                                           : R"(write e.g. ["sent_unknown"] or [])");
    return;
  }
  std::vector<std::string>& kinds = list == KindList::anomalies ? expectation.anomalies : expectation.allow;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string item_path = scenario_json::element_path(path, i);
    const nlohmann::json& item = value[i];
    if (!is_known_kind(item)) {
      errors.add(item_path, scenario_json::describe(item), "an anomaly kind: one of " + kinds_text(),
                 unknown_kind_fix(item));
      continue;
    }
    const std::string kind = item.get<std::string>();
    if (contains(kinds, kind)) {
      errors.add(item_path, "\"" + kind + "\" a second time", "each kind at most once", "remove the repetition");
      continue;
    }
    if (list == KindList::allow && contains(expectation.anomalies, kind)) {
      errors.add(item_path, "\"" + kind + "\", which `anomalies` already requires",
                 "a kind either required (anomalies) or allowed (allow), not both",
                 "remove it from `allow`, or from `anomalies` if the run may also not report it");
      continue;
    }
    if (expectation.verdict == Verdict::valid && kind != informational_anomaly_kind) {
      errors.add(item_path, "\"" + kind + "\" with the verdict \"valid\"",
                 "with \"valid\", only the informational kind \"sent_unknown\" (any other kind makes a run invalid)",
                 "set \"verdict\": \"invalid\", or remove the kind");
      continue;
    }
    kinds.push_back(kind);
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
  // anomalies before allow, whatever the key order in the file: allow is checked against it.
  if (const nlohmann::json* anomalies = reader.member("anomalies")) {
    read_kinds(*anomalies, reader.path_of("anomalies"), KindList::anomalies, expectation, errors);
  }
  if (const nlohmann::json* allow = reader.member("allow")) {
    read_kinds(*allow, reader.path_of("allow"), KindList::allow, expectation, errors);
  }
  reader.reject_unknown_keys();
  return expectation;
}

}  // namespace resync::sim::scenario_parts
