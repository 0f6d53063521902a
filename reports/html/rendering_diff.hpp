#pragma once
// A client's rendered list against the committed log, aligned as a diff and not by
// position: one lost prefix is one "lost" run followed by equal rows, not a list in which
// every row differs. The log holds each id once, in id order, so the longest common
// subsequence of the two lists is the longest strictly increasing run of log positions in
// the rendered list (O(n log n), fine for 50 clients x 20,000 messages). What the
// alignment leaves over is named: lost (never rendered), moved (rendered, out of order:
// once where it was rendered and once where the log expected it), duplicate (a further
// copy), unexpected (not in the log), altered (in place, other content).
// Consecutive rows of one kind with consecutive positions collapse into one run
// ("ids 1..100 equal"); only a window of runs around the first difference is kept.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/history/history.hpp"

namespace resync::reports {

enum class DiffKind {
  equal,       // same id, same content, in order
  altered,     // same id in order, other content
  lost,        // in the log, never rendered
  moved_away,  // log side: rendered, but elsewhere (see `moved_here`)
  moved_here,  // rendered side: out of the log's order
  duplicate,   // rendered side: a further copy of an id
  unexpected,  // rendered side: not in the log
};
inline constexpr std::size_t diff_kind_count = 7;
std::string_view diff_kind_name(DiffKind kind);

struct RenderedItem {
  std::int64_t id = 0;
  std::string_view content;
};

// One collapsed run of rows of one kind.
struct DiffRun {
  DiffKind kind = DiffKind::equal;
  std::size_t length = 0;
  std::optional<std::size_t> rendered_first;  // position in the rendered list (rendered side kinds)
  std::optional<std::size_t> log_first;       // position in the log (log side kinds)
  std::int64_t first_id = 0;
  std::int64_t last_id = 0;
  // moved_here: the in-order id rendered just before the run (nullopt: at the start);
  // moved_away: the rendered position of the run's first id; duplicate: the position of
  // the first copy of its first id.
  std::optional<std::int64_t> other;
  // For a run of one row: the content on each side (nullopt where that side has none).
  std::optional<std::string> rendered_content;
  std::optional<std::string> log_content;
};

struct RenderingDiffLimits {
  std::size_t runs_shown_max = 300;       // runs kept around the first difference
  std::size_t runs_before_first_difference = 3;
  std::size_t content_bytes_max = 200;
};

struct RenderingDiff {
  std::vector<DiffRun> runs;            // the window: runs[first_shown_run ... first_shown_run + runs.size())
  std::size_t runs_total = 0;           // runs in the whole diff
  std::size_t first_shown_run = 0;
  std::optional<std::size_t> first_difference_run;  // index into the whole diff; nullopt: the lists are equal
  std::size_t rows_per_kind[diff_kind_count] = {};  // rows (ids) of each kind in the whole diff
  std::size_t rendered_total = 0;
  std::size_t log_total = 0;
};

RenderingDiff diff_rendering_with_log(std::span<const RenderedItem> rendered,
                                      std::span<const history::CommittedMessage> log,
                                      const RenderingDiffLimits& limits = {});

}  // namespace resync::reports
