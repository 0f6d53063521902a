#include "fault_injector/core/toxic_spec.hpp"

#include "fault_injector/core/toxic_registry.hpp"

namespace resync::fault_injector {
namespace {

const ApiError kInvalidStream{400, "stream was invalid, can be either upstream or downstream"};
const ApiError kInvalidToxicType{400, "invalid toxic type"};

std::optional<StreamSelection> parse_stream(std::string_view text) {
  if (text == "upstream") return StreamSelection::upstream;
  if (text == "downstream") return StreamSelection::downstream;
  if (text == "both") return StreamSelection::both;
  return std::nullopt;
}

std::optional<ApiError> read_optional_string(const nlohmann::json& body, const char* key, std::string& value) {
  auto found = body.find(key);
  if (found == body.end() || found->is_null()) return std::nullopt;
  if (!found->is_string()) return bad_request(std::string(key) + " must be a string");
  value = found->get<std::string>();
  return std::nullopt;
}

std::optional<ApiError> read_toxicity(const nlohmann::json& body, double& toxicity) {
  auto found = body.find("toxicity");
  if (found == body.end() || found->is_null()) return std::nullopt;
  if (!found->is_number()) return bad_request("toxicity must be a number");
  toxicity = found->get<double>();
  if (!(toxicity >= 0.0 && toxicity <= 1.0)) return bad_request("toxicity must be between 0 and 1");
  return std::nullopt;
}

Result<std::uint64_t> read_count(const nlohmann::json& object, const char* key) {
  const nlohmann::json& value = object.at(key);
  if (!value.is_number_integer() || (value.is_number_integer() && !value.is_number_unsigned() && value.get<std::int64_t>() < 0)) {
    return bad_request(std::string(key) + " must be a non-negative integer");
  }
  return value.get<std::uint64_t>();
}

Result<Target> parse_target(const nlohmann::json& body) {
  Target target;
  auto found = body.find("target");
  if (found == body.end() || found->is_null() || (found->is_string() && *found == "all")) return target;
  if (!found->is_object() || found->size() != 1) {
    return bad_request("target must be \"all\" or an object with one of connection_id, nth_connection, tag");
  }
  if (found->contains("connection_id") || found->contains("nth_connection")) {
    const bool by_id = found->contains("connection_id");
    Result<std::uint64_t> number = read_count(*found, by_id ? "connection_id" : "nth_connection");
    if (!number.ok()) return number.error();
    if (number.value() == 0) return bad_request("target connection numbers start at 1");
    target.kind = by_id ? Target::Kind::connection_id : Target::Kind::nth_connection;
    target.number = number.value();
    return target;
  }
  if (found->contains("tag")) {
    const nlohmann::json& tag = found->at("tag");
    if (!tag.is_string() || tag.get<std::string>().empty()) return bad_request("target tag must be a non-empty string");
    target.kind = Target::Kind::tag;
    target.tag = tag.get<std::string>();
    return target;
  }
  return bad_request("target must be \"all\" or an object with one of connection_id, nth_connection, tag");
}

Result<std::optional<Trigger>> parse_trigger(const nlohmann::json& body, StreamSelection stream) {
  auto found = body.find("trigger");
  if (found == body.end() || found->is_null()) return std::optional<Trigger>{};
  const char* const kMessage =
      "trigger must be an object with exactly one of after_ms, after_bytes, after_frames, after_events, "
      "after_acks, frame_contains (and optionally direction)";
  if (!found->is_object()) return bad_request(kMessage);
  Trigger trigger;
  trigger.direction = stream == StreamSelection::upstream ? Direction::upstream : Direction::downstream;
  int kinds_seen = 0;
  for (auto& [key, value] : found->items()) {
    if (key == "direction") {
      std::optional<Direction> direction = value.is_string() ? parse_direction(value.get<std::string>()) : std::nullopt;
      if (!direction) return bad_request("trigger direction must be upstream or downstream");
      trigger.direction = *direction;
      continue;
    }
    ++kinds_seen;
    if (key == "frame_contains") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return bad_request("trigger frame_contains must be a non-empty string");
      }
      trigger.kind = Trigger::Kind::frame_contains;
      trigger.text = value.get<std::string>();
      continue;
    }
    if (key == "after_ms") trigger.kind = Trigger::Kind::after_ms;
    else if (key == "after_bytes") trigger.kind = Trigger::Kind::after_bytes;
    else if (key == "after_frames") trigger.kind = Trigger::Kind::after_frames;
    else if (key == "after_events") trigger.kind = Trigger::Kind::after_events;
    else if (key == "after_acks") trigger.kind = Trigger::Kind::after_acks;
    else return bad_request(kMessage);
    Result<std::uint64_t> amount = read_count(*found, key.c_str());
    if (!amount.ok()) return amount.error();
    trigger.amount = amount.value();
  }
  if (kinds_seen != 1) return bad_request(kMessage);
  return std::optional<Trigger>(trigger);
}

nlohmann::json trigger_to_json(const Trigger& trigger) {
  nlohmann::json json = nlohmann::json::object();
  switch (trigger.kind) {
    case Trigger::Kind::after_ms: json["after_ms"] = trigger.amount; break;
    case Trigger::Kind::after_bytes: json["after_bytes"] = trigger.amount; break;
    case Trigger::Kind::after_frames: json["after_frames"] = trigger.amount; break;
    case Trigger::Kind::after_events: json["after_events"] = trigger.amount; break;
    case Trigger::Kind::after_acks: json["after_acks"] = trigger.amount; break;
    case Trigger::Kind::frame_contains: json["frame_contains"] = trigger.text; break;
  }
  json["direction"] = direction_name(trigger.direction);
  return json;
}

std::string ordinal(std::uint64_t number) {
  const std::uint64_t last_two = number % 100;
  const std::uint64_t last = number % 10;
  const char* suffix = (last_two >= 11 && last_two <= 13) ? "th" : last == 1 ? "st" : last == 2 ? "nd" : last == 3 ? "rd" : "th";
  return std::to_string(number) + suffix;
}

nlohmann::json target_to_json(const Target& target) {
  switch (target.kind) {
    case Target::Kind::all: return "all";
    case Target::Kind::connection_id: return {{"connection_id", target.number}};
    case Target::Kind::nth_connection: return {{"nth_connection", target.number}};
    case Target::Kind::tag: return {{"tag", target.tag}};
  }
  return "all";
}

}  // namespace

bool Target::matches(std::uint64_t connection_id, const std::optional<std::string>& connection_tag) const {
  switch (kind) {
    case Kind::all: return true;
    case Kind::connection_id: return connection_id == number;
    case Kind::nth_connection: return connection_id == connections_accepted_before + number;
    case Kind::tag: return connection_tag && *connection_tag == tag;
  }
  return false;
}

std::string_view stream_name(StreamSelection stream) {
  switch (stream) {
    case StreamSelection::upstream: return "upstream";
    case StreamSelection::downstream: return "downstream";
    case StreamSelection::both: return "both";
  }
  return "downstream";
}

Result<ToxicSpec> parse_toxic_spec(const nlohmann::json& body) {
  if (!body.is_object()) return bad_request("expected a JSON object");
  ToxicSpec spec;
  std::string stream = "downstream";
  if (auto error = read_optional_string(body, "name", spec.name)) return *error;
  if (auto error = read_optional_string(body, "type", spec.type)) return *error;
  if (auto error = read_optional_string(body, "stream", stream)) return *error;
  if (auto error = read_toxicity(body, spec.toxicity)) return *error;

  std::optional<StreamSelection> selection = parse_stream(stream);
  if (!selection) return kInvalidStream;
  spec.stream = *selection;
  if (spec.name.empty()) spec.name = spec.type + "_" + stream;
  if (spec.name.size() > kToxicNameBytesMax) return bad_request("name is too long");

  const ToxicType* type = find_toxic_type(spec.type);
  if (type == nullptr) return kInvalidToxicType;
  auto attributes = body.find("attributes");
  Result<nlohmann::json> normalized =
      type->normalize_attributes(attributes == body.end() ? nlohmann::json::object() : *attributes);
  if (!normalized.ok()) return normalized.error();
  spec.attributes = std::move(normalized).value();

  Result<Target> target = parse_target(body);
  if (!target.ok()) return target.error();
  spec.target = std::move(target).value();
  Result<std::optional<Trigger>> trigger = parse_trigger(body, spec.stream);
  if (!trigger.ok()) return trigger.error();
  spec.trigger = std::move(trigger).value();
  return spec;
}

Result<ToxicSpec> apply_toxic_update(const ToxicSpec& existing, const nlohmann::json& body) {
  if (!body.is_object()) return bad_request("expected a JSON object");
  ToxicSpec updated = existing;
  if (auto error = read_toxicity(body, updated.toxicity)) return *error;
  auto attributes = body.find("attributes");
  if (attributes != body.end() && !attributes->is_null()) {
    if (!attributes->is_object()) return bad_request("attributes must be a JSON object");
    nlohmann::json merged = existing.attributes;
    for (auto& [key, value] : attributes->items()) merged[key] = value;
    Result<nlohmann::json> normalized = find_toxic_type(existing.type)->normalize_attributes(merged);
    if (!normalized.ok()) return normalized.error();
    updated.attributes = std::move(normalized).value();
  }
  return updated;
}

nlohmann::json to_json(const Trigger& trigger) { return trigger_to_json(trigger); }

std::string describe(const Trigger& trigger) {
  const std::string direction(direction_name(trigger.direction));
  switch (trigger.kind) {
    case Trigger::Kind::after_ms: return std::to_string(trigger.amount) + " ms after the toxic was attached";
    case Trigger::Kind::after_bytes: return "the " + ordinal(trigger.amount) + " byte " + direction;
    case Trigger::Kind::after_frames:
      return "the " + ordinal(trigger.amount) + " WebSocket data frame or RESP message " + direction;
    case Trigger::Kind::after_events: return "the " + ordinal(trigger.amount) + " Socket.IO EVENT " + direction;
    case Trigger::Kind::after_acks: return "the " + ordinal(trigger.amount) + " Socket.IO ACK " + direction;
    case Trigger::Kind::frame_contains:
      return (trigger.direction == Direction::upstream ? "an " : "a ") + direction + " message containing " +
             nlohmann::json(trigger.text).dump();
  }
  return "a trigger";
}

nlohmann::json to_json(const ToxicSpec& spec) {
  nlohmann::json json = {
      {"name", spec.name},         {"type", spec.type},
      {"stream", stream_name(spec.stream)}, {"toxicity", spec.toxicity},
      {"attributes", spec.attributes},
  };
  if (spec.target.kind != Target::Kind::all) json["target"] = target_to_json(spec.target);
  if (spec.trigger) json["trigger"] = trigger_to_json(*spec.trigger);
  return json;
}

}  // namespace resync::fault_injector
