// $.only_mode: {"mode": "live" | "sim", "why": "..."}. A scenario meant for one mode only;
// `resync run` in the other mode prints it as skipped with `why` and does not count it as
// passed. Absent: the scenario runs, and must meet its expectation, in both modes.
#include "sim/scenario/scenario_bounds.hpp"
#include "sim/scenario/scenario_json_reader.hpp"
#include "sim/scenario/scenario_parts.hpp"

namespace resync::sim::scenario_parts {

void read_only_mode(const nlohmann::json* value, const ServerSpec& server, Scenario& scenario,
                    ScenarioErrors& errors) {
  if (value == nullptr) return;
  const std::string path = "$.only_mode";
  scenario_json::ObjectReader reader(*value, path, errors, "the one mode this scenario is for",
                                     R"(write {"mode": "live", "why": "..."}, or remove only_mode to run it in both modes)");
  if (!reader.is_object()) return;
  std::optional<std::string> mode;
  if (reader.required("mode", R"("live" or "sim": the one mode the scenario runs in)", R"(add "mode": "live")")) {
    mode = reader.choice("mode", {"live", "sim"});
  }
  std::optional<std::string> why;
  if (reader.required("why", "the reason the scenario cannot meet its expectation in the other mode",
                      R"(add "why": "..." (it is printed when the scenario is skipped))")) {
    why = reader.text("why", scenario_bounds::kDescriptionLengthMax);
  }
  reader.reject_unknown_keys();
  if (mode == "sim" && server.kind == ServerKind::external) {
    errors.add(reader.path_of("mode"), R"("sim" with an external server)",
               R"("live": the simulator runs only the embedded server's core)",
               R"(write "mode": "live", or test the embedded server instead)");
    return;
  }
  if (!mode || !why) return;
  scenario.only_mode = *mode;
  scenario.only_mode_reason = *why;
}

}  // namespace resync::sim::scenario_parts
