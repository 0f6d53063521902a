#include "fault_injector/core/connection_pipeline.hpp"

#include <algorithm>

#include "common/portable_random.hpp"
#include "fault_injector/core/deterministic_seed.hpp"
#include "fault_injector/core/toxic_registry.hpp"

namespace resync::fault_injector {
namespace {

constexpr std::uint64_t kToxicitySalt = 0x746F786963697479ULL;  // "toxicity"

std::string_view state_name(int state) {
  static constexpr std::string_view kNames[] = {"waiting_for_tag", "waiting_for_trigger", "active",
                                                "skipped_by_toxicity"};
  return kNames[state];
}

}  // namespace

ConnectionPipeline::ConnectionPipeline(std::uint64_t seed, std::string_view proxy_name, std::uint64_t connection_id)
    : seed_(mix_seed(mix_seed(seed, fnv1a64(proxy_name)), connection_id)), connection_id_(connection_id) {
  refresh_observer_needs();
}

void ConnectionPipeline::attach(const ToxicSpec& spec, Instant now) {
  for (const Attached& attached : attached_) {
    if (attached.spec.name == spec.name) return;
  }
  if (!spec.target.matches(connection_id_, tag_) && !(spec.target.needs_tag() && !tag_)) return;
  attached_.push_back({spec, State::waiting_for_tag, nullptr, now, 0});
  if (spec.target.matches(connection_id_, tag_)) admit(attached_.back(), now);
  if (attached_.back().state == State::active) activate(attached_.size() - 1, now);
  refresh_observer_needs();
}

void ConnectionPipeline::admit(Attached& attached, Instant now, const PiecePoint* point) {
  const std::uint64_t toxic_seed = mix_seed(seed_, fnv1a64(attached.spec.name));
  SeededRandom toxicity_random(mix_seed(toxic_seed, kToxicitySalt));
  if (!toxicity_random.chance(attached.spec.toxicity)) {
    attached.state = State::skipped_by_toxicity;
    return;
  }
  ToxicPlacement placement;
  placement.seed = toxic_seed;
  placement.in_direction = {attached.spec.in(Direction::upstream), attached.spec.in(Direction::downstream)};
  attached.toxic = find_toxic_type(attached.spec.type)->create(attached.spec.attributes, placement);
  attached.attached_at = now;
  if (attached.spec.trigger) {
    attached.state = State::waiting_for_trigger;
    attached.trigger_baseline = trigger_counter(*attached.spec.trigger, point);
    // Counting to zero is already done: such a trigger fires on attachment.
    if (attached.spec.trigger->amount == 0 && attached.spec.trigger->kind != Trigger::Kind::frame_contains) {
      attached.state = State::active;
      report_firing(attached, now);
    }
  } else {
    attached.state = State::active;
  }
}

void ConnectionPipeline::report_firing(const Attached& attached, Instant now) const {
  if (!trigger_listener_ || !attached.spec.trigger) return;
  trigger_listener_(TriggerFiring{attached.spec.name, connection_id_, tag_, now, *attached.spec.trigger});
}

void ConnectionPipeline::activate(std::size_t index, Instant now) {
  Attached& attached = attached_[index];
  if (attached.state == State::waiting_for_trigger) report_firing(attached, now);
  attached.state = State::active;
  ToxicOutput out;
  attached.toxic->on_attached(now, out);
  dispatch(out, index);
}

void ConnectionPipeline::update(const ToxicSpec& spec, Instant now) {
  for (std::size_t index = 0; index < attached_.size(); ++index) {
    Attached& attached = attached_[index];
    if (attached.spec.name != spec.name) continue;
    const bool was_active = attached.state == State::active;
    if (was_active) {
      ToxicOutput out;
      attached.toxic->on_detached(now, out);
      dispatch(out, index);
    }
    Attached& current = attached_[index];
    current.spec = spec;
    if (current.state == State::waiting_for_tag) return;
    const Instant attached_at = current.attached_at;
    const std::uint64_t baseline = current.trigger_baseline;
    admit(current, now);
    current.attached_at = attached_at;
    current.trigger_baseline = baseline;
    if (was_active && current.state == State::waiting_for_trigger) current.state = State::active;
    if (current.state == State::active) activate(index, now);
    refresh_observer_needs();
    return;
  }
}

void ConnectionPipeline::detach(std::string_view toxic_name, Instant now) {
  for (std::size_t index = 0; index < attached_.size(); ++index) {
    if (attached_[index].spec.name != toxic_name) continue;
    if (attached_[index].state == State::active) {
      // Whatever the toxic holds goes on through the toxics after it, then it is gone.
      ToxicOutput out;
      attached_[index].toxic->on_detached(now, out);
      dispatch(out, index);
    }
    attached_.erase(attached_.begin() + static_cast<std::ptrdiff_t>(index));
    refresh_observer_needs();
    return;
  }
}

namespace {

std::optional<ObservedEvent::Kind> counted_event_kind(Trigger::Kind kind) {
  switch (kind) {
    case Trigger::Kind::after_frames: return ObservedEvent::Kind::data_frame;
    case Trigger::Kind::after_events: return ObservedEvent::Kind::socketio_event;
    case Trigger::Kind::after_acks: return ObservedEvent::Kind::socketio_ack;
    case Trigger::Kind::after_ms:
    case Trigger::Kind::after_bytes:
    case Trigger::Kind::frame_contains: return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

std::uint64_t ConnectionPipeline::trigger_counter(const Trigger& trigger, const PiecePoint* point) const {
  const std::size_t direction = index_of(trigger.direction);
  std::uint64_t counter = 0;
  switch (trigger.kind) {
    case Trigger::Kind::after_bytes: counter = bytes_read_[direction]; break;
    case Trigger::Kind::after_frames: counter = observers_[direction].data_frames_seen(); break;
    case Trigger::Kind::after_events: counter = observers_[direction].socketio_events_seen(); break;
    case Trigger::Kind::after_acks: counter = observers_[direction].socketio_acks_seen(); break;
    case Trigger::Kind::after_ms:
    case Trigger::Kind::frame_contains: return 0;
  }
  if (point == nullptr || point->direction != trigger.direction) return counter;
  // The counters have taken in the whole piece already: take back what lies after the point.
  if (trigger.kind == Trigger::Kind::after_bytes) return counter - (point->piece_size - point->offset);
  const std::optional<ObservedEvent::Kind> kind = counted_event_kind(trigger.kind);
  for (const ObservedEvent& event : point->observation->events) {
    if (event.kind == kind && event.end_offset > point->offset) --counter;
  }
  return counter;
}

std::optional<std::size_t> ConnectionPipeline::firing_offset(const Attached& attached, std::uint64_t bytes_before,
                                                             std::size_t size, const Observation& observation,
                                                             std::size_t from_offset) const {
  const Trigger& trigger = *attached.spec.trigger;
  const std::uint64_t goal = attached.trigger_baseline + trigger.amount;
  switch (trigger.kind) {
    case Trigger::Kind::after_ms: return std::nullopt;
    case Trigger::Kind::after_bytes:
      if (goal > bytes_before && goal <= bytes_before + size) return static_cast<std::size_t>(goal - bytes_before);
      return std::nullopt;
    case Trigger::Kind::after_frames:
    case Trigger::Kind::after_events:
    case Trigger::Kind::after_acks: {
      const auto kind = trigger.kind == Trigger::Kind::after_frames   ? ObservedEvent::Kind::data_frame
                        : trigger.kind == Trigger::Kind::after_events ? ObservedEvent::Kind::socketio_event
                                                                      : ObservedEvent::Kind::socketio_ack;
      for (const ObservedEvent& event : observation.events) {
        if (event.kind == kind && event.end_offset > from_offset && event.count >= goal) return event.end_offset;
      }
      return std::nullopt;
    }
    case Trigger::Kind::frame_contains:
      for (const ObservedEvent& event : observation.events) {
        if (event.kind == ObservedEvent::Kind::text_message && event.end_offset > from_offset &&
            event.text.find(trigger.text) != std::string::npos) {
          return event.end_offset;
        }
      }
      return std::nullopt;
  }
  return std::nullopt;
}

std::vector<std::string> ConnectionPipeline::learn_tag(std::string tag, Instant now, const PiecePoint* point) {
  tag_ = std::move(tag);
  std::vector<std::string> waiting_for_trigger;
  for (std::size_t index = 0; index < attached_.size(); ++index) {
    Attached& attached = attached_[index];
    if (attached.state != State::waiting_for_tag) continue;
    if (!attached.spec.target.matches(connection_id_, tag_)) {
      attached_.erase(attached_.begin() + static_cast<std::ptrdiff_t>(index));
      --index;
      continue;
    }
    admit(attached, now, point);
    if (attached.state == State::active) activate(index, now);
    if (attached_[index].state == State::waiting_for_trigger) waiting_for_trigger.push_back(attached_[index].spec.name);
  }
  refresh_observer_needs();
  return waiting_for_trigger;
}

bool ConnectionPipeline::direction_is_idle(Direction direction) const {
  if (!outboxes_[index_of(direction)].empty() || outboxes_[index_of(direction)].end_queued() || reset_at_) return false;
  for (const Attached& attached : attached_) {
    if (attached.state == State::active && attached.spec.in(direction)) return false;
  }
  return true;
}

ConnectionPipeline::Forwarding ConnectionPipeline::on_bytes(Direction direction, std::span<const std::uint8_t> bytes,
                                                            Instant now) {
  const std::size_t side = index_of(direction);
  const std::uint64_t bytes_before = bytes_read_[side];
  bytes_read_[side] += bytes.size();
  Observation observation = observers_[side].observe(bytes);

  // Triggers counting this direction may fire inside this piece, and a tag learned inside it
  // admits the tag's toxics there: split the piece at those points, so the bytes before a
  // point pass as they would have and the rest meets the new toxics. Where a read happens
  // to end then changes nothing: what fires, and where, is a function of the stream.
  struct Split {
    std::size_t offset = 0;
    bool learns_tag = false;
    std::string toxic_name;  // the toxic that fires, unless learns_tag
  };
  std::vector<Split> splits;
  for (const Attached& attached : attached_) {
    if (attached.state != State::waiting_for_trigger || attached.spec.trigger->direction != direction) continue;
    if (auto offset = firing_offset(attached, bytes_before, bytes.size(), observation)) {
      splits.push_back({*offset, false, attached.spec.name});
    }
  }
  std::optional<std::string> learned_tag;
  if (observation.learned_tag && !tag_) {
    learned_tag = std::move(observation.learned_tag);
    splits.push_back({observation.learned_tag_end_offset, true, {}});
  }
  if (splits.empty() && direction_is_idle(direction)) return Forwarding::write_directly;
  // At one offset, the toxics already waiting fire before the tag's toxics are admitted.
  const auto by_offset = [](const Split& a, const Split& b) {
    return a.offset != b.offset ? a.offset < b.offset : !a.learns_tag && b.learns_tag;
  };
  std::stable_sort(splits.begin(), splits.end(), by_offset);

  std::size_t start = 0;
  auto feed = [&](std::size_t end) {
    if (end <= start) return;
    std::string segment(reinterpret_cast<const char*>(bytes.data()) + start, end - start);
    run_chain(direction, 0, {Emission::Kind::bytes, direction, now, std::move(segment)});
    start = end;
  };
  // One split per waiting toxic and one for the tag, so this ends after at most
  // 2 * attached_.size() + 1 rounds.
  for (std::size_t next = 0; next < splits.size(); ++next) {
    const Split split = splits[next];  // a copy: admitting the tag's toxics adds splits
    feed(split.offset);
    if (!split.learns_tag) {
      for (std::size_t index = 0; index < attached_.size(); ++index) {
        if (attached_[index].spec.name == split.toxic_name && attached_[index].state == State::waiting_for_trigger) {
          activate(index, now);
        }
      }
      continue;
    }
    const PiecePoint point{direction, &observation, split.offset, bytes.size()};
    for (const std::string& name : learn_tag(std::move(*learned_tag), now, &point)) {
      for (const Attached& attached : attached_) {
        if (attached.spec.name != name || attached.spec.trigger->direction != direction) continue;
        if (auto offset = firing_offset(attached, bytes_before, bytes.size(), observation, split.offset)) {
          splits.push_back({*offset, false, name});
        }
      }
    }
    std::stable_sort(splits.begin() + static_cast<std::ptrdiff_t>(next) + 1, splits.end(), by_offset);
  }
  feed(bytes.size());
  refresh_observer_needs();
  return Forwarding::queued;
}

bool ConnectionPipeline::can_forward_unobserved(Direction direction) const {
  if (!observers_[index_of(direction)].is_opaque() || !direction_is_idle(direction)) return false;
  for (const Attached& attached : attached_) {
    if (attached.state == State::waiting_for_tag) return false;
    if (attached.state == State::waiting_for_trigger && attached.spec.trigger->direction == direction) return false;
  }
  return true;
}

void ConnectionPipeline::on_end_of_stream(Direction direction, Instant now) {
  run_chain(direction, 0, {Emission::Kind::end_of_stream, direction, now, {}});
}

void ConnectionPipeline::on_timer(Instant now) {
  for (std::size_t index = 0; index < attached_.size(); ++index) {
    const Attached& attached = attached_[index];
    if (attached.state == State::waiting_for_trigger && attached.spec.trigger->kind == Trigger::Kind::after_ms &&
        attached.attached_at + std::chrono::milliseconds(attached.spec.trigger->amount) <= now) {
      activate(index, now);
    }
  }
}

std::optional<Instant> ConnectionPipeline::next_trigger_deadline() const {
  std::optional<Instant> deadline;
  for (const Attached& attached : attached_) {
    if (attached.state != State::waiting_for_trigger || attached.spec.trigger->kind != Trigger::Kind::after_ms) continue;
    const Instant at = attached.attached_at + std::chrono::milliseconds(attached.spec.trigger->amount);
    if (!deadline || at < *deadline) deadline = at;
  }
  return deadline;
}

std::optional<Instant> ConnectionPipeline::next_write_deadline(Direction direction) const {
  const Outbox& outbox = outboxes_[index_of(direction)];
  if (outbox.empty()) return std::nullopt;
  return outbox.front().at;
}

std::optional<Instant> ConnectionPipeline::next_deadline() const {
  std::optional<Instant> deadline = next_trigger_deadline();
  auto earliest = [&deadline](const std::optional<Instant>& at) {
    if (at && (!deadline || *at < *deadline)) deadline = at;
  };
  for (Direction direction : kBothDirections) earliest(next_write_deadline(direction));
  earliest(reset_at_);
  return deadline;
}

std::optional<Instant> ConnectionPipeline::next_deadline_after(Instant now) const {
  std::optional<Instant> deadline;
  auto earliest = [&deadline, now](const std::optional<Instant>& at) {
    if (at && *at > now && (!deadline || *at < *deadline)) deadline = at;
  };
  earliest(next_trigger_deadline());
  for (Direction direction : kBothDirections) earliest(next_write_deadline(direction));
  earliest(reset_at_);
  return deadline;
}

Instant ConnectionPipeline::write_until(Instant now) const { return reset_at_ ? std::min(now, *reset_at_) : now; }

std::optional<ConnectionPipeline::DueWrite> ConnectionPipeline::peek_due(Instant now, Direction direction) const {
  const Outbox& outbox = outboxes_[index_of(direction)];
  if (outbox.empty() || outbox.front().at > write_until(now)) return std::nullopt;
  if (outbox.front().end_of_stream) return DueWrite{{}, true};
  return DueWrite{outbox.front_unwritten(), false};
}

void ConnectionPipeline::consume_due(Direction direction, std::size_t byte_count) {
  Outbox& outbox = outboxes_[index_of(direction)];
  if (outbox.empty()) return;
  if (outbox.front().end_of_stream) {
    outbox.pop_front();
    return;
  }
  outbox.consume_front(std::min(byte_count, outbox.front_unwritten().size()));
}

std::optional<ConnectionPipeline::TakenWrite> ConnectionPipeline::take_due(Instant now, Direction direction) {
  const std::optional<DueWrite> due = peek_due(now, direction);
  if (!due) return std::nullopt;
  TakenWrite taken{direction, std::string(due->bytes), due->end_of_stream};
  consume_due(direction, taken.bytes.size());
  return taken;
}

bool ConnectionPipeline::reset_due(Instant now) const {
  if (!reset_at_ || *reset_at_ > now) return false;
  for (Direction direction : kBothDirections) {
    if (peek_due(*reset_at_, direction)) return false;
  }
  return true;
}

ConnectionPipeline::Due ConnectionPipeline::take_due(Instant now) {
  on_timer(now);
  Due due;
  for (Direction direction : kBothDirections) {
    while (std::optional<TakenWrite> taken = take_due(now, direction)) due.writes.push_back(std::move(*taken));
  }
  due.reset = reset_due(now);
  return due;
}

void ConnectionPipeline::queue_unwritten(Direction direction, std::string bytes, Instant now) {
  outboxes_[index_of(direction)].push_bytes(now, std::move(bytes));
}

void ConnectionPipeline::discard_unwritten() {
  for (Outbox& outbox : outboxes_) outbox.clear();
}

void ConnectionPipeline::run_chain(Direction direction, std::size_t first_index, Emission emission) {
  for (std::size_t index = first_index; index < attached_.size(); ++index) {
    Attached& attached = attached_[index];
    if (attached.state != State::active || !attached.spec.in(direction)) continue;
    ToxicOutput out;
    if (emission.kind == Emission::Kind::bytes) {
      attached.toxic->on_bytes(direction, Chunk{emission.at, std::move(emission.bytes)}, out);
    } else {
      attached.toxic->on_end_of_stream(direction, emission.at, out);
    }
    dispatch(out, index);
    return;
  }
  Outbox& outbox = outboxes_[index_of(direction)];
  if (emission.kind == Emission::Kind::bytes) {
    outbox.push_bytes(emission.at, std::move(emission.bytes));
  } else {
    outbox.push_end_of_stream(emission.at);
  }
}

void ConnectionPipeline::dispatch(ToxicOutput& out, std::size_t from_index) {
  if (out.reset_at() && (!reset_at_ || *out.reset_at() < *reset_at_)) reset_at_ = out.reset_at();
  // Everything a toxic emits continues through the toxics after it, in either direction:
  // the chain order is the proxy's toxic order, shared by both directions.
  for (Emission& emission : out.emissions()) run_chain(emission.direction, from_index + 1, std::move(emission));
}

std::size_t ConnectionPipeline::buffered_bytes(Direction direction) const {
  std::size_t total = outboxes_[index_of(direction)].bytes_queued();
  for (const Attached& attached : attached_) {
    if (attached.state == State::active && attached.spec.in(direction)) total += attached.toxic->held_bytes(direction);
  }
  return total;
}

void ConnectionPipeline::refresh_observer_needs() {
  for (Direction direction : kBothDirections) {
    bool collect_text = false;
    for (const Attached& attached : attached_) {
      // A toxic still waiting for its tag may be admitted in the middle of a read: its text
      // is collected already, so it can match the messages after the tag in that read.
      const bool may_wait_for_trigger =
          attached.state == State::waiting_for_trigger || (attached.state == State::waiting_for_tag && attached.spec.trigger);
      collect_text |= may_wait_for_trigger && attached.spec.trigger->kind == Trigger::Kind::frame_contains &&
                      attached.spec.trigger->direction == direction;
    }
    observers_[index_of(direction)].set_collect_text(collect_text);
    observers_[index_of(direction)].set_want_tag(!tag_);
  }
}

std::vector<ToxicOnConnection> ConnectionPipeline::toxics() const {
  std::vector<ToxicOnConnection> result;
  for (const Attached& attached : attached_) {
    result.push_back({attached.spec.name, std::string(state_name(static_cast<int>(attached.state)))});
  }
  return result;
}

}  // namespace resync::fault_injector
