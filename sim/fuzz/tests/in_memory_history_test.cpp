// The checker's in-memory path sees what a reader of the history file sees: for every
// scenario in scenarios/, the simulator's events equal the events read back from their text,
// and the verdicts agree. A field the writer drops, or one the in-memory path fills
// differently from the reader, fails here.
#include <gtest/gtest.h>

#include "sim/checker/check_history.hpp"
#include "sim/checker/check_text.hpp"
#include "sim/history/history_reader.hpp"
#include "sim/history/history_writer.hpp"
#include "sim/scenario/scenario_loader.hpp"
#include "sim/simulator/simulator.hpp"

namespace resync::sim {
namespace {

TEST(InMemoryHistory, EverySimulatedScenarioReadsBackAsTheSameEventsAndVerdict) {
  const std::vector<std::string> files = find_scenario_files(RESYNC_SCENARIOS_DIR);
  ASSERT_GT(files.size(), 10u);
  std::size_t simulated = 0;
  for (const std::string& file : files) {
    const LoadResult loaded = load_scenario_file(file);
    ASSERT_TRUE(loaded.ok()) << loaded.error_text();
    if (loaded.scenario->only_mode && *loaded.scenario->only_mode != "sim") continue;
    SimulationOptions options;
    options.seed = loaded.scenario->seed.value_or(1);
    options.replay = {{"live", "resync run " + file}, {"sim", "resync run " + file + " --mode sim"}};
    const history::History in_memory = simulate_history(*loaded.scenario, options);
    const history::HistoryReadResult read = history::parse_history_text(history::history_text(in_memory), file);
    ASSERT_TRUE(read.ok()) << file << ": " << read.error_text();
    EXPECT_TRUE(read.history->run == in_memory.run) << file;
    ASSERT_EQ(read.history->events.size(), in_memory.events.size()) << file;
    for (std::size_t index = 0; index < in_memory.events.size(); ++index) {
      ASSERT_TRUE(read.history->events[index] == in_memory.events[index])
          << file << ": event " << index << " is " << history::history_line(in_memory.events[index]) << " in memory but "
          << history::history_line(read.history->events[index]) << " read back";
    }
    EXPECT_EQ(checker::summary_line(checker::check_history(in_memory)), checker::summary_line(checker::check_history(*read.history)))
        << file;
    ++simulated;
  }
  EXPECT_GT(simulated, 10u);
}

}  // namespace
}  // namespace resync::sim
