#include "server/core/planted_bug.hpp"

#include <array>
#include <utility>

namespace resync::server {

namespace {

constexpr std::array<std::pair<PlantedBug, std::string_view>, 7> named_bugs{{
    {PlantedBug::drop_every_10th_plain, "drop-every-10th-plain"},
    {PlantedBug::recovery_skips_first_missed, "recovery-skips-first-missed"},
    {PlantedBug::recovery_repeats_last_seen, "recovery-repeats-last-seen"},
    {PlantedBug::crash_after_20_messages, "crash-after-20-messages"},
    {PlantedBug::use_after_free_after_20_messages, "use-after-free-after-20-messages"},
    {PlantedBug::ack_before_commit, "ack-before-commit"},
    {PlantedBug::ack_before_insert, "ack-before-insert"},
}};

}  // namespace

std::string_view planted_bug_name(PlantedBug bug) {
  for (const auto& [named, name] : named_bugs) {
    if (named == bug) return name;
  }
  return "";
}

std::optional<PlantedBug> parse_planted_bug(std::string_view name) {
  if (name.empty()) return PlantedBug::none;
  for (const auto& [named, known] : named_bugs) {
    if (known == name) return named;
  }
  return std::nullopt;
}

const std::vector<std::string_view>& planted_bug_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> all;
    for (const auto& [named, name] : named_bugs) all.push_back(name);
    return all;
  }();
  return names;
}

bool planted_bug_is_live_only(PlantedBug bug) {
  return bug == PlantedBug::crash_after_20_messages || bug == PlantedBug::use_after_free_after_20_messages;
}

}  // namespace resync::server
