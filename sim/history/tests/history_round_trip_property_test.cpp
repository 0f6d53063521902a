// The writer and the reader agree: any history of typed events, written as text and read
// back, gives the same events. Generated histories cover every line type, optional fields
// present and absent, and strings a server may send (quotes, backslashes, control
// characters, multibyte UTF-8, NUL). Invalid UTF-8 is the one thing that does not come back
// as it went out: the writer replaces it (history_writer_test).
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "sim/history/history_reader.hpp"
#include "sim/history/history_writer.hpp"

namespace resync::history {
namespace {

rc::Gen<std::string> odd_string() {
  // Pieces a chat message or a server's error text may hold, valid UTF-8 each.
  static const std::vector<std::string> pieces = {
      "a", "Z", "0", " ", "-", "\"", "\\", "/", "\n", "\r", "\t", std::string(1, '\0'), "\x01", "\x1f", "\x7f",
      "\xC3\xA9" /* é */, "\xE2\x82\xAC" /* € */, "\xF0\x9F\x98\x80" /* 😀 */, "\xEF\xBF\xBD" /* U+FFFD */,
      "{\"json\":1}", "</script>", "%s"};
  return rc::gen::map(rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(pieces)),
                      [](const std::vector<std::string>& parts) {
                        std::string text;
                        for (const std::string& part : parts) text += part;
                        return text;
                      });
}

rc::Gen<std::int64_t> count() { return rc::gen::inRange<std::int64_t>(0, 1'000'000'000); }
rc::Gen<std::int64_t> node_index() { return rc::gen::inRange<std::int64_t>(0, 8); }

template <typename T>
rc::Gen<std::optional<T>> maybe(rc::Gen<T> value) {
  return rc::gen::oneOf(rc::gen::just(std::optional<T>()), rc::gen::map(value, [](T v) { return std::optional<T>(v); }));
}

// JSON values as fields that carry the app's or the scenario's own JSON hold them.
rc::Gen<nlohmann::json> json_value() {
  return rc::gen::oneOf(rc::gen::just(nlohmann::json()), rc::gen::map(count(), [](std::int64_t n) { return nlohmann::json(n); }),
                        rc::gen::map(odd_string(), [](std::string s) { return nlohmann::json(s); }),
                        rc::gen::map(rc::gen::pair(odd_string(), count()), [](const std::pair<std::string, std::int64_t>& entry) {
                          return nlohmann::json{{entry.first, entry.second}, {"nested", {{"list", {1, 2, 3}}}}};
                        }));
}

rc::Gen<nlohmann::json> json_object() {
  return rc::gen::map(rc::gen::pair(odd_string(), json_value()), [](const std::pair<std::string, nlohmann::json>& entry) {
    nlohmann::json object = nlohmann::json::object();
    object[entry.first] = entry.second;
    return object;
  });
}

rc::Gen<std::string> one_of(std::vector<std::string> names) { return rc::gen::elementOf(std::move(names)); }

rc::Gen<std::vector<CommittedMessage>> committed_messages() {
  return rc::gen::map(rc::gen::container<std::vector<std::pair<std::string, std::optional<std::string>>>>(
                          rc::gen::pair(odd_string(), maybe(odd_string()))),
                      [](const std::vector<std::pair<std::string, std::optional<std::string>>>& rows) {
                        std::vector<CommittedMessage> messages;
                        std::int64_t id = 0;
                        for (const auto& [content, client_offset] : rows) {
                          id += 1 + static_cast<std::int64_t>(content.size() % 3);  // ascending, unique, with gaps
                          messages.push_back({id, content, client_offset});
                        }
                        return messages;
                      });
}

rc::Gen<EventPayload> payload() {
  using rc::gen::build;
  using rc::gen::set;
  return rc::gen::oneOf(
      rc::gen::map(build<PhaseChanged>(set(&PhaseChanged::phase, one_of({"faults", "heal", "converge", "check"}))),
                   [](PhaseChanged e) { return EventPayload(e); }),
      rc::gen::map(build<ServerStarted>(set(&ServerStarted::port, count()), set(&ServerStarted::pid, maybe(count())),
                                        set(&ServerStarted::incarnation, count()), set(&ServerStarted::node, maybe(node_index()))),
                   [](ServerStarted e) { return EventPayload(e); }),
      rc::gen::map(build<ServerStopped>(set(&ServerStopped::signal, one_of({"SIGKILL", "SIGTERM", "exit"})),
                                        set(&ServerStopped::incarnation, count()), set(&ServerStopped::detail, odd_string()),
                                        set(&ServerStopped::requested), set(&ServerStopped::exit_status, maybe(count())),
                                        set(&ServerStopped::exit_signal, one_of({"", "SIGSEGV", "SIGKILL"})),
                                        set(&ServerStopped::sanitizer_report), set(&ServerStopped::escalated),
                                        set(&ServerStopped::node, maybe(node_index()))),
                   [](ServerStopped e) { return EventPayload(e); }),
      rc::gen::map(build<ServerFailed>(set(&ServerFailed::detail, odd_string())), [](ServerFailed e) { return EventPayload(e); }),
      rc::gen::map(build<ClientConnecting>(set(&ClientConnecting::client, odd_string()), set(&ClientConnecting::attempt, count()),
                                                  set(&ClientConnecting::transport, rc::gen::element(sim::ClientTransport::websocket, sim::ClientTransport::polling)),
                                                  set(&ClientConnecting::node, maybe(node_index()))),
                   [](ClientConnecting e) { return EventPayload(e); }),
      rc::gen::map(build<ClientConnected>(set(&ClientConnected::client, odd_string()), set(&ClientConnected::socket_id, odd_string()),
                                          set(&ClientConnected::server_offset, json_value()), set(&ClientConnected::recovered),
                                          set(&ClientConnected::node, maybe(node_index()))),
                   [](ClientConnected e) { return EventPayload(e); }),
      rc::gen::map(build<ClientConnectError>(set(&ClientConnectError::client, odd_string()),
                                             set(&ClientConnectError::message, odd_string())),
                   [](ClientConnectError e) { return EventPayload(e); }),
      rc::gen::map(build<ClientDisconnected>(set(&ClientDisconnected::client, odd_string()),
                                             set(&ClientDisconnected::reason, odd_string())),
                   [](ClientDisconnected e) { return EventPayload(e); }),
      rc::gen::map(build<ClientReloaded>(set(&ClientReloaded::client, odd_string()), set(&ClientReloaded::kept_offset, maybe(count()))),
                   [](ClientReloaded e) { return EventPayload(e); }),
      rc::gen::map(build<MessageSent>(set(&MessageSent::client, odd_string()), set(&MessageSent::content, odd_string()),
                                      set(&MessageSent::client_offset, maybe(odd_string())), set(&MessageSent::attempt, count()),
                                      set(&MessageSent::acked_delivery)),
                   [](MessageSent e) { return EventPayload(e); }),
      rc::gen::map(build<MessageAcked>(set(&MessageAcked::client, odd_string()), set(&MessageAcked::content, odd_string()),
                                       set(&MessageAcked::client_offset, maybe(odd_string()))),
                   [](MessageAcked e) { return EventPayload(e); }),
      rc::gen::map(build<SendAbandoned>(set(&SendAbandoned::client, odd_string()), set(&SendAbandoned::content, odd_string()),
                                        set(&SendAbandoned::client_offset, maybe(odd_string())),
                                        set(&SendAbandoned::reason, one_of({"retries exhausted", "reload"}))),
                   [](SendAbandoned e) { return EventPayload(e); }),
      rc::gen::map(build<MessageReceived>(set(&MessageReceived::client, odd_string()), set(&MessageReceived::id, count()),
                                          set(&MessageReceived::content, odd_string()), set(&MessageReceived::rendered)),
                   [](MessageReceived e) { return EventPayload(e); }),
      rc::gen::map(build<FaultChanged>(set(&FaultChanged::name, odd_string()),
                                       set(&FaultChanged::action, one_of({"start", "heal", "fired", "refused"})),
                                       set(&FaultChanged::toxic, odd_string()), set(&FaultChanged::detail, json_value()),
                                       set(&FaultChanged::link, rc::gen::element(sim::FaultLink::clients, sim::FaultLink::redis)),
                                       set(&FaultChanged::node, maybe(node_index()))),
                   [](FaultChanged e) { return EventPayload(e); }),
      rc::gen::map(rc::gen::tuple(odd_string(), one_of({"armed", "fired", "not_fired"}), one_of({"SIGKILL", "SIGTERM"}),
                                  json_object(), count(), count(), maybe(odd_string()), odd_string()),
                   [](const std::tuple<std::string, std::string, std::string, nlohmann::json, std::int64_t, std::int64_t,
                                       std::optional<std::string>, std::string>& fields) {
                     const auto& [name, action, signal, trigger, delay_us, connection, tag, detail] = fields;
                     ProcessFault event{name, action, signal, trigger, delay_us, std::nullopt, std::nullopt, detail};
                     if (action == "fired") {  // only a firing names its connection (and its tag)
                       event.connection = connection;
                       event.tag = tag;
                     }
                     return EventPayload(event);
                   }),
      rc::gen::map(build<StorageFaultChanged>(
                       set(&StorageFaultChanged::kind, one_of({"lock_database", "storage_read_only", "storage_full"})),
                       set(&StorageFaultChanged::action, one_of({"start", "end", "refused"})),
                       set(&StorageFaultChanged::duration_ms, count()), set(&StorageFaultChanged::detail, odd_string())),
                   [](StorageFaultChanged e) { return EventPayload(e); }),
      rc::gen::map(rc::gen::tuple(committed_messages(), rc::gen::inRange(0, 3), count()),
                   [](const std::tuple<std::vector<CommittedMessage>, int, std::int64_t>& fields) {
                     const auto& [messages, source, from_offset] = fields;
                     CommittedLog log{messages, static_cast<CommittedLogSource>(source), std::nullopt};
                     if (log.source == CommittedLogSource::catch_up_audit) log.from_offset = from_offset;
                     return EventPayload(log);
                   }),
      rc::gen::map(rc::gen::tuple(rc::gen::arbitrary<bool>(), count(), odd_string()),
                   [](const std::tuple<bool, std::int64_t, std::string>& fields) {
                     const auto& [audit, from_offset, detail] = fields;
                     return EventPayload(audit ? CommittedLogUnavailable{CommittedLogSource::catch_up_audit, from_offset, detail}
                                               : CommittedLogUnavailable{CommittedLogSource::database, std::nullopt, detail});
                   }),
      rc::gen::map(build<RunFinished>(set(&RunFinished::converged), set(&RunFinished::detail, odd_string())),
                   [](RunFinished e) { return EventPayload(e); }),
      rc::gen::map(build<ServerLog>(set(&ServerLog::level, one_of({"info", "warning", "error"})),
                                    set(&ServerLog::text, odd_string()), set(&ServerLog::incarnation, count()),
                                    set(&ServerLog::node, maybe(node_index()))),
                   [](ServerLog e) { return EventPayload(e); }),
      rc::gen::map(build<ClusterFault>(set(&ClusterFault::kind, one_of({"restart_redis", "trim_stream", "partition_node"})),
                                       set(&ClusterFault::action, one_of({"start", "end", "done", "refused"})),
                                       set(&ClusterFault::node, maybe(node_index())), set(&ClusterFault::detail, odd_string())),
                   [](ClusterFault e) { return EventPayload(e); }),
      // A line of a type from a newer runner: kept whole (its fields include t_ms and type,
      // which the generated history sets to the event's own below).
      rc::gen::map(rc::gen::pair(one_of({"future_line", "cluster_node_joined"}), json_object()),
                   [](const std::pair<std::string, nlohmann::json>& entry) {
                     return EventPayload(UnrecognizedEvent{entry.first, entry.second});
                   }));
}

rc::Gen<RunStarted> run_started() {
  return rc::gen::map(
      rc::gen::tuple(odd_string(), odd_string(), rc::gen::arbitrary<std::uint64_t>(), one_of({"live", "sim"}),
                     rc::gen::inRange(0, 3), rc::gen::container<std::vector<std::string>>(odd_string()),
                     rc::gen::pair(odd_string(), odd_string()), maybe(odd_string()), maybe(count()), maybe(count())),
      [](const auto& fields) {
        const auto& [scenario, file, seed, mode, verdict, clients, replay, description, converge_within_ms, start_offset] =
            fields;
        RunStarted run;
        run.scenario = scenario;
        run.file = file;
        run.seed = seed;
        run.mode = mode;
        run.target = "embedded";
        run.expect.verdict = static_cast<sim::Verdict>(verdict);
        run.expect.anomalies = {"lost"};
        run.expect.allow = clients;  // any strings: the reader does not judge them
        run.replay_live = replay.first;
        run.replay_sim = replay.second;
        run.clients = clients;
        run.description = description;
        run.converge_within_ms = converge_within_ms;
        run.start_offset = start_offset;
        return run;
      });
}

rc::Gen<History> any_history() {
  return rc::gen::map(rc::gen::pair(run_started(), rc::gen::container<std::vector<std::pair<std::int64_t, EventPayload>>>(
                                                       rc::gen::pair(count(), payload()))),
                      [](const std::pair<RunStarted, std::vector<std::pair<std::int64_t, EventPayload>>>& generated) {
                        History history;
                        history.run = generated.first;
                        for (const auto& [t_ms, payload] : generated.second) {
                          HistoryEvent event{t_ms, payload, 0};
                          if (auto* unknown = std::get_if<UnrecognizedEvent>(&event.payload)) {
                            unknown->fields["t_ms"] = t_ms;
                            unknown->fields["type"] = unknown->type;
                          }
                          history.events.push_back(std::move(event));
                        }
                        return history;
                      });
}

RC_GTEST_PROP(HistoryRoundTrip, WritingAnyHistoryAndReadingItBackGivesTheSameEvents, ()) {
  const History written = *any_history();
  const std::string text = history_text(written);
  const HistoryReadResult read = parse_history_text(text, "<round trip>");
  RC_ASSERT(read.ok());
  RC_ASSERT(read.history->run == written.run);
  RC_ASSERT(read.history->run_started_t_ms == written.run_started_t_ms);
  RC_ASSERT(read.history->events == written.events);
  RC_ASSERT(!read.history->truncated_last_line.has_value());
  // And the text is a function of the events: writing what was read gives the same bytes.
  RC_ASSERT(history_text(*read.history) == text);
}

// The equality the round trip relies on must be able to fail.
TEST(HistoryRoundTrip, EventsThatDifferInOneFieldAreNotEqual) {
  EXPECT_FALSE((HistoryEvent{1, MessageReceived{"a", 1, "x", true}, 0} == HistoryEvent{1, MessageReceived{"a", 1, "y", true}, 0}));
  EXPECT_FALSE((HistoryEvent{1, RunFinished{true, ""}, 0} == HistoryEvent{2, RunFinished{true, ""}, 0}));
  EXPECT_TRUE((HistoryEvent{1, RunFinished{true, ""}, 3} == HistoryEvent{1, RunFinished{true, ""}, 7}));  // line numbers are not the event
  RunStarted run;
  RunStarted other = run;
  other.expect.allow = {"sent_unknown"};
  EXPECT_FALSE(run == other);
}

TEST(HistoryRoundTrip, AParseErrorInAWrittenFileNamesTheFileAndTheLine) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("resync_round_trip_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + ".jsonl");
  {
    std::string error;
    std::optional<HistoryWriter> writer = HistoryWriter::create_file(path, error);
    ASSERT_TRUE(writer) << error;
    RunStarted run;
    run.scenario = "s";
    writer->write_run_started(0, run);
    writer->write(4, PhaseChanged{"faults"});
  }
  std::ofstream(path, std::ios::app) << R"({"t_ms":5,"type":"received","client":"a","content":"x","rendered":true})" << "\n";
  const HistoryReadResult read = read_history(path);
  ASSERT_FALSE(read.ok());
  ASSERT_EQ(read.errors.size(), 1u);
  EXPECT_EQ(read.errors[0].to_string(), path.string() + ":3: `received` line has no `id` (expected an integer)");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace resync::history
