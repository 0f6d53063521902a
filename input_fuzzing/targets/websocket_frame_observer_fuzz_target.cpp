// The proxy's stream observer and its triggers: a proxied connection's bytes in both
// directions (an HTTP upgrade, then WebSocket frames; or a Redis link's RESP commands and
// replies, when a direction starts with a RESP type byte), fed once in the pieces the input
// names and once with every piece cut again at seeded points. The observer only watches, so
// what comes out equals what went in; it holds no more than its limits; a RESP stream never
// shows a Socket.IO event, ACK or tag; and where reads happen to split the stream changes
// nothing it reports or fires.
//
// Input: byte 0 seeds the extra cuts; then segments, each a 2-byte header (the top bit: 1 =
// downstream, 0 = upstream; the other 15 bits: the segment's length) and its bytes.
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/invariant.hpp"
#include "common/portable_random.hpp"
#include "fault_injector/core/connection_pipeline.hpp"
#include "fault_injector/core/resp_message_scanner.hpp"
#include "fault_injector/core/stream_observer.hpp"
#include "fault_injector/core/toxic_spec.hpp"
#include "input_fuzzing/fuzz_targets.hpp"

namespace resync::input_fuzzing {

namespace fi = fault_injector;

namespace {

struct Segment {
  fi::Direction direction = fi::Direction::upstream;
  std::string_view bytes;
};

constexpr std::size_t segment_header_bytes = 2;
// Each extra cut is at most this far from the previous one, so cuts fall inside frame
// headers and HTTP terminators as well as between frames.
constexpr std::uint64_t observer_cut_distance_max = 16;

std::vector<Segment> segments_of(std::string_view input) {
  std::vector<Segment> segments;
  while (input.size() >= segment_header_bytes) {
    const auto high = static_cast<std::uint8_t>(input[0]);
    const auto low = static_cast<std::uint8_t>(input[1]);
    const fi::Direction direction = (high & 0x80) != 0 ? fi::Direction::downstream : fi::Direction::upstream;
    const std::size_t length = (static_cast<std::size_t>(high & 0x7F) << 8) | low;
    input.remove_prefix(segment_header_bytes);
    const std::string_view bytes = input.substr(0, length);
    input.remove_prefix(bytes.size());
    segments.push_back({direction, bytes});
  }
  return segments;
}

// The pieces one reader of the stream would see: the segments as they are, or each one cut
// again at seeded points.
std::vector<Segment> pieces_of(const std::vector<Segment>& segments, std::uint64_t cut_seed, bool cut_again) {
  if (!cut_again) return segments;
  SeededRandom random(cut_seed);
  std::vector<Segment> pieces;
  for (const Segment& segment : segments) {
    std::string_view rest = segment.bytes;
    while (!rest.empty()) {
      const std::size_t length = 1 + static_cast<std::size_t>(random.uniform_below(observer_cut_distance_max));
      pieces.push_back({segment.direction, rest.substr(0, length)});
      rest.remove_prefix(std::min(length, rest.size()));
    }
  }
  return pieces;
}

std::span<const std::uint8_t> piece_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// ---- the observer alone ----------------------------------------------------------------

struct ObservedAt {
  fi::ObservedEvent::Kind kind;
  std::uint64_t stream_offset;  // one past the event's last byte, in its direction's stream
  std::uint64_t count;
  std::string text;
  friend bool operator==(const ObservedAt&, const ObservedAt&) = default;
};

struct ObserverReport {
  std::array<std::vector<ObservedAt>, 2> events;
  std::optional<std::string> tag;
  std::uint64_t tag_stream_offset = 0;
  friend bool operator==(const ObserverReport&, const ObserverReport&) = default;
};

ObserverReport observe_alone(const std::vector<Segment>& pieces) {
  std::array<fi::StreamObserver, 2> observers{fi::StreamObserver(fi::Direction::upstream),
                                              fi::StreamObserver(fi::Direction::downstream)};
  for (fi::StreamObserver& observer : observers) {
    observer.set_collect_text(true);
    observer.set_want_tag(true);
  }
  std::array<std::uint64_t, 2> stream_offsets{0, 0};
  // Whether each direction's first byte made it a Redis link (RESP), decided once.
  std::array<std::optional<bool>, 2> started_as_resp;
  ObserverReport report;
  for (const Segment& piece : pieces) {
    const std::size_t side = fi::index_of(piece.direction);
    fi::StreamObserver& observer = observers[side];
    if (!started_as_resp[side] && !piece.bytes.empty()) {
      const fi::RespSide resp_side =
          piece.direction == fi::Direction::upstream ? fi::RespSide::commands : fi::RespSide::replies;
      started_as_resp[side] =
          fi::RespMessageScanner::starts_stream(resp_side, static_cast<std::uint8_t>(piece.bytes[0]));
    }
    fi::Observation observation = observer.observe(piece_bytes(piece.bytes));
    const bool is_resp_stream = started_as_resp[side].value_or(false);
    RESYNC_ASSERT(!observer.is_resp() || is_resp_stream, "only a stream that starts as RESP is followed as RESP");
    RESYNC_ASSERT(!is_resp_stream || (!observer.is_websocket() && observer.socketio_events_seen() == 0 &&
                                      observer.socketio_acks_seen() == 0 && !observation.learned_tag),
                  "a Redis link never shows a Socket.IO event, ACK or tag");
    RESYNC_ASSERT(observer.held_bytes() <= std::max(fi::StreamObserver::kHttpHeadBytesMax,
                                                    fi::StreamObserver::kMessageTextBytesMax),
                  "the observer holds no more than its head or text limit between pieces");
    for (const fi::ObservedEvent& event : observation.events) {
      RESYNC_ASSERT(event.end_offset <= piece.bytes.size(), "an event ends inside the piece it was seen in");
      RESYNC_ASSERT(event.text.size() <= fi::StreamObserver::kMessageTextBytesMax,
                    "a collected text message is at most kMessageTextBytesMax");
      report.events[side].push_back({event.kind, stream_offsets[side] + event.end_offset, event.count, event.text});
    }
    if (observation.learned_tag) {
      RESYNC_ASSERT(!observation.learned_tag->empty() && observation.learned_tag->size() <= fi::StreamObserver::kTagBytesMax,
                    "a learned tag is 1 to kTagBytesMax bytes");
      RESYNC_ASSERT(piece.direction == fi::Direction::upstream, "tags are learned from the client's bytes only");
      // The pipeline stops asking once it knows the connection's tag.
      if (!report.tag) report.tag = std::move(observation.learned_tag);
      observer.set_want_tag(false);
    }
    stream_offsets[side] += piece.bytes.size();
  }
  return report;
}

// ---- the pipeline with watch toxics ------------------------------------------------------

// Watches (noop toxics with triggers) on every kind of trigger, in both directions, some of
// them only for a tagged client: they change no byte, so the output must equal the input.
const std::vector<fi::ToxicSpec>& watch_toxics() {
  static const std::vector<fi::ToxicSpec> specs = [] {
    const char* bodies[] = {
        R"({"name":"third_frame_up","type":"noop","stream":"upstream","trigger":{"after_frames":3}})",
        R"({"name":"third_frame_down","type":"noop","trigger":{"after_frames":3}})",
        R"({"name":"xadd_up","type":"noop","stream":"upstream","trigger":{"frame_contains":"XADD"}})",
        R"({"name":"second_event_up","type":"noop","stream":"upstream","trigger":{"after_events":2}})",
        R"({"name":"first_ack_down","type":"noop","trigger":{"after_acks":1}})",
        R"({"name":"second_event_down","type":"noop","trigger":{"after_events":2}})",
        R"({"name":"hello_down","type":"noop","trigger":{"frame_contains":"hello"}})",
        R"({"name":"bytes_down","type":"noop","trigger":{"after_bytes":200}})",
        R"({"name":"alice_first_event_down","type":"noop","target":{"tag":"alice"},"trigger":{"after_events":1}})",
        (R"({"name":"alice_hello_up","type":"noop","stream":"upstream","target":{"tag":"alice"},)"
         R"("trigger":{"frame_contains":"hello"}})"),
        R"({"name":"alice_watch","type":"noop","target":{"tag":"alice"}})",
    };
    std::vector<fi::ToxicSpec> parsed;
    for (const char* body : bodies) {
      fi::Result<fi::ToxicSpec> spec = fi::parse_toxic_spec(nlohmann::json::parse(body));
      RESYNC_ASSERT(spec.ok(), "the target's own toxic specs parse");
      parsed.push_back(spec.value());
    }
    return parsed;
  }();
  return specs;
}

struct Firing {
  std::string toxic_name;
  fi::Direction direction;
  std::uint64_t stream_offset;  // bytes of the trigger's direction that had passed when it fired
  friend bool operator==(const Firing&, const Firing&) = default;
};

struct PipelineReport {
  std::vector<Firing> firings;
  std::optional<std::string> tag;
  std::array<std::string, 2> output;
};

PipelineReport run_pipeline(const std::vector<Segment>& pieces) {
  const fi::Instant now{0};
  fi::ConnectionPipeline pipeline(/*seed=*/1, "fuzz", /*connection_id=*/1);
  PipelineReport report;
  // Bytes the pipeline let the caller write directly; queued bytes follow them (nothing is
  // taken from the outbox until the end, so nothing is written directly after a queued piece).
  std::array<std::string, 2> written_directly;
  pipeline.set_trigger_listener([&](const fi::TriggerFiring& firing) {
    const fi::Direction direction = firing.trigger.direction;
    report.firings.push_back({firing.toxic_name, direction,
                              written_directly[fi::index_of(direction)].size() + pipeline.buffered_bytes(direction)});
  });
  for (const fi::ToxicSpec& spec : watch_toxics()) pipeline.attach(spec, now);
  for (const Segment& piece : pieces) {
    const std::size_t side = fi::index_of(piece.direction);
    if (pipeline.on_bytes(piece.direction, piece_bytes(piece.bytes), now) == fi::ConnectionPipeline::Forwarding::write_directly) {
      RESYNC_ASSERT(pipeline.buffered_bytes(piece.direction) == 0, "bytes written directly never pass queued ones");
      written_directly[side].append(piece.bytes);
    }
  }
  report.output = written_directly;
  for (const fi::ConnectionPipeline::TakenWrite& write : pipeline.take_due(now).writes) {
    RESYNC_ASSERT(!write.end_of_stream, "no end of stream was fed");
    report.output[fi::index_of(write.direction)].append(write.bytes);
  }
  report.tag = pipeline.tag();
  return report;
}

}  // namespace

void fuzz_websocket_frame_observer(std::string_view input) {
  if (input.empty()) return;
  const std::uint64_t cut_seed = static_cast<std::uint8_t>(input[0]);
  const std::vector<Segment> segments = segments_of(input.substr(1));
  std::array<std::string, 2> stream;
  for (const Segment& segment : segments) stream[fi::index_of(segment.direction)].append(segment.bytes);

  const std::vector<Segment> as_given = pieces_of(segments, cut_seed, /*cut_again=*/false);
  const std::vector<Segment> cut = pieces_of(segments, cut_seed, /*cut_again=*/true);

  const ObserverReport observed = observe_alone(as_given);
  RESYNC_ASSERT(observe_alone(cut) == observed, "the observer reports the same events and tag however the stream is cut");

  const PipelineReport piped = run_pipeline(as_given);
  RESYNC_ASSERT(piped.output == stream, "watch toxics pass every byte on unchanged, in order");
  const PipelineReport piped_cut = run_pipeline(cut);
  RESYNC_ASSERT(piped_cut.output == stream, "watch toxics pass every byte on unchanged, in order (cut)");
  RESYNC_ASSERT(piped_cut.tag == piped.tag, "the connection's tag does not depend on where reads split the stream");
  RESYNC_ASSERT(piped_cut.firings == piped.firings,
                "the same triggers fire at the same stream offsets however the stream is cut");
}

}  // namespace resync::input_fuzzing
