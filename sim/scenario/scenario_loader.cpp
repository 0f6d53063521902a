#include "sim/scenario/scenario_loader.hpp"

#include <exception>
#include <fstream>
#include <sstream>

#include "sim/scenario/scenario_bounds.hpp"
#include "sim/scenario/scenario_json_reader.hpp"
#include "sim/scenario/scenario_json_text.hpp"
#include "sim/scenario/scenario_parts.hpp"

namespace resync::sim {
namespace {

using scenario_json::IntegerRule;
using scenario_json::ObjectReader;
namespace bounds = scenario_bounds;

const char* const kTopLevelFix =
    R"(a scenario file is one object: {"name": ..., "description": ..., "clients": [...], "timeline": [...], "expect": {...}})";

bool is_kebab_case(const std::string& name) {
  if (name.empty() || name.size() > bounds::kNameLengthMax || name.front() == '-' || name.back() == '-') return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!allowed || (c == '-' && name[i + 1] == '-')) return false;
  }
  return true;
}

void read_identity(ObjectReader& reader, Scenario& scenario) {
  ScenarioErrors& errors = reader.errors();
  if (const nlohmann::json* name = reader.required("name", "the scenario's name (kebab-case)",
                                                   R"(add "name": "disconnect-during-catch-up", like the file name)")) {
    if (name->is_string() && is_kebab_case(name->get<std::string>())) {
      scenario.name = name->get<std::string>();
    } else {
      errors.add(reader.path_of("name"), scenario_json::describe(*name),
                 "a kebab-case name of at most " + std::to_string(bounds::kNameLengthMax) +
                     " characters (a-z, 0-9, single dashes)",
                 "write e.g. \"reset-during-burst\"; by convention it is the file name without .json");
    }
  }
  if (reader.required("description", "a description of what the scenario proves and why it matters",
                      R"(add "description": "..." saying what the run proves)")) {
    if (auto description = reader.text("description", bounds::kDescriptionLengthMax)) {
      scenario.description = *description;
    }
  }
  if (const nlohmann::json* seed = reader.member("seed")) {
    if (seed->is_number_unsigned()) {
      scenario.seed = seed->get<std::uint64_t>();
    } else {
      errors.add(reader.path_of("seed"), scenario_json::describe(*seed), "an integer from 0 to 18446744073709551615",
                 "write a whole number, or leave seed out to take --seed (or a random one)");
    }
  }
  reader.text("$schema", bounds::kTextLengthMax);  // for editors; not used
}

void read_convergence(ObjectReader& reader, Scenario& scenario) {
  if (auto converge = reader.integer("converge_within_ms", {1, bounds::kDurationMsMax, "milliseconds"})) {
    scenario.converge_within_ms = *converge;
  }
  if (auto quiet = reader.integer("quiet_ms", {0, bounds::kQuietMsMax, "milliseconds without traffic"})) {
    scenario.quiet_ms = *quiet;
  }
}

LoadResult load_document(const nlohmann::json& document, const std::string& path) {
  ScenarioErrors errors(path);
  Scenario scenario;
  scenario.file = path;
  ObjectReader reader(document, "$", errors, "a scenario", kTopLevelFix);
  if (reader.is_object()) {
    read_identity(reader, scenario);
    scenario.server = scenario_parts::read_server(reader.member("server"), errors);
    const scenario_parts::ClientRoster roster = scenario_parts::read_clients(reader.member("clients"), errors);
    scenario.clients = roster.clients;
    // Steps name clients: without a readable client list, checking them would only add noise.
    const nlohmann::json* timeline = reader.member("timeline");
    if (!roster.clients.empty()) scenario.timeline = scenario_parts::read_timeline(timeline, roster, scenario.server, errors);
    read_convergence(reader, scenario);
    scenario.expect = scenario_parts::read_expectation(reader.member("expect"), errors);
    scenario_parts::read_only_mode(reader.member("only_mode"), scenario.server, scenario, errors);
    reader.reject_unknown_keys();
  }
  LoadResult result;
  if (errors.empty()) {
    result.scenario = std::move(scenario);
  } else {
    result.errors = errors.take();
  }
  return result;
}

LoadResult internal_error(const std::string& path, const std::string& what) {
  ScenarioErrors errors(path);
  errors.add("", "an internal error of the loader (" + what + ")", "a loader that never fails on any input",
             "report this file to the Resync maintainers");
  LoadResult result;
  result.errors = errors.take();
  return result;
}

}  // namespace

std::string LoadResult::error_text() const {
  std::string text;
  for (const ScenarioError& error : errors) text += error.message() + "\n";
  return text;
}

LoadResult load_scenario_text(std::string_view text, const std::string& path) {
  // Nothing should throw below; this keeps the promise even against a bug or bad_alloc.
  try {
    ScenarioErrors errors(path);
    std::optional<nlohmann::json> document = parse_scenario_json_text(text, errors);
    if (!document) {
      LoadResult result;
      result.errors = errors.take();
      return result;
    }
    return load_document(*document, path);
  } catch (const std::exception& error) {
    return internal_error(path, error.what());
  } catch (...) {
    return internal_error(path, "an unknown exception");
  }
}

LoadResult load_scenario_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    ScenarioErrors errors(path);
    errors.add("", "no readable file", "a scenario file (JSON)", "check the path and the file's permissions");
    LoadResult result;
    result.errors = errors.take();
    return result;
  }
  std::ostringstream content;
  content << file.rdbuf();
  if (file.bad()) {
    ScenarioErrors errors(path);
    errors.add("", "a read error", "a readable scenario file", "check the file (is it a directory?)");
    LoadResult result;
    result.errors = errors.take();
    return result;
  }
  return load_scenario_text(content.str(), path);
}

}  // namespace resync::sim
