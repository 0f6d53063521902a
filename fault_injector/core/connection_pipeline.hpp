#pragma once
// Everything that happens to one proxied connection, as a pure state machine: bytes read
// from either side (with the instant they were read) go in; per-direction outboxes of
// "write these bytes at instant t", ends of stream and an optional reset instant come out.
// It owns the connection's attached toxics (in the proxy's order, which is the chain
// order), its stream observers, targeting and triggers. No sockets, no clock, no threads:
// the Asio shell drives it with real time, the simulator with virtual time.
//
// What is due when is the pipeline's answer, not the shells' (quinn-proto's poll_timeout /
// poll_transmit): next_deadline() says when to come back, take_due() hands out what is due.
// A shell's loop: feed input (on_bytes, on_end_of_stream, control), call take_due (or its
// parts), write what it got, arm one timer at next_deadline_after(now).
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fault_injector/core/outbox.hpp"
#include "fault_injector/core/stream_observer.hpp"
#include "fault_injector/core/toxic.hpp"
#include "fault_injector/core/toxic_spec.hpp"

namespace resync::fault_injector {

struct ToxicOnConnection {
  std::string name;
  std::string state;  // "active", "waiting_for_trigger", "waiting_for_tag", "skipped_by_toxicity"
};

// A toxic's trigger fired on one connection: what the proxy saw, and when. Reported so a
// runner can act on the very packet (a process fault on the server's Nth ACK), not only
// the toxic itself.
struct TriggerFiring {
  std::string toxic_name;
  std::uint64_t connection_id = 0;
  std::optional<std::string> tag;  // the connection's client tag, when known
  Instant at{};
  Trigger trigger;
};
// Called synchronously from inside on_bytes/on_timer/attach, while the pipeline is between
// two pieces of the same read: a listener must not attach, update or detach toxics, nor end
// the connection, from inside the call (post such work instead).
using TriggerListener = std::function<void(const TriggerFiring&)>;

class ConnectionPipeline {
 public:
  ConnectionPipeline(std::uint64_t seed, std::string_view proxy_name, std::uint64_t connection_id);

  void set_trigger_listener(TriggerListener listener) { trigger_listener_ = std::move(listener); }

  // Control: the proxy's toxic list changed. Toxics outside the target are ignored.
  void attach(const ToxicSpec& spec, Instant now);
  void update(const ToxicSpec& spec, Instant now);
  void detach(std::string_view toxic_name, Instant now);

  enum class Forwarding : std::uint8_t {
    queued,          // the bytes (or what is left of them) are in the outbox
    write_directly,  // nothing acts on this direction: write the caller's buffer as is
  };
  Forwarding on_bytes(Direction direction, std::span<const std::uint8_t> bytes, Instant now);
  void on_end_of_stream(Direction direction, Instant now);

  // True when nothing could ever need to see this direction's bytes as they are now: the
  // stream is opaque, no toxic acts on it, no trigger counts it, no toxic waits for a tag.
  // The shell may then move bytes kernel-to-kernel (splice) and only report their count.
  bool can_forward_unobserved(Direction direction) const;
  void on_forwarded_unobserved(Direction direction, std::size_t byte_count) {
    bytes_read_[index_of(direction)] += byte_count;
  }

  // ---- What is due, and when ----------------------------------------------------------
  // One direction's piece that is due: bytes to write (the unwritten part of the piece), or
  // the end of the stream (a FIN to send). Nothing scheduled after a pending reset is ever
  // due: writes are due while their instant is <= min(now, reset_at()).
  struct DueWrite {
    std::string_view bytes;  // into the pipeline: valid until the pipeline is next called
    bool end_of_stream = false;
  };
  struct TakenWrite {
    Direction direction = Direction::upstream;
    std::string bytes;
    bool end_of_stream = false;
  };
  // Everything due at one instant, in the order a shell must apply it.
  struct Due {
    std::vector<TakenWrite> writes;  // all upstream pieces in stream order, then all downstream ones
    bool reset = false;              // after the writes: abort both sides (TCP RST)
  };

  // The earliest instant anything is due: a write or end of stream in either direction (the
  // outbox fronts), the reset, an after_ms trigger. An instant <= now means something is
  // due now. nullopt: only new input or a control call can make anything due.
  std::optional<Instant> next_deadline() const;
  // The same, counting only instants later than now: where a shell with backpressure arms
  // its timer (what is due now but blocked waits for writability, not for the timer).
  std::optional<Instant> next_deadline_after(Instant now) const;
  // The parts of next_deadline(), for a shell that schedules each part on its own.
  std::optional<Instant> next_write_deadline(Direction direction) const;  // the outbox front's instant
  std::optional<Instant> next_trigger_deadline() const;                   // the earliest after_ms trigger
  const std::optional<Instant>& reset_at() const { return reset_at_; }

  // Everything due at now, for a shell that can always write (no backpressure): first runs
  // the after_ms triggers whose time has come (on_timer: a toxic that activates may queue
  // bytes or a reset), then takes every due upstream piece, then every due downstream piece,
  // then reports the reset when reset_due(now) (so the pieces due before it went first).
  Due take_due(Instant now);
  // One direction, one piece: takes the due front piece whole (bytes or the end).
  std::optional<TakenWrite> take_due(Instant now, Direction direction);
  // One direction, for a writer that may take only part (a non-blocking socket): the due
  // front piece without taking it; consume_due(direction, n) after writing n of its bytes
  // (an end of stream: consume_due(direction, 0) once the FIN is sent).
  std::optional<DueWrite> peek_due(Instant now, Direction direction) const;
  void consume_due(Direction direction, std::size_t byte_count);
  // The reset's instant has come and no piece due at or before it is left in either
  // direction: the shell aborts the connection now (after its own buffers, e.g. a splice
  // pipe, are written too). Pieces due before a reset always go out first.
  bool reset_due(Instant now) const;
  // Runs the after_ms triggers whose instant has come (a toxic activating queues its
  // output). take_due(now) calls it first; a shell using the parts calls it on its timer.
  void on_timer(Instant now);

  // Bytes a write_directly caller could not write whole: the rest waits in the outbox, due
  // at now, before anything read later.
  void queue_unwritten(Direction direction, std::string bytes, Instant now);
  // The connection is gone (reset or dropped): nothing queued will ever be written.
  void discard_unwritten();
  // The raw outbox, for callers written before take_due; new code uses the calls above.
  Outbox& outbox(Direction direction) { return outboxes_[index_of(direction)]; }
  // Bytes accepted from the direction's source but not yet written: the proxy stops reading
  // that source while this is above its limit, so a slow or paused path pushes back.
  std::size_t buffered_bytes(Direction direction) const;

  std::uint64_t connection_id() const { return connection_id_; }
  const std::optional<std::string>& tag() const { return tag_; }
  std::uint64_t bytes_read(Direction direction) const { return bytes_read_[index_of(direction)]; }
  std::vector<ToxicOnConnection> toxics() const;

 private:
  enum class State : std::uint8_t { waiting_for_tag, waiting_for_trigger, active, skipped_by_toxicity };
  struct Attached {
    ToxicSpec spec;
    State state = State::waiting_for_tag;
    std::shared_ptr<Toxic> toxic;
    Instant attached_at{};
    std::uint64_t trigger_baseline = 0;  // the counted quantity when the toxic was attached
  };

  // A point inside the piece being read: a toxic admitted there (its tag was learned
  // there) counts its trigger from that point, as it would had the read ended there.
  struct PiecePoint {
    Direction direction = Direction::upstream;
    const Observation* observation = nullptr;
    std::size_t offset = 0;
    std::size_t piece_size = 0;
  };

  void admit(Attached& attached, Instant now, const PiecePoint* point = nullptr);
  void activate(std::size_t index, Instant now);
  void report_firing(const Attached& attached, Instant now) const;
  std::uint64_t trigger_counter(const Trigger& trigger, const PiecePoint* point = nullptr) const;
  // Where in the piece the toxic's trigger fires; only events ending after `from_offset` count.
  std::optional<std::size_t> firing_offset(const Attached& attached, std::uint64_t bytes_before, std::size_t size,
                                           const Observation& observation, std::size_t from_offset = 0) const;
  // Returns the names of the toxics it admitted into waiting_for_trigger.
  std::vector<std::string> learn_tag(std::string tag, Instant now, const PiecePoint* point = nullptr);
  void run_chain(Direction direction, std::size_t first_index, Emission emission);
  void dispatch(ToxicOutput& out, std::size_t from_index);
  bool direction_is_idle(Direction direction) const;
  Instant write_until(Instant now) const;
  void refresh_observer_needs();

  std::uint64_t seed_;
  std::uint64_t connection_id_;
  std::vector<Attached> attached_;  // chain order
  std::array<StreamObserver, 2> observers_{StreamObserver(Direction::upstream), StreamObserver(Direction::downstream)};
  std::array<Outbox, 2> outboxes_;
  std::array<std::uint64_t, 2> bytes_read_{0, 0};
  std::optional<std::string> tag_;
  std::optional<Instant> reset_at_;
  TriggerListener trigger_listener_;
};

}  // namespace resync::fault_injector
