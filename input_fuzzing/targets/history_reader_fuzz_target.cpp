// The strict history reader: a history file's text (JSON lines, docs/HISTORY.md), which may
// be cut off or edited by hand. Properties: it reads, or every error names the source and
// the line (and says what is wrong); what it read, written again with the history writer,
// reads back into the same history, and writing that gives the same bytes.
#include <string>

#include "common/invariant.hpp"
#include "input_fuzzing/fuzz_targets.hpp"
#include "sim/history/history_reader.hpp"
#include "sim/history/history_writer.hpp"

namespace resync::input_fuzzing {

namespace {

const std::string history_source_name = "fuzz/history.jsonl";

std::size_t line_count(std::string_view text) {
  std::size_t lines = 0;
  for (char character : text) lines += character == '\n' ? 1 : 0;
  return lines + (text.empty() || text.back() == '\n' ? 0 : 1);
}

}  // namespace

void fuzz_history_reader(std::string_view input) {
  const std::string text(input);
  const history::HistoryReadResult read = history::parse_history_text(text, history_source_name);
  if (!read.ok()) {
    RESYNC_ASSERT(!read.errors.empty(), "a history that cannot be read says why");
    RESYNC_ASSERT(read.errors.size() <= history::history_read_errors_max + 1,
                  "errors beyond history_read_errors_max are only counted");
    for (const history::HistoryReadError& error : read.errors) {
      RESYNC_ASSERT(error.source == history_source_name, "every error names the source");
      RESYNC_ASSERT(!error.message.empty(), "every error says what is wrong");
      RESYNC_ASSERT(error.line_number <= line_count(text), "an error's line is a line of the text");
    }
    return;
  }
  const history::History& history = *read.history;
  for (std::size_t index = 0; index < history.events.size(); ++index) {
    RESYNC_ASSERT(history.events[index].line_number >= 2 && history.events[index].line_number <= line_count(text),
                  "every event knows its line, after run_started");
  }
  const std::string written = history::history_text(history);
  const history::HistoryReadResult again = history::parse_history_text(written, history_source_name);
  RESYNC_ASSERT(again.ok(), "a history read and written again reads back");
  RESYNC_ASSERT(again.history->run == history.run, "the run_started line reads back the same");
  RESYNC_ASSERT(again.history->run_started_t_ms == history.run_started_t_ms, "run_started's time reads back the same");
  RESYNC_ASSERT(again.history->events == history.events, "every event reads back the same");
  RESYNC_ASSERT(!again.history->truncated_last_line, "the writer never cuts a line off");
  RESYNC_ASSERT(history::history_text(*again.history) == written, "writing what was read again gives the same bytes");
}

}  // namespace resync::input_fuzzing
