#pragma once
// Everything that happens to one proxied connection, as a pure state machine: bytes read
// from either side (with the instant they were read) go in; per-direction outboxes of
// "write these bytes at instant t", ends of stream and an optional reset instant come out.
// It owns the connection's attached toxics (in the proxy's order, which is the chain
// order), its stream observers, targeting and triggers. No sockets, no clock, no threads:
// the Asio shell drives it with real time, the step-4 simulator with virtual time.
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
  void on_timer(Instant now);
  std::optional<Instant> next_trigger_deadline() const;

  Outbox& outbox(Direction direction) { return outboxes_[index_of(direction)]; }
  const std::optional<Instant>& reset_at() const { return reset_at_; }
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

  void admit(Attached& attached, Instant now);
  void activate(std::size_t index, Instant now);
  void report_firing(const Attached& attached, Instant now) const;
  std::uint64_t trigger_counter(const Trigger& trigger) const;
  std::optional<std::size_t> firing_offset(const Attached& attached, std::uint64_t bytes_before, std::size_t size,
                                           const Observation& observation) const;
  void learn_tag(std::string tag, Instant now);
  void run_chain(Direction direction, std::size_t first_index, Emission emission);
  void dispatch(ToxicOutput& out, std::size_t from_index);
  bool direction_is_idle(Direction direction) const;
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
