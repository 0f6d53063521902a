#include "sim/history/history_json.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <string>
#include <utility>

#include "sim/history/json_field_reader.hpp"
#include "sim/history/verdict_names.hpp"
#include "sim/scenario/storage_fault_kind.hpp"

namespace resync::history {
namespace {

// nlohmann::json keeps an object's keys sorted: every runner has written its lines that way
// since the first history, and a run must keep giving the same bytes (docs/HISTORY.md).
using line_json = nlohmann::json;

line_json optional_to_json(const std::optional<std::string>& value) {
  return value ? line_json(*value) : line_json(nullptr);
}

line_json optional_to_json(const std::optional<std::int64_t>& value) {
  return value ? line_json(*value) : line_json(nullptr);
}

// ---- encoding: one overload per line type; fields in the order docs/HISTORY.md lists them.

void encode_fields(line_json& line, const PhaseChanged& event) { line["phase"] = event.phase; }

void encode_fields(line_json& line, const ServerStarted& event) {
  line["port"] = event.port;
  if (event.pid) line["pid"] = *event.pid;
  line["incarnation"] = event.incarnation;
  if (event.node) line["node"] = *event.node;
}

void encode_fields(line_json& line, const ServerStopped& event) {
  line["signal"] = event.signal;
  line["incarnation"] = event.incarnation;
  line["requested"] = event.requested;
  line["exit_status"] = optional_to_json(event.exit_status);
  line["exit_signal"] = event.exit_signal.empty() ? line_json(nullptr) : line_json(event.exit_signal);
  line["sanitizer_report"] = event.sanitizer_report;
  line["escalated"] = event.escalated;
  line["detail"] = event.detail;
  if (event.node) line["node"] = *event.node;
}

void encode_fields(line_json& line, const ServerFailed& event) { line["detail"] = event.detail; }

void encode_fields(line_json& line, const ClientConnecting& event) {
  line["client"] = event.client;
  line["attempt"] = event.attempt;
  if (event.transport == sim::ClientTransport::polling) line["transport"] = "polling";
  if (event.node) line["node"] = *event.node;
}

void encode_fields(line_json& line, const ClientConnected& event) {
  line["client"] = event.client;
  line["socket_id"] = event.socket_id;
  line["server_offset"] = event.server_offset;
  line["recovered"] = event.recovered;
  if (event.node) line["node"] = *event.node;
}

void encode_fields(line_json& line, const ClientConnectError& event) {
  line["client"] = event.client;
  line["message"] = event.message;
}

void encode_fields(line_json& line, const ClientDisconnected& event) {
  line["client"] = event.client;
  line["reason"] = event.reason;
}

void encode_fields(line_json& line, const ClientReloaded& event) {
  line["client"] = event.client;
  line["kept_offset"] = optional_to_json(event.kept_offset);
}

void encode_fields(line_json& line, const MessageSent& event) {
  line["client"] = event.client;
  line["content"] = event.content;
  line["client_offset"] = optional_to_json(event.client_offset);
  line["attempt"] = event.attempt;
  line["acked_delivery"] = event.acked_delivery;
}

void encode_fields(line_json& line, const MessageAcked& event) {
  line["client"] = event.client;
  line["content"] = event.content;
  line["client_offset"] = optional_to_json(event.client_offset);
}

void encode_fields(line_json& line, const SendAbandoned& event) {
  line["client"] = event.client;
  line["content"] = event.content;
  line["client_offset"] = optional_to_json(event.client_offset);
  line["reason"] = event.reason;
}

void encode_fields(line_json& line, const MessageReceived& event) {
  line["client"] = event.client;
  line["id"] = event.id;
  line["content"] = event.content;
  line["rendered"] = event.rendered;
}

void encode_fields(line_json& line, const FaultChanged& event) {
  line["name"] = event.name;
  line["action"] = event.action;
  line["toxic"] = event.toxic;
  if (!event.detail.is_null()) line["detail"] = event.detail;  // a heal has none
  // Only off the default place, so the lines of client faults keep their bytes.
  if (event.link == sim::FaultLink::redis) line["link"] = "redis";
  if (event.node) line["node"] = *event.node;
}

void encode_fields(line_json& line, const ProcessFault& event) {
  line["name"] = event.name;
  line["action"] = event.action;
  line["signal"] = event.signal;
  line["trigger"] = event.trigger;
  line["delay_us"] = event.delay_us;
  if (event.connection) line["connection"] = *event.connection;
  if (event.connection) line["tag"] = optional_to_json(event.tag);
  if (!event.detail.empty()) line["detail"] = event.detail;
}

void encode_fields(line_json& line, const ClusterFault& event) {
  line["kind"] = event.kind;
  line["action"] = event.action;
  if (event.node) line["node"] = *event.node;
  line["detail"] = event.detail;
}

void encode_fields(line_json& line, const StorageFaultChanged& event) {
  line["kind"] = event.kind;
  line["action"] = event.action;
  line["duration_ms"] = event.duration_ms;
  line["detail"] = event.detail;
}

void encode_fields(line_json& line, const CommittedLog& event) {
  line_json messages = line_json::array();
  for (const CommittedMessage& message : event.messages) {
    messages.push_back(line_json{
        {"id", message.id}, {"content", message.content}, {"client_offset", optional_to_json(message.client_offset)}});
  }
  line["messages"] = std::move(messages);
  line["source"] = std::string(committed_log_source_name(event.source));
  if (event.from_offset) line["from_offset"] = *event.from_offset;
}

void encode_fields(line_json& line, const CommittedLogUnavailable& event) {
  line["source"] = std::string(committed_log_source_name(event.source));
  if (event.from_offset) line["from_offset"] = *event.from_offset;
  line["detail"] = event.detail;
}

void encode_fields(line_json& line, const ServerLog& event) {
  line["level"] = event.level;
  line["text"] = event.text;
  line["incarnation"] = event.incarnation;
  if (event.node) line["node"] = *event.node;
}

void encode_fields(line_json& line, const RunFinished& event) {
  line["converged"] = event.converged;
  line["detail"] = event.detail;
}

void encode_fields(line_json& line, const UnrecognizedEvent& event) {
  if (!event.fields.is_object()) return;
  for (const auto& [key, value] : event.fields.items()) {
    if (key != "t_ms" && key != "type") line[key] = value;
  }
}

// ---- decoding: one function per line type, reading exactly the documented fields.

RunStarted decode_run_started(JsonFieldReader& fields) {
  RunStarted run;
  run.scenario = fields.string("scenario");
  run.file = fields.string("file");
  run.seed = fields.unsigned_integer("seed");
  run.mode = fields.string("mode");
  if (fields.ok() && run.mode != "live" && run.mode != "sim") {
    fields.fail(fields.context() + ": `mode` must be \"live\" or \"sim\", not \"" + run.mode + "\"");
  }
  run.target = fields.string("target");
  run.delivery = fields.string("delivery");

  JsonFieldReader expect(fields.object("expect"), "`run_started`.expect");
  const std::string verdict = expect.string("verdict");
  if (expect.ok()) {
    if (const auto parsed = verdict_from_name(verdict)) {
      run.expect.verdict = *parsed;
    } else {
      expect.fail("`run_started`.expect: `verdict` must be \"valid\", \"invalid\" or \"unknown\", not \"" + verdict +
                  "\"");
    }
  }
  run.expect.anomalies = expect.optional_string_array("anomalies");
  run.expect.allow = expect.optional_string_array("allow");
  if (!expect.ok()) fields.fail(expect.error());

  JsonFieldReader replay(fields.object("replay"), "`run_started`.replay");
  run.replay_live = replay.optional_string("live");
  run.replay_sim = replay.optional_string("sim");
  if (!replay.ok()) fields.fail(replay.error());

  run.clients = fields.string_array("clients");
  run.start_offset = fields.optional_integer("start_offset");
  if (fields.ok() && run.start_offset_or_zero() < 0) fields.fail(fields.context() + ": `start_offset` must not be negative");
  if (fields.has("description")) run.description = fields.string("description");
  run.converge_within_ms = fields.optional_integer("converge_within_ms");
  return run;
}

// A cluster node's index: absent (a single server, an older history) is node 0, kept as
// nullopt so such lines are written back without the field.
std::optional<std::int64_t> read_node(JsonFieldReader& fields, std::string_view type) {
  const std::optional<std::int64_t> node = fields.optional_integer("node");
  if (fields.ok() && node && *node < 0) {
    fields.fail("`" + std::string(type) + "` line: `node` must be a node index (0 or more), not " + std::to_string(*node));
  }
  return node;
}

EventPayload decode_phase(JsonFieldReader& fields) { return PhaseChanged{fields.string("phase")}; }

EventPayload decode_server_started(JsonFieldReader& fields) {
  ServerStarted event;
  event.port = fields.integer("port");
  event.pid = fields.optional_integer("pid");
  event.incarnation = fields.integer("incarnation");
  event.node = read_node(fields, "server_started");
  return event;
}

EventPayload decode_server_stopped(JsonFieldReader& fields) {
  ServerStopped event;
  event.signal = fields.string("signal");
  event.incarnation = fields.integer("incarnation");
  event.detail = fields.optional_string("detail");
  // Histories written before these fields existed read as a clean, requested stop.
  event.requested = fields.optional_boolean("requested", true);
  event.exit_status = fields.optional_integer("exit_status");
  event.exit_signal = fields.optional_string("exit_signal");
  event.sanitizer_report = fields.optional_boolean("sanitizer_report", false);
  event.escalated = fields.optional_boolean("escalated", false);
  event.node = read_node(fields, "server_stopped");
  return event;
}

EventPayload decode_server_failed(JsonFieldReader& fields) { return ServerFailed{fields.string("detail")}; }

EventPayload decode_connecting(JsonFieldReader& fields) {
  ClientConnecting event;
  event.client = fields.string("client");
  event.attempt = fields.integer("attempt");
  const std::string transport = fields.optional_string("transport");
  if (transport == "polling") {
    event.transport = sim::ClientTransport::polling;
  } else if (!transport.empty() && transport != "websocket") {
    fields.fail("`connecting` line: `transport` must be \"websocket\" or \"polling\", not \"" + transport + "\"");
  }
  event.node = read_node(fields, "connecting");
  return event;
}

EventPayload decode_connected(JsonFieldReader& fields) {
  ClientConnected event;
  event.client = fields.string("client");
  event.socket_id = fields.string("socket_id");
  event.server_offset = fields.optional_any("server_offset");
  event.recovered = fields.boolean("recovered");
  event.node = read_node(fields, "connected");
  return event;
}

EventPayload decode_connect_error(JsonFieldReader& fields) {
  ClientConnectError event;
  event.client = fields.string("client");
  event.message = fields.string("message");
  return event;
}

EventPayload decode_disconnected(JsonFieldReader& fields) {
  ClientDisconnected event;
  event.client = fields.string("client");
  event.reason = fields.string("reason");
  return event;
}

EventPayload decode_reloaded(JsonFieldReader& fields) {
  ClientReloaded event;
  event.client = fields.string("client");
  event.kept_offset = fields.optional_integer("kept_offset");
  return event;
}

EventPayload decode_sent(JsonFieldReader& fields) {
  MessageSent event;
  event.client = fields.string("client");
  event.content = fields.string("content");
  event.client_offset = fields.string_or_null("client_offset");
  event.attempt = fields.integer("attempt");
  event.acked_delivery = fields.boolean("acked_delivery");
  return event;
}

EventPayload decode_acked(JsonFieldReader& fields) {
  MessageAcked event;
  event.client = fields.string("client");
  event.content = fields.string("content");
  event.client_offset = fields.string_or_null("client_offset");
  return event;
}

EventPayload decode_send_abandoned(JsonFieldReader& fields) {
  SendAbandoned event;
  event.client = fields.string("client");
  event.content = fields.string("content");
  event.client_offset = fields.string_or_null("client_offset");
  event.reason = fields.string("reason");
  return event;
}

EventPayload decode_received(JsonFieldReader& fields) {
  MessageReceived event;
  event.client = fields.string("client");
  event.id = fields.integer("id");
  event.content = fields.string("content");
  event.rendered = fields.boolean("rendered");
  return event;
}

EventPayload decode_fault(JsonFieldReader& fields) {
  FaultChanged event;
  event.name = fields.string("name");
  event.action = fields.string("action");
  event.toxic = fields.optional_string("toxic");
  event.detail = fields.optional_any("detail");
  const std::string link = fields.optional_string("link");
  if (fields.ok() && link == "redis") {
    event.link = sim::FaultLink::redis;
  } else if (fields.ok() && !link.empty() && link != "clients") {
    fields.fail("`fault` line: `link` must be \"clients\" or \"redis\", not \"" + link + "\"");
  }
  event.node = read_node(fields, "fault");
  return event;
}

// `source` of a committed_log (any known source) or committed_log_unavailable line (one the
// runner can fail to read), and `from_offset`, which an audit needs: where it started decides
// which rows it could have seen.
CommittedLogSource decode_log_source(JsonFieldReader& fields, bool unavailable_line) {
  const std::string name = fields.string("source");
  const std::optional<CommittedLogSource> source = committed_log_source_from_name(name);
  const std::string allowed = unavailable_line ? "\"database\" or \"catch_up_audit\""
                                               : "\"database\", \"observed\" or \"catch_up_audit\"";
  if (fields.ok() && (!source || (unavailable_line && *source == CommittedLogSource::observed))) {
    fields.fail(fields.context() + ": `source` must be " + allowed + ", not \"" + name + "\"");
  }
  return source.value_or(CommittedLogSource::database);
}

std::optional<std::int64_t> decode_from_offset(JsonFieldReader& fields, CommittedLogSource source) {
  const std::optional<std::int64_t> from_offset = fields.optional_integer("from_offset");
  if (!fields.ok()) return from_offset;
  if (from_offset && *from_offset < 0) {
    fields.fail(fields.context() + ": `from_offset` must not be negative, not " + std::to_string(*from_offset));
  } else if (!from_offset && source == CommittedLogSource::catch_up_audit) {
    fields.fail(fields.context() + ": source \"catch_up_audit\" needs `from_offset` (the serverOffset the audit "
                "client connected with, an integer >= 0)");
  }
  return from_offset;
}

EventPayload decode_committed_log_unavailable(JsonFieldReader& fields) {
  CommittedLogUnavailable event;
  event.source = decode_log_source(fields, true);
  event.from_offset = decode_from_offset(fields, event.source);
  event.detail = fields.string("detail");
  return event;
}

EventPayload decode_process_fault(JsonFieldReader& fields) {
  ProcessFault event;
  event.name = fields.string("name");
  event.action = fields.string("action");
  event.signal = fields.string("signal");
  event.trigger = fields.object("trigger");
  event.delay_us = fields.optional_integer("delay_us").value_or(0);
  event.connection = fields.optional_integer("connection");
  event.tag = fields.optional_string_or_null("tag");
  event.detail = fields.optional_string("detail");
  if (!fields.ok()) return event;
  if (event.action != "armed" && event.action != "fired" && event.action != "not_fired") {
    fields.fail("`process_fault` line: `action` must be \"armed\", \"fired\" or \"not_fired\", not \"" +
                event.action + "\"");
  } else if (event.signal != "SIGKILL" && event.signal != "SIGTERM") {
    fields.fail("`process_fault` line: `signal` must be \"SIGKILL\" or \"SIGTERM\", not \"" + event.signal + "\"");
  } else if (event.action == "fired" && !event.connection) {
    fields.fail("`process_fault` line: a `fired` line needs `connection` (the proxy's connection id the trigger fired on)");
  } else if (event.delay_us < 0) {
    fields.fail("`process_fault` line: `delay_us` must not be negative, not " + std::to_string(event.delay_us));
  }
  return event;
}

// History files are user input: a kind or an action this build does not know would make a
// window the checker cannot place, so it is an error naming what is allowed.
EventPayload decode_storage_fault(JsonFieldReader& fields) {
  StorageFaultChanged event;
  event.kind = fields.string("kind");
  event.action = fields.string("action");
  event.duration_ms = fields.integer("duration_ms");
  event.detail = fields.optional_string("detail");
  if (fields.ok() && !sim::storage_fault_kind_named(event.kind)) {
    fields.fail("`storage_fault` line: `kind` must be \"lock_database\", \"storage_read_only\" or \"storage_full\", not \"" +
                event.kind + "\"");
  } else if (fields.ok() && event.action != "start" && event.action != "end" && event.action != "refused") {
    fields.fail("`storage_fault` line: `action` must be \"start\", \"end\" or \"refused\", not \"" + event.action + "\"");
  } else if (fields.ok() && event.duration_ms < 0) {
    fields.fail("`storage_fault` line: `duration_ms` must be 0 or more, not " + std::to_string(event.duration_ms));
  }
  return event;
}

// Like storage_fault: an unknown kind or action is an error, not a window to guess at.
EventPayload decode_cluster_fault(JsonFieldReader& fields) {
  ClusterFault event;
  event.kind = fields.string("kind");
  event.action = fields.string("action");
  event.node = read_node(fields, "cluster_fault");
  event.detail = fields.optional_string("detail");
  if (fields.ok() && event.kind != "restart_redis" && event.kind != "trim_stream" && event.kind != "partition_node") {
    fields.fail("`cluster_fault` line: `kind` must be \"restart_redis\", \"trim_stream\" or \"partition_node\", not \"" +
                event.kind + "\"");
  } else if (fields.ok() && event.action != "start" && event.action != "end" && event.action != "done" &&
             event.action != "refused") {
    fields.fail("`cluster_fault` line: `action` must be \"start\", \"end\", \"done\" or \"refused\", not \"" +
                event.action + "\"");
  }
  return event;
}

EventPayload decode_committed_log(JsonFieldReader& fields) {
  CommittedLog log;
  log.source = decode_log_source(fields, false);
  log.from_offset = decode_from_offset(fields, log.source);
  const nlohmann::json& messages = fields.array("messages");
  log.messages.reserve(messages.size());
  for (std::size_t index = 0; index < messages.size() && fields.ok(); ++index) {
    JsonFieldReader message(messages[index], "`committed_log`.messages[" + std::to_string(index) + "]");
    CommittedMessage committed;
    committed.id = message.integer("id");
    committed.content = message.string("content");
    committed.client_offset = message.optional_string_or_null("client_offset");
    if (!message.ok()) fields.fail(message.error());
    log.messages.push_back(std::move(committed));
  }
  // "In id order" is the contract, but sorting here costs little and means a consumer can
  // binary-search without trusting the writer; a repeated id cannot come from a database.
  std::stable_sort(log.messages.begin(), log.messages.end(),
                   [](const CommittedMessage& left, const CommittedMessage& right) { return left.id < right.id; });
  const auto repeated = std::adjacent_find(
      log.messages.begin(), log.messages.end(),
      [](const CommittedMessage& left, const CommittedMessage& right) { return left.id == right.id; });
  if (repeated != log.messages.end() && fields.ok()) {
    fields.fail("`committed_log` line: id " + std::to_string(repeated->id) + " appears more than once");
  }
  return log;
}

EventPayload decode_server_log(JsonFieldReader& fields) {
  ServerLog event;
  event.level = fields.string("level");
  event.text = fields.string("text");
  event.incarnation = fields.integer("incarnation");
  event.node = read_node(fields, "server_log");
  return event;
}

EventPayload decode_run_finished(JsonFieldReader& fields) {
  RunFinished event;
  event.converged = fields.boolean("converged");
  event.detail = fields.optional_string("detail");
  return event;
}

struct EventDecoder {
  std::string_view type;
  EventPayload (*decode)(JsonFieldReader&);
};

constexpr std::array event_decoders{
    EventDecoder{PhaseChanged::type_name, decode_phase},
    EventDecoder{ServerStarted::type_name, decode_server_started},
    EventDecoder{ServerStopped::type_name, decode_server_stopped},
    EventDecoder{ServerFailed::type_name, decode_server_failed},
    EventDecoder{ClientConnecting::type_name, decode_connecting},
    EventDecoder{ClientConnected::type_name, decode_connected},
    EventDecoder{ClientConnectError::type_name, decode_connect_error},
    EventDecoder{ClientDisconnected::type_name, decode_disconnected},
    EventDecoder{ClientReloaded::type_name, decode_reloaded},
    EventDecoder{MessageSent::type_name, decode_sent},
    EventDecoder{MessageAcked::type_name, decode_acked},
    EventDecoder{SendAbandoned::type_name, decode_send_abandoned},
    EventDecoder{MessageReceived::type_name, decode_received},
    EventDecoder{FaultChanged::type_name, decode_fault},
    EventDecoder{ProcessFault::type_name, decode_process_fault},
    EventDecoder{CommittedLog::type_name, decode_committed_log},
    EventDecoder{CommittedLogUnavailable::type_name, decode_committed_log_unavailable},
    EventDecoder{RunFinished::type_name, decode_run_finished},
    EventDecoder{StorageFaultChanged::type_name, decode_storage_fault},
    EventDecoder{ServerLog::type_name, decode_server_log},
    EventDecoder{ClusterFault::type_name, decode_cluster_fault},
};

}  // namespace

nlohmann::json encode_run_started(std::int64_t t_ms, const RunStarted& run) {
  line_json line;
  line["t_ms"] = t_ms;
  line["type"] = std::string(RunStarted::type_name);
  line["scenario"] = run.scenario;
  if (run.description) line["description"] = *run.description;
  line["file"] = run.file;
  line["seed"] = run.seed;
  line["mode"] = run.mode;
  line["target"] = run.target;
  line["delivery"] = run.delivery;
  line["expect"] = line_json{{"verdict", std::string(verdict_name(run.expect.verdict))},
                             {"anomalies", run.expect.anomalies},
                             {"allow", run.expect.allow}};
  // A run that has no replay command (a fuzz run before it is found failing) has no key.
  line_json replay = line_json::object();
  if (!run.replay_live.empty()) replay["live"] = run.replay_live;
  if (!run.replay_sim.empty()) replay["sim"] = run.replay_sim;
  line["replay"] = std::move(replay);
  line["clients"] = run.clients;
  if (run.converge_within_ms) line["converge_within_ms"] = *run.converge_within_ms;
  if (run.start_offset) line["start_offset"] = *run.start_offset;
  return line;
}

nlohmann::json encode_event(const HistoryEvent& event) {
  line_json line;
  line["t_ms"] = event.t_ms;
  line["type"] = std::string(event.type_name());
  std::visit([&](const auto& payload) { encode_fields(line, payload); }, event.payload);
  return line;
}

protocol::ParseResult<DecodedLine> decode_history_line(const nlohmann::json& line) {
  if (!line.is_object()) {
    return protocol::ParseResult<DecodedLine>::failure("expected a JSON object, got " + describe_json_value(line));
  }
  JsonFieldReader common(line, "line");
  const std::int64_t t_ms = common.integer("t_ms");
  const std::string type = common.string("type");
  if (!common.ok()) return protocol::ParseResult<DecodedLine>::failure(common.error());

  JsonFieldReader fields(line, "`" + type + "` line");
  DecodedLine decoded{t_ms, EventPayload{}};
  if (type == RunStarted::type_name) {
    decoded.content = decode_run_started(fields);
  } else {
    const auto* decoder = std::find_if(event_decoders.begin(), event_decoders.end(),
                                       [&](const EventDecoder& candidate) { return candidate.type == type; });
    decoded.content = decoder != event_decoders.end() ? decoder->decode(fields)
                                                      : EventPayload{UnrecognizedEvent{type, line}};
  }
  if (!fields.ok()) return protocol::ParseResult<DecodedLine>::failure(fields.error());
  return protocol::ParseResult<DecodedLine>::success(std::move(decoded));
}

}  // namespace resync::history
