// The strict scenario loader: a scenario file's text, as a user writes it. Properties: it
// loads, or it returns errors that each name the file and where (a JSON path, or a line and
// column) and what was expected; a loaded scenario written back (scenario_to_json, the
// fuzzer's reproducer writer) loads again into the same scenario.
#include <string>

#include "common/invariant.hpp"
#include "input_fuzzing/fuzz_targets.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/scenario/scenario_writer.hpp"

namespace resync::input_fuzzing {

namespace {

constexpr std::string_view scenario_file_name = "fuzz/scenario.json";

std::string text_of(const sim::Scenario& scenario) {
  // As the round-trip test writes it: invalid UTF-8 cannot come out of the loader, but the
  // writer must never throw on what it is given.
  return sim::scenario_to_json(scenario).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void fuzz_scenario_loader(std::string_view input) {
  const sim::LoadResult loaded = sim::load_scenario_text(input, std::string(scenario_file_name));
  if (!loaded.ok()) {
    RESYNC_ASSERT(!loaded.errors.empty(), "a scenario that does not load says why");
    for (const sim::ScenarioError& error : loaded.errors) {
      RESYNC_ASSERT(error.file == scenario_file_name, "every error names the file");
      RESYNC_ASSERT(!error.json_path.empty() || error.line > 0, "every error says where: a JSON path or a line");
      RESYNC_ASSERT(error.json_path.empty() || error.json_path.starts_with("$"), "a JSON path starts at $");
      RESYNC_ASSERT(!error.expected.empty(), "every error says what was expected");
    }
    RESYNC_ASSERT(!loaded.error_text().empty(), "the errors have a text");
    return;
  }
  RESYNC_ASSERT(loaded.scenario->file == scenario_file_name, "a loaded scenario names its file");
  const std::string written = text_of(*loaded.scenario);
  const sim::LoadResult again = sim::load_scenario_text(written, std::string(scenario_file_name));
  RESYNC_ASSERT(again.ok(), "a loaded scenario written back loads again");
  RESYNC_ASSERT(text_of(*again.scenario) == written, "a loaded scenario written back loads into the same scenario");
}

}  // namespace resync::input_fuzzing
