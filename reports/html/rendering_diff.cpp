#include "reports/html/rendering_diff.hpp"

#include <algorithm>
#include <limits>

#include "reports/html/report_text.hpp"

namespace resync::reports {
namespace {

constexpr std::size_t none = std::numeric_limits<std::size_t>::max();

// The log position of `id`, or `none`. The log is in id order with each id once
// (CheckResult::committed_log), so a binary search finds it.
std::size_t log_position_of(std::span<const history::CommittedMessage> log, std::int64_t id) {
  const auto found = std::lower_bound(log.begin(), log.end(), id,
                                      [](const history::CommittedMessage& message, std::int64_t wanted) { return message.id < wanted; });
  return found != log.end() && found->id == id ? static_cast<std::size_t>(found - log.begin()) : none;
}

// Marks the rendered items of a longest strictly increasing subsequence of log positions:
// the longest common subsequence of rendered list and log. Patience sorting, O(n log n).
std::vector<bool> longest_in_order_subsequence(const std::vector<std::size_t>& positions) {
  std::vector<std::size_t> tail_items;  // tail_items[k]: the item ending the best run of length k + 1
  std::vector<std::size_t> predecessor(positions.size(), none);
  for (std::size_t item = 0; item < positions.size(); ++item) {
    if (positions[item] == none) continue;
    const auto slot = std::lower_bound(tail_items.begin(), tail_items.end(), positions[item],
                                       [&](std::size_t tail, std::size_t position) { return positions[tail] < position; });
    if (slot != tail_items.begin()) predecessor[item] = *(slot - 1);
    if (slot == tail_items.end()) tail_items.push_back(item); else *slot = item;
  }
  std::vector<bool> in_order(positions.size(), false);
  for (std::size_t item = tail_items.empty() ? none : tail_items.back(); item != none; item = predecessor[item]) in_order[item] = true;
  return in_order;
}

struct Row {
  DiffKind kind;
  std::size_t rendered = none;  // position in the rendered list
  std::size_t log = none;       // position in the log
  std::int64_t id;
  std::optional<std::int64_t> other;
};

bool rendered_side(DiffKind kind) { return kind != DiffKind::lost && kind != DiffKind::moved_away; }
bool log_side(DiffKind kind) {
  return kind == DiffKind::equal || kind == DiffKind::altered || kind == DiffKind::lost || kind == DiffKind::moved_away ||
         kind == DiffKind::moved_here || kind == DiffKind::duplicate;
}

// Whether `row` continues the run that ended with `last`: same kind, next position on each
// side the kind has (a moved or duplicated block keeps consecutive ids too).
bool continues(const Row& last, const Row& row) {
  if (row.kind != last.kind) return false;
  if (rendered_side(row.kind) && row.rendered != last.rendered + 1) return false;
  if (row.kind == DiffKind::moved_away && row.other && last.other && *row.other != *last.other + 1) return false;
  if (log_side(row.kind) && row.log != last.log + 1) return false;
  return true;
}

}  // namespace

std::string_view diff_kind_name(DiffKind kind) {
  switch (kind) {
    case DiffKind::equal: return "equal";
    case DiffKind::altered: return "altered";
    case DiffKind::lost: return "lost";
    case DiffKind::moved_away: return "moved_away";
    case DiffKind::moved_here: return "moved_here";
    case DiffKind::duplicate: return "duplicate";
    case DiffKind::unexpected: return "unexpected";
  }
  return "equal";
}

RenderingDiff diff_rendering_with_log(std::span<const RenderedItem> rendered,
                                      std::span<const history::CommittedMessage> log,
                                      const RenderingDiffLimits& limits) {
  std::vector<std::size_t> log_positions(rendered.size());
  for (std::size_t item = 0; item < rendered.size(); ++item) log_positions[item] = log_position_of(log, rendered[item].id);
  const std::vector<bool> in_order = longest_in_order_subsequence(log_positions);

  // Per log position: the rendering the alignment kept, else the first one (a moved id);
  // every other rendering of it is a duplicate.
  std::vector<std::size_t> kept_copy(log.size(), none);
  std::vector<bool> anchored(log.size(), false);
  for (std::size_t item = 0; item < rendered.size(); ++item) {
    if (!in_order[item]) continue;
    kept_copy[log_positions[item]] = item;
    anchored[log_positions[item]] = true;
  }
  for (std::size_t item = 0; item < rendered.size(); ++item) {
    const std::size_t position = log_positions[item];
    if (position != none && kept_copy[position] == none) kept_copy[position] = item;
  }

  // Rendered items in their order; log rows without an in-order rendering come just before
  // the next in-order item (where the log has them).
  std::vector<Row> rows;
  rows.reserve(rendered.size() + log.size());
  std::size_t next_log = 0;
  std::optional<std::int64_t> last_in_order_id;
  const auto flush_log_until = [&](std::size_t end) {
    for (; next_log < end; ++next_log) {
      if (anchored[next_log]) continue;
      const std::size_t copy = kept_copy[next_log];
      rows.push_back(copy == none ? Row{DiffKind::lost, none, next_log, log[next_log].id, std::nullopt}
                                  : Row{DiffKind::moved_away, none, next_log, log[next_log].id, static_cast<std::int64_t>(copy)});
    }
  };
  for (std::size_t item = 0; item < rendered.size(); ++item) {
    const std::size_t position = log_positions[item];
    if (position == none) {
      rows.push_back({DiffKind::unexpected, item, none, rendered[item].id, std::nullopt});
    } else if (in_order[item]) {
      flush_log_until(position);
      next_log = position + 1;
      const bool same = rendered[item].content == log[position].content;
      rows.push_back({same ? DiffKind::equal : DiffKind::altered, item, position, rendered[item].id, std::nullopt});
      last_in_order_id = rendered[item].id;
    } else if (kept_copy[position] != item) {
      rows.push_back({DiffKind::duplicate, item, position, rendered[item].id, static_cast<std::int64_t>(kept_copy[position])});
    } else {
      rows.push_back({DiffKind::moved_here, item, position, rendered[item].id, last_in_order_id});
    }
  }
  flush_log_until(log.size());

  RenderingDiff diff;
  diff.rendered_total = rendered.size();
  diff.log_total = log.size();
  std::vector<DiffRun> runs;
  const Row* last = nullptr;
  for (const Row& row : rows) {
    ++diff.rows_per_kind[static_cast<std::size_t>(row.kind)];
    if (last && continues(*last, row)) {
      ++runs.back().length;
      runs.back().last_id = row.id;
    } else {
      DiffRun run;
      run.kind = row.kind;
      run.length = 1;
      if (row.rendered != none) run.rendered_first = row.rendered;
      if (row.log != none && log_side(row.kind)) run.log_first = row.log;
      run.first_id = run.last_id = row.id;
      run.other = row.other;
      runs.push_back(std::move(run));
    }
    last = &row;
  }
  for (DiffRun& run : runs) {
    if (run.length != 1) continue;
    if (run.rendered_first) run.rendered_content = shorten_text(rendered[*run.rendered_first].content, limits.content_bytes_max);
    if (run.log_first) run.log_content = shorten_text(log[*run.log_first].content, limits.content_bytes_max);
  }

  diff.runs_total = runs.size();
  const auto first_difference = std::find_if(runs.begin(), runs.end(), [](const DiffRun& run) { return run.kind != DiffKind::equal; });
  if (first_difference != runs.end()) {
    diff.first_difference_run = static_cast<std::size_t>(first_difference - runs.begin());
    diff.first_shown_run = *diff.first_difference_run - std::min(*diff.first_difference_run, limits.runs_before_first_difference);
  }
  const std::size_t shown_end = std::min(runs.size(), diff.first_shown_run + limits.runs_shown_max);
  diff.runs.assign(std::make_move_iterator(runs.begin() + static_cast<std::ptrdiff_t>(diff.first_shown_run)),
                   std::make_move_iterator(runs.begin() + static_cast<std::ptrdiff_t>(shown_end)));
  return diff;
}

}  // namespace resync::reports
