#include "sim/checker/delivery_figures.hpp"

#include <set>
#include <string_view>
#include <utility>

namespace resync::checker {

DeliveryFigures delivery_figures(const history::History& history, const CheckResult& result) {
  DeliveryFigures figures;
  figures.stored = result.committed_log.size();

  std::set<std::string_view> stored_offsets;
  std::set<std::string_view> stored_contents;
  for (const history::CommittedMessage& row : result.committed_log) {
    if (row.client_offset) stored_offsets.insert(*row.client_offset);
    if (!stored_contents.insert(row.content).second) ++figures.duplicated;
  }

  // An acked send is one message however often it was retried and acknowledged: counted once.
  std::set<std::pair<std::string_view, std::string_view>> acked_sends;
  for (const history::HistoryEvent& event : history.events) {
    const auto* acked = event.as<history::MessageAcked>();
    if (acked == nullptr) continue;
    const bool first_ack = acked->client_offset ? acked_sends.emplace("", *acked->client_offset).second
                                                : acked_sends.emplace(acked->client, acked->content).second;
    if (!first_ack) continue;
    ++figures.acked;
    const bool is_stored =
        acked->client_offset ? stored_offsets.contains(*acked->client_offset) : stored_contents.contains(acked->content);
    if (!is_stored) ++figures.lost;
  }
  return figures;
}

std::string delivery_figures_line(const std::string& history_path, const DeliveryFigures& figures) {
  return "figures " + history_path + ": acked " + std::to_string(figures.acked) + ", stored " +
         std::to_string(figures.stored) + ", lost " + std::to_string(figures.lost) + ", duplicated " +
         std::to_string(figures.duplicated);
}

}  // namespace resync::checker
