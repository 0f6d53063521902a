#pragma once
// Limits on scenario files. They keep a typo (an extra zero) from turning a scenario into a
// day-long run, and keep every duration small enough that no arithmetic on it can overflow.
// docs/SCENARIOS.md and scenarios/schema.json state the same numbers.
#include <cstddef>
#include <cstdint>

namespace resync::sim::scenario_bounds {

inline constexpr std::size_t kFileBytesMax = 4 * 1024 * 1024;
inline constexpr int kJsonNestingMax = 64;

inline constexpr std::size_t kNameLengthMax = 64;  // scenario, client and fault names
inline constexpr std::size_t kDescriptionLengthMax = 4000;
inline constexpr std::size_t kTextLengthMax = 1000;  // urls, commands, event names, prefixes

inline constexpr std::int64_t kClientsMax = 200;             // after `count` is applied
inline constexpr std::int64_t kPreloadMessagesMax = 100000;  // rows stored before the run
inline constexpr std::int64_t kMessagesMax = 100000;         // sent by all send steps together
inline constexpr std::int64_t kSendCountMax = 10000;         // per client in one send step
inline constexpr std::size_t kTimelineStepsMax = 10000;

inline constexpr std::int64_t kTimelineMsMax = 600000;  // every step (and its burst) within 10 minutes
inline constexpr std::int64_t kDurationMsMax = 600000;  // any delay or timeout
inline constexpr std::int64_t kIntervalMsMax = 60000;   // between two messages of a burst
inline constexpr std::int64_t kQuietMsMax = 60000;
inline constexpr std::int64_t kRetriesMax = 1000;

// A cluster: more nodes than this on a 2-core test machine measure the machine, not the log.
inline constexpr std::int64_t kClusterNodesMax = 8;
// trim_stream keeps at most this many entries (more than a scenario can send and preload).
inline constexpr std::int64_t kStreamKeepLastMax = 1000000;

}  // namespace resync::sim::scenario_bounds
