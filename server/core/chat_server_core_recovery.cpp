// ChatServerCore: connection state recovery of a returning socket (see
// connection_state_recovery.hpp for the offsets and why a replay is exactly-once).
#include "server/core/chat_server_core.hpp"

#include "protocol/socketio_packet.hpp"

namespace resync::server {

namespace socketio = protocol::socketio;

namespace {

// Reads a string field of the CONNECT auth object, if it is one.
std::optional<std::string> auth_string(const nlohmann::json& auth, const char* name) {
  if (!auth.is_object()) return std::nullopt;
  const auto field = auth.find(name);
  if (field == auth.end() || !field->is_string()) return std::nullopt;
  return field->get<std::string>();
}

}  // namespace

bool ChatServerCore::try_recover(Session& session, const nlohmann::json& auth, std::int64_t server_offset,
                                 std::int64_t now_ms) {
  // socket.io-client sends {pid, offset} only once it has both; a client that has received
  // no event yet has no offset and is not recovered (as in socket.io).
  const std::optional<std::string> private_id = auth_string(auth, "pid");
  const std::optional<std::string> offset = auth_string(auth, "offset");
  if (!private_id) return false;
  const std::string who = "session " + std::to_string(session.id) + ": ";
  if (!offset) {
    actions_.push_back(LogLine{LogLine::Level::info, who + "not recovered: no offset (nothing received yet); fresh socket"});
    return false;
  }
  if (config_.shared_log) {
    // The lost socket may have been on another node: ask the cluster's table, and answer the
    // CONNECT when it answers (on_lost_socket_found).
    session.recovery_lookup = Session::RecoveryLookup{*private_id, *offset, server_offset};
    actions_.push_back(TakeLostSocket{session.id, *private_id});
    return true;
  }
  const auto grant = recovery_->take(*private_id, *offset, now_ms);
  if (!grant) {
    actions_.push_back(LogLine{LogLine::Level::info, who + "not recovered: " + grant.error() + "; fresh socket"});
    return false;
  }
  recover(session, grant.value(), *private_id);
  return true;
}

void ChatServerCore::on_lost_socket_found(SessionId session_id, const std::optional<DisconnectedSocket>& socket,
                                          std::int64_t now_ms) {
  Session* session = find(session_id);
  if (!session || !session->recovery_lookup) return finish_input(now_ms);  // gone meanwhile
  const Session::RecoveryLookup lookup = std::move(*session->recovery_lookup);
  session->recovery_lookup.reset();
  const std::string who = "session " + std::to_string(session->id) + ": ";
  if (!socket) {
    actions_.push_back(LogLine{LogLine::Level::info, who + "not recovered: the cluster has no lost socket for that pid "
                                                           "(never issued, expired, already recovered, or Redis could "
                                                           "not be asked); fresh socket"});
  } else if (const auto grant = recovery_->grant(*socket, lookup.offset, now_ms); !grant) {
    actions_.push_back(LogLine{LogLine::Level::info, who + "not recovered: " + grant.error() + "; fresh socket"});
  } else {
    recover(*session, grant.value(), lookup.private_id);
    return finish_input(now_ms);
  }
  connect_fresh(*session, lookup.server_offset);
  finish_input(now_ms);
}

void ChatServerCore::recover(Session& session, const RecoveryGrant& grant, const std::string& private_id) {
  const std::string who = "session " + std::to_string(session.id) + ": ";
  session.socket_id = grant.socket_id;
  session.private_id = private_id;
  session.socket_state = SocketState::connected;
  // socket.io sends the missed packets before the CONNECT reply; socket.io-client buffers
  // them and emits them once "connect" arrives, and only then moves its offset. If the
  // connection drops in between, the buffer survives (socket.io-client never clears it)
  // and the next recovery replays the same events again: the client shows them twice (the
  // fuzzer found this). So strict answers CONNECT first and then replays, which the client
  // handles as ordinary events, moving its offset one event at a time; tutorial keeps
  // socket.io's order, flaw included.
  const bool connect_reply_first = config_.delivery == DeliveryMode::strict;
  if (connect_reply_first) {
    send_socket_packet(session.id, socketio::encode_connect_reply(session.socket_id, session.private_id));
  }
  std::size_t replayed = 0;
  session.last_sent_id = grant.resume_after_id;
  bool first_missed_skipped = false;
  for (const BufferedEvent& event : recovery_->buffered_events()) {
    if (config_.planted_bug == PlantedBug::recovery_repeats_last_seen && event.id == grant.resume_after_id) {
      send_chat_event(session, event.id, event.content);  // planted: the client has this one already
      continue;
    }
    if (event.id <= grant.resume_after_id) continue;
    if (config_.planted_bug == PlantedBug::recovery_skips_first_missed && !first_missed_skipped) {
      first_missed_skipped = true;  // planted: the replay starts one event too late
      continue;
    }
    send_chat_event(session, event.id, event.content);
    ++replayed;
  }
  if (!connect_reply_first) {
    send_socket_packet(session.id, socketio::encode_connect_reply(session.socket_id, session.private_id));
  }
  // Every committed id is now sent; uncommitted ones arrive as live broadcasts, in order.
  session.catch_up_cursor_id = session.last_sent_id;
  session.catch_up = CatchUpState::none;
  session.receives_live_broadcasts = true;
  actions_.push_back(LogLine{LogLine::Level::info, who + "recovered socket " + session.socket_id + ", replayed " +
                                                       std::to_string(replayed) + " missed events"});
}

}  // namespace resync::server
