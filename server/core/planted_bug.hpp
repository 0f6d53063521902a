#pragma once
// Bugs planted on purpose, for testing Resync itself: each one makes the server break a
// promise in one known way, so a test can prove that the checker (or the runner) catches
// it. A real deployment never sets one. Names are the flag values of `resync serve
// --planted-bug` and `resync run --planted-bug`, and of the scenario key
// `server.planted_bug`.
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace resync::server {

enum class PlantedBug {
  none,
  // The core silently drops every 10th chat message without a client_offset: not stored,
  // not broadcast, not acknowledged. Core: the same in the simulator and live.
  drop_every_10th_plain,
  // A successful connection state recovery replays every missed event but the first.
  recovery_skips_first_missed,
  // A successful recovery replays, first, the last event the client already had.
  recovery_repeats_last_seen,
  // The live server raises SIGSEGV once it has stored 20 messages. Live only.
  crash_after_20_messages,
  // The live server reads freed heap memory once it has stored 20 messages: only a
  // sanitizer build notices (and reports it). Live only.
  use_after_free_after_20_messages,
  // An acked chat message is acknowledged as soon as its commit group goes to the store, before
  // the transaction that holds it commits (the tutorial's ack-before-INSERT-completes server):
  // a stop between the ack and the commit loses an acknowledged message. Core: the same in the
  // simulator and live.
  ack_before_commit,
  // The core acknowledges a chat message on arrival, before its write, and ignores the
  // write's outcome (the classic Node bug: callback() before db.run finished). Core: sim and live.
  ack_before_insert,
};

// Every nth plain message is dropped by drop_every_10th_plain.
inline constexpr std::int64_t planted_drop_every_nth_plain = 10;
// The live-only bugs strike once this many messages are stored in one server process.
inline constexpr std::int64_t planted_fault_after_stored_messages = 20;

std::string_view planted_bug_name(PlantedBug bug);
// "" is none; an unknown name is nullopt.
std::optional<PlantedBug> parse_planted_bug(std::string_view name);
// Every name a user may write, in declaration order (none excluded).
const std::vector<std::string_view>& planted_bug_names();
// True for bugs that need a real server process (a signal, a sanitizer): they cannot run in
// the simulator, which drives the core inside the runner's own process.
bool planted_bug_is_live_only(PlantedBug bug);

}  // namespace resync::server
