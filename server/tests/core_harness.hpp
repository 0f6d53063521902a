#pragma once
// A shell stand-in for unit tests of ChatServerCore: feeds it inputs at a test-controlled
// time and records every action per session (packets over WebSocket, answered GETs, closes).
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/engineio_packet.hpp"
#include "protocol/socketio_packet.hpp"
#include "server/core/chat_server_core.hpp"
#include "server/core/commit_group.hpp"
#include "server/core/message_store.hpp"

namespace resync::server::testing {

// first, first + 1, ..., last
inline std::vector<std::int64_t> ids_between(std::int64_t first, std::int64_t last) {
  std::vector<std::int64_t> ids;
  for (std::int64_t id = first; id <= last; ++id) ids.push_back(id);
  return ids;
}

// A cluster's table of lost sockets for the cores of several harnesses (RememberLostSocket,
// TakeLostSocket), answered when the test says.
using LostSocketTable = std::map<std::string, DisconnectedSocket>;

class CoreHarness {
 public:
  // The core is built at its first use, so a test can store rows first: the core reads the
  // committed head once, when it starts, as a server does.
  CoreHarness(ServerConfig config, MessageStore& store) : CoreHarness(std::move(config), store, store) {}
  // A cluster node's core (ServerConfig::shared_log): it reads `reader` (its copy of the log)
  // and its commit groups go to `log` (the log every node appends to).
  CoreHarness(ServerConfig config, MessageReader& reader, MessageStore& log)
      : config_(std::move(config)), reader_(reader), store_(log) {}

  ChatServerCore& core() {
    if (!core_) core_.emplace(config_, reader_);
    return *core_;
  }
  std::int64_t now_ms = 0;

  // --- WebSocket sessions ---
  void open_websocket(SessionId session) {
    core().on_session_opened(session, {}, now_ms);
    drain();
  }
  void frame(SessionId session, std::string_view text) {
    core().on_text_frame(session, text, now_ms);
    drain();
  }
  void transport_closed(SessionId session) {
    core().on_session_closed(session, now_ms);
    drain();
  }

  // --- long-polling sessions ---
  // The handshake GET; returns the Engine.IO sid from the open packet it is answered with.
  std::string open_polling(SessionId session) {
    protocol::engineio::HandshakeQuery query;
    query.transport = protocol::engineio::Transport::polling;
    core().on_session_opened(session, query, now_ms);
    drain();
    const auto answer = last_answer(session);
    if (!answer || answer->empty() || answer->front() != '0') return {};
    return nlohmann::json::parse(answer->substr(1)).at("sid").get<std::string>();
  }
  PollingRequestResult get(std::string_view sid) {
    auto result = core().on_poll_request(sid, now_ms);
    drain();
    return result;
  }
  PollingRequestResult post(std::string_view sid, std::string_view payload) {
    auto result = core().on_poll_data(sid, payload, now_ms);
    drain();
    return result;
  }

  // Makes every group durable, the one in flight and those requested after it, as a
  // committer would one by one.
  void commit() {
    while (requested_) complete_commit();
  }
  // Makes only the group in flight durable (the core may then request the next one).
  // `commit_duration_ms` is what a committer on a real clock would have measured.
  void complete_commit(std::int64_t commit_duration_ms = 0) {
    if (!requested_) return;
    CommitCompletion completion = run_commit_group(store_, *requested_);
    completion.commit_duration_ms = commit_duration_ms;
    requested_.reset();
    core().on_commit_completed(completion, now_ms);
    drain();
  }
  // The group the core asked to commit and that has not completed.
  const std::optional<CommitRequest>& commit_in_flight() const { return requested_; }
  int commit_requests() const { return commit_requests_; }
  // The receivers of each BroadcastPacket action, in the order the actions came.
  const std::vector<std::vector<SessionId>>& broadcast_receivers() const { return broadcast_receivers_; }
  // shared_log with recovery: the table this node's core keeps lost sockets in.
  void use_lost_socket_table(LostSocketTable& table) { lost_sockets_ = &table; }
  // Answers every TakeLostSocket asked so far, from the table (taking the socket out).
  void answer_lost_socket_lookups() {
    auto lookups = std::exchange(lost_socket_lookups_, {});
    for (const TakeLostSocket& lookup : lookups) {
      std::optional<DisconnectedSocket> socket;
      if (const auto found = lost_sockets_->find(lookup.private_id); found != lost_sockets_->end()) {
        socket = found->second;
        lost_sockets_->erase(found);
      }
      core().on_lost_socket_found(lookup.session, socket, now_ms);
      drain();
    }
  }
  std::size_t lost_socket_lookups_waiting() const { return lost_socket_lookups_.size(); }
  // shared_log: entries the node read from the log (already in its reader).
  void log_entries(const std::vector<StoredMessage>& entries) {
    core().on_log_entries(entries, now_ms);
    drain();
  }
  void drained(SessionId session) {
    core().on_output_drained(session, now_ms);
    drain();
  }
  void advance_to(std::int64_t time_ms) {
    now_ms = time_ms;
    core().on_timer(now_ms);
    drain();
  }

  // Every packet the session was sent, WebSocket and polling alike, in order.
  const std::vector<std::string>& packets(SessionId session) { return packets_[session]; }
  // The bodies of the GETs answered for the session, in order.
  const std::vector<std::string>& answers(SessionId session) { return answers_[session]; }
  std::optional<std::string> last_answer(SessionId session) {
    const auto& all = answers_[session];
    return all.empty() ? std::nullopt : std::optional<std::string>(all.back());
  }
  const std::vector<std::string>& websocket_packets(SessionId session) { return websocket_packets_[session]; }
  bool closed(SessionId session) const { return closed_.count(session) > 0; }
  std::string close_reason(SessionId session) const {
    const auto found = closed_.find(session);
    return found == closed_.end() ? std::string() : found->second;
  }
  bool upgrade_abandoned(SessionId session) const { return abandoned_.count(session) > 0; }
  const std::vector<std::string>& logs() const { return logs_; }

  // The arguments of each "chat message" event the session received, in order.
  std::vector<nlohmann::json> chat_events(SessionId session) {
    std::vector<nlohmann::json> events;
    for (const auto& packet : packets_[session]) {
      if (packet.rfind("42[", 0) != 0) continue;
      auto arguments = nlohmann::json::parse(packet.substr(2));
      if (arguments[0] == "chat message") events.push_back(std::move(arguments));
    }
    return events;
  }
  std::vector<std::int64_t> received_ids(SessionId session) {
    std::vector<std::int64_t> ids;
    for (const auto& event : chat_events(session)) ids.push_back(event[2].get<std::int64_t>());
    return ids;
  }
  // The data of the Socket.IO CONNECT replies ("40{...}") the session received.
  std::vector<nlohmann::json> connect_replies(SessionId session) {
    std::vector<nlohmann::json> replies;
    for (const auto& packet : packets_[session]) {
      if (packet.rfind("40{", 0) == 0) replies.push_back(nlohmann::json::parse(packet.substr(2)));
    }
    return replies;
  }

 private:
  void drain() {
    for (auto& action : core().take_actions()) {
      if (auto* send = std::get_if<SendPacket>(&action)) {
        packets_[send->session].push_back(send->text);
        websocket_packets_[send->session].push_back(send->text);
      } else if (auto* broadcast = std::get_if<BroadcastPacket>(&action)) {
        broadcast_receivers_.push_back(broadcast->sessions);
        for (const SessionId session : broadcast->sessions) {
          packets_[session].push_back(broadcast->text);
          websocket_packets_[session].push_back(broadcast->text);
        }
      } else if (auto* answer = std::get_if<AnswerPoll>(&action)) {
        answers_[answer->session].push_back(answer->body);
        for (auto packet : protocol::engineio::split_payload(answer->body)) packets_[answer->session].emplace_back(packet);
      } else if (auto* close = std::get_if<CloseSession>(&action)) {
        closed_[close->session] = close->reason;
        core().on_session_closed(close->session, now_ms);
      } else if (auto* abandon = std::get_if<AbandonUpgrade>(&action)) {
        abandoned_.insert(abandon->session);
      } else if (auto* line = std::get_if<LogLine>(&action)) {
        logs_.push_back(line->text);
      } else if (auto* request = std::get_if<CommitRequest>(&action)) {
        requested_ = std::move(*request);
        ++commit_requests_;
      } else if (auto* lost = std::get_if<RememberLostSocket>(&action)) {
        (*lost_sockets_)[lost->private_id] = lost->socket;
      } else if (auto* lookup = std::get_if<TakeLostSocket>(&action)) {
        lost_socket_lookups_.push_back(std::move(*lookup));
      }
    }
  }

  ServerConfig config_;
  MessageReader& reader_;
  MessageStore& store_;
  std::optional<ChatServerCore> core_;
  std::optional<CommitRequest> requested_;
  int commit_requests_ = 0;
  std::vector<std::vector<SessionId>> broadcast_receivers_;
  LostSocketTable* lost_sockets_ = nullptr;
  std::vector<TakeLostSocket> lost_socket_lookups_;
  std::map<SessionId, std::vector<std::string>> packets_;
  std::map<SessionId, std::vector<std::string>> answers_;
  std::map<SessionId, std::vector<std::string>> websocket_packets_;
  std::map<SessionId, std::string> closed_;
  std::set<SessionId> abandoned_;
  std::vector<std::string> logs_;
};

}  // namespace resync::server::testing
