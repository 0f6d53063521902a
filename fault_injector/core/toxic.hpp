#pragma once
// THE RULE: a toxic never loses bytes unless losing bytes is its job.
//
// A toxic is one fault, applied to one proxied connection. It never sleeps, never reads a
// clock and never touches a socket: it is fed bytes (or an end of stream) together with the
// instant they reached it, and answers "deliver these bytes at instant t", "end this stream
// at t", "reset the connection at t", or nothing yet (it holds the bytes). Randomness comes
// only from the seeded generator it was created with. This is what lets the same toxic run
// behind the Asio proxy (real time, timers) and inside the step-4 simulator (virtual time).
//
// Configuration (the validated attributes) lives in ToxicSpec; a Toxic object is the
// per-connection state created from it. A toxic attached to both directions is one object
// placed in both chains, so its state is shared (e.g. one byte budget for both ways).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fault_injector/core/instant.hpp"

namespace resync::fault_injector {

struct Chunk {
  Instant at{};       // when the bytes reached this toxic
  std::string bytes;  // never empty
};

// One thing a toxic asks the pipeline to do next in a direction.
struct Emission {
  enum class Kind : std::uint8_t { bytes, end_of_stream };
  Kind kind = Kind::bytes;
  Direction direction = Direction::downstream;
  Instant at{};
  std::string bytes;  // empty for end_of_stream
};

// Collects what a toxic emits during one call. Emitted instants must never go backwards
// within a direction; the pipeline clamps them anyway so bytes are never reordered.
class ToxicOutput {
 public:
  void deliver(Direction direction, Instant at, std::string bytes) {
    if (!bytes.empty()) emissions_.push_back({Emission::Kind::bytes, direction, at, std::move(bytes)});
  }
  // A clean end (FIN) toward the direction's destination, after the bytes emitted before it.
  void end_stream(Direction direction, Instant at) {
    emissions_.push_back({Emission::Kind::end_of_stream, direction, at, {}});
  }
  // An abortive close (RST) of the whole connection: both sockets, pending bytes discarded.
  void reset_connection(Instant at) {
    if (!reset_at_ || at < *reset_at_) reset_at_ = at;
  }

  std::vector<Emission>& emissions() { return emissions_; }
  const std::optional<Instant>& reset_at() const { return reset_at_; }

 private:
  std::vector<Emission> emissions_;
  std::optional<Instant> reset_at_;
};

class Toxic {
 public:
  virtual ~Toxic() = default;

  // The toxic starts acting on the connection at `now` (added, or its trigger fired).
  virtual void on_attached(Instant /*now*/, ToxicOutput& /*out*/) {}
  // Bytes flowing in `direction`. Pass them on with out.deliver(direction, ...).
  virtual void on_bytes(Direction direction, Chunk chunk, ToxicOutput& out) = 0;
  // The source of `direction` closed cleanly at `at`; by default the end passes straight on.
  virtual void on_end_of_stream(Direction direction, Instant at, ToxicOutput& out) { out.end_stream(direction, at); }
  // The toxic is removed (healed) at `now`: release anything it holds, in order.
  virtual void on_detached(Instant /*now*/, ToxicOutput& /*out*/) {}
  // Bytes this toxic is holding in `direction`; the proxy stops reading when too much is held.
  virtual std::size_t held_bytes(Direction /*direction*/) const { return 0; }
};

}  // namespace resync::fault_injector
