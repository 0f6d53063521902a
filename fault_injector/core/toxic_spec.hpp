#pragma once
// A toxic's configuration as the API sees it: Toxiproxy's fields (name, type, stream,
// toxicity, attributes) plus Resync's extensions (target, trigger), which old clients
// simply never send. Parsing untrusted JSON returns an ApiError; it never throws.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "fault_injector/core/instant.hpp"
#include "fault_injector/core/result.hpp"

namespace resync::fault_injector {

enum class StreamSelection : std::uint8_t { upstream, downstream, both };

// Which connections of the proxy a toxic applies to.
struct Target {
  enum class Kind : std::uint8_t { all, connection_id, nth_connection, tag };
  Kind kind = Kind::all;
  std::uint64_t number = 0;  // connection id, or N for the Nth connection
  std::string tag;
  // Connections the proxy had accepted when the toxic was created; the "Nth connection"
  // is the Nth accepted after that. Filled in by the control plane, not by clients.
  std::uint64_t connections_accepted_before = 0;

  bool matches(std::uint64_t connection_id, const std::optional<std::string>& connection_tag) const;
  bool needs_tag() const { return kind == Kind::tag; }
};

// When a toxic starts acting on a connection (without one: as soon as it is attached).
struct Trigger {
  enum class Kind : std::uint8_t { after_ms, after_bytes, after_frames, after_events, after_acks, frame_contains };
  Kind kind = Kind::after_ms;
  std::uint64_t amount = 0;  // milliseconds, bytes, frames, events or acks
  std::string text;          // for frame_contains
  Direction direction = Direction::downstream;  // the stream that is counted or matched
};

struct ToxicSpec {
  std::string name;
  std::string type;
  StreamSelection stream = StreamSelection::downstream;
  double toxicity = 1.0;
  nlohmann::json attributes = nlohmann::json::object();  // normalized by the toxic type
  Target target;
  std::optional<Trigger> trigger;

  bool in(Direction direction) const {
    return stream == StreamSelection::both || static_cast<std::uint8_t>(stream) == static_cast<std::uint8_t>(direction);
  }
};

inline constexpr std::size_t kToxicNameBytesMax = 256;

// Toxiproxy's POST /proxies/{proxy}/toxics body: defaults stream=downstream, toxicity=1,
// name=<type>_<stream>.
Result<ToxicSpec> parse_toxic_spec(const nlohmann::json& body);
// PATCH body: attributes are merged into the existing ones, toxicity replaced if given.
Result<ToxicSpec> apply_toxic_update(const ToxicSpec& existing, const nlohmann::json& body);
nlohmann::json to_json(const ToxicSpec& spec);

std::string_view stream_name(StreamSelection stream);
// The trigger's own JSON ({"after_acks": 5, "direction": "downstream"}), as in a toxic body.
nlohmann::json to_json(const Trigger& trigger);
// "the 5th Socket.IO ACK downstream", "a downstream message containing \"x\"": for logs and histories.
std::string describe(const Trigger& trigger);

}  // namespace resync::fault_injector
