#include "sim/checker/root_cause.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <tuple>
#include <string_view>

#include "common/invariant.hpp"

namespace resync::checker {
namespace {

// The id a reordered rendering came after: the highest stored id first rendered before it.
struct HighWater {
  std::int64_t id = 0;
  std::size_t position = 0;
};

// Per position of a client's rendered list, the high water before it, with exactly the rule
// of compare_rendering_with_log: only first renderings of stored ids take part.
std::map<std::size_t, HighWater> high_water_before_reorders(const ClientRendering& rendering,
                                                            const std::set<std::int64_t>& stored_ids,
                                                            const std::set<std::size_t>& reordered_positions) {
  std::map<std::size_t, HighWater> found;
  std::set<std::int64_t> seen;
  std::optional<HighWater> highest;
  for (std::size_t position = 0; position < rendering.rendered.size(); ++position) {
    const std::int64_t id = rendering.rendered[position].id;
    if (!stored_ids.contains(id) || !seen.insert(id).second) continue;
    if (highest && highest->id > id) {
      if (reordered_positions.contains(position)) found.emplace(position, *highest);
    } else {
      highest = HighWater{id, position};
    }
  }
  return found;
}

// What the history says about a client's connections and the server's restarts.
class ConnectionStory {
 public:
  ConnectionStory(const history::History& history, std::string_view client) {
    std::size_t connects = 0;
    for (const history::HistoryEvent& event : history.events) {
      if (const auto* connected = event.as<history::ClientConnected>(); connected && connected->client == client) {
        // The first connect of a run is no reconnect unless it asked to recover something.
        if (++connects > 1 || connected->recovered || !connected->server_offset.is_null()) {
          reconnects_t_ms_.push_back(event.t_ms);
        }
      } else if (const auto* started = event.as<history::ServerStarted>(); started && started->incarnation > 1) {
        restarts_t_ms_.push_back(event.t_ms);
      }
    }
  }

  // The last reconnect in [from, to], if any.
  std::optional<std::int64_t> reconnect_within(std::int64_t from_t_ms, std::int64_t to_t_ms) const {
    return last_within(reconnects_t_ms_, from_t_ms, to_t_ms);
  }

  // "its reconnect at 900 ms" or "its reconnect at 900 ms after the server restarted at 850 ms".
  std::string reconnect_text(std::int64_t reconnect_t_ms) const {
    std::string text = "its reconnect at " + std::to_string(reconnect_t_ms) + " ms";
    const std::optional<std::int64_t> previous = last_within(reconnects_t_ms_, 0, reconnect_t_ms - 1);
    if (const std::optional<std::int64_t> restart = last_within(restarts_t_ms_, previous.value_or(0), reconnect_t_ms)) {
      text += " after the server restarted at " + std::to_string(*restart) + " ms";
    }
    return text;
  }

 private:
  static std::optional<std::int64_t> last_within(const std::vector<std::int64_t>& times, std::int64_t from_t_ms,
                                                 std::int64_t to_t_ms) {
    std::optional<std::int64_t> last;
    for (std::int64_t t_ms : times) {
      if (t_ms >= from_t_ms && t_ms <= to_t_ms) last = t_ms;
    }
    return last;
  }

  std::vector<std::int64_t> reconnects_t_ms_;
  std::vector<std::int64_t> restarts_t_ms_;
};

std::string ids_text(std::int64_t first, std::int64_t last) {
  return first == last ? "id " + std::to_string(first) : "ids " + std::to_string(first) + ".." + std::to_string(last);
}

class CauseFinder {
 public:
  explicit CauseFinder(const RootCauseInputs& inputs) : inputs_(inputs) {
    for (std::size_t index = 0; index < inputs.committed_log.size(); ++index) {
      log_index_.emplace(inputs.committed_log[index].id, index);
      stored_ids_.insert(inputs.committed_log[index].id);
    }
  }

  std::vector<RootCause> find() {
    std::vector<std::size_t> run_wide;
    std::map<std::string, std::vector<std::size_t>, std::less<>> per_client;
    for (std::size_t index = 0; index < inputs_.anomalies.size(); ++index) {
      const Anomaly& anomaly = inputs_.anomalies[index];
      if (!makes_run_invalid(anomaly.kind)) continue;
      if (anomaly.client.empty()) {
        run_wide.push_back(index);
      } else {
        per_client[anomaly.client].push_back(index);
      }
    }
    for (std::size_t index : run_wide) add_single(index);
    for (const auto& [client, indexes] : per_client) find_for_client(client, indexes);

    std::stable_sort(causes_.begin(), causes_.end(), [](const RootCause& left, const RootCause& right) {
      // A cause without a time goes last: it cannot be placed among the others.
      const auto key = [](const RootCause& cause) {
        return std::tuple(!cause.t_ms.has_value(), cause.t_ms.value_or(0), cause.anomaly_index);
      };
      return key(left) < key(right);
    });
    assert_every_invalid_anomaly_in_one_cause();
    return std::move(causes_);
  }

 private:
  const Anomaly& anomaly(std::size_t index) const { return inputs_.anomalies[index]; }

  const ClientRendering* rendering_of(std::string_view client) const {
    for (const ClientRendering& rendering : inputs_.clients) {
      if (rendering.client == client) return &rendering;
    }
    return nullptr;
  }

  void find_for_client(const std::string& client, const std::vector<std::size_t>& indexes) {
    const ClientRendering* rendering = rendering_of(client);
    const ConnectionStory story(inputs_.history, client);
    std::vector<std::size_t> reordered, duplicated, lost;
    for (std::size_t index : indexes) {
      switch (anomaly(index).kind) {
        case AnomalyKind::reordered:
          (rendering != nullptr && !anomaly(index).positions.empty() ? reordered : singles_).push_back(index);
          break;
        case AnomalyKind::duplicated:
          (anomaly(index).positions.size() >= 2 ? duplicated : singles_).push_back(index);
          break;
        case AnomalyKind::lost:
          (anomaly(index).id ? lost : singles_).push_back(index);
          break;
        default:
          singles_.push_back(index);
      }
    }
    if (!reordered.empty()) group_reorders(*rendering, story, reordered, duplicated);
    group_duplicates(rendering, story, duplicated);
    group_lost(rendering, story, lost);
    for (std::size_t index : singles_) add_single(index);
    singles_.clear();
  }

  struct ReorderGroup {
    HighWater early;
    std::vector<std::size_t> indexes;  // reordered anomalies, in position order
    std::int64_t lowest_id = 0;
    std::int64_t highest_id = 0;
  };

  std::size_t log_index_of(std::int64_t id) const { return log_index_.at(id); }

  void group_reorders(const ClientRendering& rendering, const ConnectionStory& story,
                      const std::vector<std::size_t>& reordered, std::vector<std::size_t>& duplicated) {
    std::set<std::size_t> positions;
    std::map<std::size_t, std::size_t> index_at_position;
    for (std::size_t index : reordered) {
      positions.insert(anomaly(index).positions.front());
      index_at_position.emplace(anomaly(index).positions.front(), index);
    }
    const std::map<std::size_t, HighWater> high_water = high_water_before_reorders(rendering, stored_ids_, positions);
    std::vector<ReorderGroup> groups;
    std::map<std::size_t, std::size_t> group_of_early_position;
    for (const auto& [position, index] : index_at_position) {
      const auto found = high_water.find(position);
      if (found == high_water.end() || !anomaly(index).id) {
        singles_.push_back(index);  // not a reordering this rule explains: keep it on its own
        continue;
      }
      const std::int64_t id = *anomaly(index).id;
      auto [group, inserted] = group_of_early_position.try_emplace(found->second.position, groups.size());
      if (inserted) groups.push_back({found->second, {}, id, id});
      ReorderGroup& into = groups[group->second];
      into.indexes.push_back(index);
      into.lowest_id = std::min(into.lowest_id, id);
      into.highest_id = std::max(into.highest_id, id);
    }
    // A catch-up that interleaves with several live messages is flagged after each of them
    // in turn; its ids still continue one another, so it is one cause.
    std::vector<ReorderGroup> merged;
    for (ReorderGroup& group : groups) {
      if (!merged.empty() && log_index_of(group.lowest_id) == log_index_of(merged.back().highest_id) + 1) {
        ReorderGroup& previous = merged.back();
        previous.indexes.insert(previous.indexes.end(), group.indexes.begin(), group.indexes.end());
        previous.highest_id = group.highest_id;
      } else {
        merged.push_back(std::move(group));
      }
    }
    for (const ReorderGroup& group : merged) add_reordering(rendering, story, group, duplicated);
  }

  void add_reordering(const ClientRendering& rendering, const ConnectionStory& story, const ReorderGroup& group,
                      std::vector<std::size_t>& duplicated) {
    RootCause cause;
    cause.client = rendering.client;
    cause.consequence_indexes = group.indexes;
    // The early id rendered twice (early, then in its place) is the duplicate that caused it.
    const auto duplicate = std::find_if(duplicated.begin(), duplicated.end(), [&](std::size_t index) {
      return anomaly(index).id == group.early.id;
    });
    std::size_t root = group.indexes.front();
    if (duplicate != duplicated.end()) {
      root = *duplicate;
      cause.consequence_indexes.push_back(root);
      duplicated.erase(duplicate);
    }
    fill_from_root(cause, root);
    cause.span_first_id = group.lowest_id;
    cause.span_last_id = group.highest_id;
    cause.t_ms = earliest_t_ms(cause.consequence_indexes);

    const std::int64_t early_t_ms = rendering.rendered[group.early.position].t_ms;
    const std::int64_t first_late_t_ms = rendering.rendered[anomaly(group.indexes.front()).positions.front()].t_ms;
    std::string reason;
    if (const auto reconnect = story.reconnect_within(0, early_t_ms)) {
      reason = "the catch-up after " + story.reconnect_text(*reconnect) + " interleaved with a live broadcast";
    } else if (const auto late_reconnect = story.reconnect_within(early_t_ms, first_late_t_ms)) {
      reason = "the catch-up after " + story.reconnect_text(*late_reconnect) + " came after live id " +
               std::to_string(group.early.id);
    } else {
      reason = "they arrived out of order with no reconnect before them";
    }
    cause.explanation = rendering.client + " received " + ids_text(group.lowest_id, group.highest_id) + " after " +
                        std::to_string(group.early.id) + " (position " + std::to_string(group.early.position) +
                        "): " + reason;
    if (root != group.indexes.front()) {
      cause.explanation += "; id " + std::to_string(group.early.id) + " was rendered again later";
    }
    causes_.push_back(std::move(cause));
  }

  // Ids rendered again one after another are one block delivered twice.
  void group_duplicates(const ClientRendering* rendering, const ConnectionStory& story,
                        std::vector<std::size_t> duplicated) {
    const auto second_position = [&](std::size_t index) { return anomaly(index).positions[1]; };
    std::sort(duplicated.begin(), duplicated.end(),
              [&](std::size_t left, std::size_t right) { return second_position(left) < second_position(right); });
    for (std::size_t begin = 0; begin < duplicated.size();) {
      std::size_t end = begin + 1;
      while (end < duplicated.size() && second_position(duplicated[end]) == second_position(duplicated[end - 1]) + 1) {
        ++end;
      }
      const std::vector<std::size_t> block(duplicated.begin() + static_cast<std::ptrdiff_t>(begin),
                                           duplicated.begin() + static_cast<std::ptrdiff_t>(end));
      add_duplicate_block(rendering, story, block);
      begin = end;
    }
  }

  void add_duplicate_block(const ClientRendering* rendering, const ConnectionStory& story,
                           const std::vector<std::size_t>& block) {
    RootCause cause;
    cause.consequence_indexes = block;
    fill_from_root(cause, block.front());
    set_span_of_ids(cause, block);
    cause.t_ms = earliest_t_ms(block);
    const Anomaly& root = anomaly(block.front());
    std::string reason = "the same messages were delivered twice with no reconnect between the two";
    if (rendering != nullptr) {
      const std::int64_t first_t_ms = rendering->rendered[root.positions[0]].t_ms;
      const std::int64_t again_t_ms = rendering->rendered[root.positions[1]].t_ms;
      if (const auto reconnect = story.reconnect_within(first_t_ms, again_t_ms)) {
        reason = "the catch-up after " + story.reconnect_text(*reconnect) + " repeated what it already had";
      }
    }
    cause.explanation = root.client + " rendered " + span_text(cause) + " twice: " + reason;
    causes_.push_back(std::move(cause));
  }

  // Consecutive committed ids lost together are one gap.
  void group_lost(const ClientRendering* rendering, const ConnectionStory& story, const std::vector<std::size_t>& lost) {
    for (std::size_t begin = 0; begin < lost.size();) {
      std::size_t end = begin + 1;
      while (end < lost.size() &&
             log_index_of(*anomaly(lost[end]).id) == log_index_of(*anomaly(lost[end - 1]).id) + 1) {
        ++end;
      }
      RootCause cause;
      cause.consequence_indexes.assign(lost.begin() + static_cast<std::ptrdiff_t>(begin),
                                       lost.begin() + static_cast<std::ptrdiff_t>(end));
      fill_from_root(cause, lost[begin]);
      set_span_of_ids(cause, cause.consequence_indexes);
      // A loss shows when a later id is rendered in its place.
      if (rendering != nullptr) {
        for (const RenderedMessage& message : rendering->rendered) {
          if (message.id > *cause.span_last_id) {
            cause.t_ms = message.t_ms;
            break;
          }
        }
      }
      std::string reason = "they never arrived, and it did not reconnect";
      if (const auto reconnect = story.reconnect_within(0, inputs_.history.events.empty()
                                                               ? 0
                                                               : inputs_.history.events.back().t_ms)) {
        reason = "they never arrived, and " + story.reconnect_text(*reconnect) + " did not bring them";
      }
      cause.explanation = cause.client + " never rendered " + span_text(cause) + ": " + reason;
      causes_.push_back(std::move(cause));
      begin = end;
    }
  }

  void add_single(std::size_t index) {
    RootCause cause;
    cause.consequence_indexes = {index};
    fill_from_root(cause, index);
    if (cause.id) cause.span_first_id = cause.span_last_id = cause.id;
    cause.t_ms = anomaly(index).t_ms;
    const Anomaly& root = anomaly(index);
    std::string explanation = root.client.empty() ? "" : root.client + " ";
    explanation += std::string(anomaly_kind_name(root.kind));
    if (root.id) explanation += " id " + std::to_string(*root.id);
    cause.explanation = explanation + ": " + root.detail;
    causes_.push_back(std::move(cause));
  }

  void fill_from_root(RootCause& cause, std::size_t index) const {
    const Anomaly& root = anomaly(index);
    cause.kind = root.kind;
    cause.client = root.client;
    cause.id = root.id;
    cause.anomaly_index = index;
  }

  void set_span_of_ids(RootCause& cause, const std::vector<std::size_t>& indexes) const {
    for (std::size_t index : indexes) {
      const std::optional<std::int64_t> id = anomaly(index).id;
      if (!id) continue;
      cause.span_first_id = std::min(cause.span_first_id.value_or(*id), *id);
      cause.span_last_id = std::max(cause.span_last_id.value_or(*id), *id);
    }
  }

  std::optional<std::int64_t> earliest_t_ms(const std::vector<std::size_t>& indexes) const {
    std::optional<std::int64_t> earliest;
    for (std::size_t index : indexes) {
      if (const auto t_ms = anomaly(index).t_ms) earliest = std::min(earliest.value_or(*t_ms), *t_ms);
    }
    return earliest;
  }

  void assert_every_invalid_anomaly_in_one_cause() const {
    std::vector<std::size_t> owners(inputs_.anomalies.size(), 0);
    for (const RootCause& cause : causes_) {
      for (std::size_t index : cause.consequence_indexes) ++owners[index];
    }
    for (std::size_t index = 0; index < owners.size(); ++index) {
      // A broken grouping would hide an anomaly from the lead line or show it twice.
      RESYNC_ASSERT(owners[index] == (makes_run_invalid(inputs_.anomalies[index].kind) ? 1U : 0U),
                    "root causes: anomaly " + std::to_string(index) + " belongs to " + std::to_string(owners[index]) +
                        " causes, not exactly one");
    }
  }

  const RootCauseInputs& inputs_;
  std::map<std::int64_t, std::size_t> log_index_;
  std::set<std::int64_t> stored_ids_;
  std::vector<std::size_t> singles_;  // the client being grouped: anomalies that are their own cause
  std::vector<RootCause> causes_;
};

void name_active_faults(std::vector<RootCause>& causes, const std::vector<FaultWindow>& windows) {
  for (RootCause& cause : causes) {
    if (!cause.t_ms) continue;
    for (const FaultWindow& window : windows) {
      if (window.active_during(*cause.t_ms, *cause.t_ms) && (cause.client.empty() || window.applies_to(cause.client))) {
        cause.active_fault = window.description();
        break;
      }
    }
  }
}

}  // namespace

std::string span_text(const RootCause& cause) {
  if (!cause.span_first_id || !cause.span_last_id) return "";
  return ids_text(*cause.span_first_id, *cause.span_last_id);
}

std::vector<RootCause> find_root_causes(const RootCauseInputs& inputs) {
  std::vector<RootCause> causes = CauseFinder(inputs).find();
  name_active_faults(causes, inputs.fault_windows);
  return causes;
}

}  // namespace resync::checker
