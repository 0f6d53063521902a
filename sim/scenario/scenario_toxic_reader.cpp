// The toxic JSON of a fault step is the fault injector's own format (Toxiproxy's toxic body
// plus Resync's `target` and `trigger` extensions). Its rules live in the fault injector:
// this file only asks its registry and parser, one field at a time, so that each complaint
// lands on the right JSON path. Two checks are the scenario's own: an attribute the toxic
// type does not know (the injector ignores those, as Toxiproxy does; in a scenario file it is
// a typo), and a target tag that names no client (the tag of a client is its name).
#include <algorithm>

#include "fault_injector/core/toxic_registry.hpp"
#include "fault_injector/core/toxic_spec.hpp"
#include "sim/scenario/scenario_json_reader.hpp"
#include "sim/scenario/scenario_parts.hpp"

namespace resync::sim::scenario_parts {
namespace {

namespace fi = resync::fault_injector;

const std::vector<std::string> kToxicKeys = {"type", "stream", "toxicity", "attributes", "target", "trigger"};
const char* const kToxicFix = "see the toxic reference in docs/SCENARIOS.md";

std::string toxic_type_names() {
  std::string names;
  for (const fi::ToxicType& type : fi::all_toxic_types()) {
    names += (names.empty() ? "" : ", ") + std::string(type.name);
  }
  return names;
}

// A `name` inside the toxic may only repeat the fault's name (as a loaded scenario written
// back, e.g. a fuzzer's reproducer, has it).
void check_keys(const nlohmann::json& toxic, const std::string& path, const std::string& fault_name,
                ScenarioErrors& errors) {
  for (const auto& [key, value] : toxic.items()) {
    if (key == "name") {
      if (value.is_string() && value.get_ref<const std::string&>() == fault_name) continue;
      errors.add(scenario_json::member_path(path, key), scenario_json::describe(value),
                 "no name inside the toxic, or the fault's name \"" + fault_name + "\"",
                 "remove it: the fault's \"name\" names the toxic");
    } else if (std::find(kToxicKeys.begin(), kToxicKeys.end(), key) == kToxicKeys.end()) {
      std::string fix = "remove the key";
      if (auto suggestion = scenario_json::closest_key(key, kToxicKeys)) fix = "did you mean \"" + *suggestion + "\"?";
      errors.add(scenario_json::member_path(path, key), "the unknown key \"" + key + "\"",
                 "one of the keys type, stream, toxicity, attributes, target, trigger", fix);
    }
  }
}

const fi::ToxicType* read_type(const nlohmann::json& toxic, const std::string& path, ScenarioErrors& errors) {
  const std::string type_path = scenario_json::member_path(path, "type");
  auto type = toxic.find("type");
  if (type == toxic.end()) {
    errors.add(type_path, "nothing (the key is missing)", "a toxic type: one of " + toxic_type_names(),
               R"(add e.g. "type": "reset_peer")");
    return nullptr;
  }
  const fi::ToxicType* found = type->is_string() ? fi::find_toxic_type(type->get<std::string>()) : nullptr;
  if (found == nullptr) {
    errors.add(type_path, scenario_json::describe(*type), "a toxic type: one of " + toxic_type_names(), kToxicFix);
  }
  return found;
}

// The injector's attribute errors read "attribute <name> must ...".
std::optional<std::string> attribute_named_in(const std::string& message) {
  const std::string marker = "attribute ";
  const std::size_t at = message.find(marker);
  if (at == std::string::npos) return std::nullopt;
  const std::size_t begin = at + marker.size();
  const std::size_t end = message.find(' ', begin);
  return message.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
}

std::vector<std::string> keys_of(const nlohmann::json& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object.items()) keys.push_back(key);
  return keys;
}

void check_attributes(const nlohmann::json& attributes, const std::string& path, const fi::ToxicType& type,
                      ScenarioErrors& errors) {
  if (!attributes.is_object()) {
    errors.add(path, scenario_json::describe(attributes), "an object of attributes", R"(write e.g. {"timeout": 0})");
    return;
  }
  const fi::Result<nlohmann::json> normalized = type.normalize_attributes(attributes);
  if (!normalized.ok()) {
    const std::string message = injector_message(normalized.error());
    const std::string expected = "attributes the fault injector accepts (it says: " + message + ")";
    const std::optional<std::string> named = attribute_named_in(message);
    if (named && attributes.contains(*named)) {
      errors.add(scenario_json::member_path(path, *named), scenario_json::describe(attributes.at(*named)), expected,
                 kToxicFix);
      return;
    }
    std::string fix = kToxicFix;
    if (named) {
      fix = "add the attribute \"" + *named + "\"";
      if (auto typo = scenario_json::closest_key(*named, keys_of(attributes))) {
        fix += " (is \"" + *typo + "\" a misspelling of it?)";
      }
    }
    errors.add(path, scenario_json::describe(attributes), expected, fix);
    return;
  }
  // The injector ignores attributes it does not know, as Toxiproxy does; here they are typos.
  const std::vector<std::string> known = keys_of(normalized.value());
  for (const auto& [key, value] : attributes.items()) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string expected = known.empty() ? "no attributes (" + std::string(type.name) + " takes none)"
                                         : "an attribute of " + std::string(type.name) + ": ";
    for (std::size_t i = 0; i < known.size(); ++i) expected += (i == 0 ? "" : ", ") + known[i];
    std::string fix = "remove it";
    if (auto suggestion = scenario_json::closest_key(key, known)) fix = "did you mean \"" + *suggestion + "\"?";
    errors.add(scenario_json::member_path(path, key), "the unknown attribute \"" + key + "\"", expected, fix);
  }
}

// Asks the injector's parser about one field, on a body with only the type and that field.
// Returns false when the field is present and refused.
bool check_field(const nlohmann::json& toxic, const std::string& path, std::string_view key,
                 const std::vector<std::string_view>& context_keys, ScenarioErrors& errors) {
  auto field = toxic.find(std::string(key));
  if (field == toxic.end()) return true;
  nlohmann::json body = {{"type", toxic.at("type")}, {std::string(key), *field}};
  for (std::string_view context : context_keys) {
    if (toxic.contains(std::string(context))) body[std::string(context)] = toxic.at(std::string(context));
  }
  const fi::Result<fi::ToxicSpec> parsed = fi::parse_toxic_spec(body);
  if (!parsed.ok()) {
    errors.add(scenario_json::member_path(path, key), scenario_json::describe(*field),
               "a value the fault injector accepts (it says: " + injector_message(parsed.error()) + ")", kToxicFix);
    return false;
  }
  return true;
}

void check_target_tag(const nlohmann::json& toxic, const std::string& path, const ClientRoster& roster,
                      ScenarioErrors& errors) {
  auto target = toxic.find("target");
  if (target == toxic.end() || !target->is_object()) return;
  auto tag = target->find("tag");
  if (tag == target->end() || !tag->is_string()) return;
  const std::string& name = tag->get_ref<const std::string&>();
  if (roster.is_client(name)) return;
  std::string fix = "use the name of one client from $.clients";
  if (auto group = roster.groups.find(name); group != roster.groups.end()) {
    fix = "the clients of group \"" + name + "\" are tagged " + group->second.front() + " .. " + group->second.back() +
          "; target one of them (one fault per client) or leave out the target to hit every connection";
  }
  errors.add(scenario_json::member_path(scenario_json::member_path(path, "target"), "tag"),
             "the tag \"" + name + "\", which is no client's name", "the name of a client (a client's tag is its name)",
             fix);
}

}  // namespace

std::string injector_message(const fi::ApiError& error) {
  const std::string prefix = "bad request body: ";
  if (error.message.rfind(prefix, 0) == 0) return error.message.substr(prefix.size());
  return error.message;
}

std::optional<nlohmann::json> read_toxic(const nlohmann::json& toxic, const std::string& path,
                                         const std::string& fault_name, FaultLink link, const ClientRoster& roster,
                                         ScenarioErrors& errors) {
  if (!toxic.is_object()) {
    errors.add(path, scenario_json::describe(toxic), "a toxic object (type, stream, toxicity, attributes, target, trigger)",
               R"(write e.g. {"type": "reset_peer", "attributes": {"timeout": 0}, "target": {"tag": "alice"}})");
    return std::nullopt;
  }
  const std::size_t errors_before = errors.count();
  check_keys(toxic, path, fault_name, errors);
  const fi::ToxicType* type = read_type(toxic, path, errors);
  if (type == nullptr) return std::nullopt;
  const std::size_t errors_before_attributes = errors.count();
  auto attributes = toxic.find("attributes");
  check_attributes(attributes == toxic.end() ? nlohmann::json::object() : *attributes,
                   scenario_json::member_path(path, "attributes"), *type, errors);
  // The other fields are asked about together with valid attributes only, so that an
  // attribute problem is never blamed on them.
  if (errors.count() == errors_before_attributes) {
    const bool stream_ok = check_field(toxic, path, "stream", {"attributes"}, errors);
    check_field(toxic, path, "toxicity", {"attributes"}, errors);
    check_field(toxic, path, "target", {"attributes"}, errors);
    // The trigger's default direction follows the stream, so the stream goes along when valid.
    check_field(toxic, path, "trigger",
                stream_ok ? std::vector<std::string_view>{"attributes", "stream"}
                          : std::vector<std::string_view>{"attributes"},
                errors);
  }
  if (link == FaultLink::clients) check_target_tag(toxic, path, roster, errors);
  if (errors.count() != errors_before) return std::nullopt;

  nlohmann::json named = toxic;
  named["name"] = fault_name;
  const fi::Result<fi::ToxicSpec> parsed = fi::parse_toxic_spec(named);
  if (!parsed.ok()) {  // a combination the per-field checks could not see
    errors.add(path, "a toxic the fault injector refuses (it says: " + injector_message(parsed.error()) + ")",
               "a toxic the fault injector accepts", kToxicFix);
    return std::nullopt;
  }
  return named;
}

}  // namespace resync::sim::scenario_parts
