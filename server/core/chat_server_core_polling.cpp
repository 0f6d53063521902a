// ChatServerCore: Engine.IO long-polling (held GETs, POSTed payloads, the bounded outbox)
// and the polling -> WebSocket upgrade.
#include "server/core/chat_server_core.hpp"

#include <utility>

#include "common/invariant.hpp"
#include "protocol/utf8.hpp"

namespace resync::server {

namespace engineio = protocol::engineio;

PollingRequestResult ChatServerCore::on_poll_request(std::string_view engine_session_id, std::int64_t now_ms) {
  Session* session = find_by_engine_id(engine_session_id);
  if (!session) return PollingRequestResult::rejected(engineio::ErrorCode::session_id_unknown);
  // engine.io: a request for the other transport of the session is "Bad request"; after an
  // upgrade this is how every later HTTP request of the session is answered.
  if (session->transport != engineio::Transport::polling) {
    return PollingRequestResult::rejected(engineio::ErrorCode::bad_request);
  }
  if (session->poll_pending) {
    // engine.io treats a second concurrent GET as a broken client: the new GET gets 400 and
    // the session closes (the first GET is answered with the close packet by the shell).
    close_session(*session, "protocol error: a second GET while one was pending");
    finish_input(now_ms);
    return PollingRequestResult::rejected(engineio::ErrorCode::bad_request);
  }
  const SessionId session_id = session->id;
  session->poll_pending = true;
  if (session->outbox.empty()) {
    if (session->upgrade == UpgradeState::probed) {
      // The client is waiting for this GET to end before it sends "5" on the WebSocket.
      queue_for_poll(*session, engineio::encode_packet(engineio::PacketType::noop));
    } else if (session->catch_up == CatchUpState::waiting_for_drain) {
      // This GET means the client has read the previous batch: the polling form of a drain.
      continue_catch_up(*session);
    }
  } else {
    polls_to_answer_.insert(session_id);
  }
  finish_input(now_ms);
  return PollingRequestResult::accepted(session_id);
}

PollingRequestResult ChatServerCore::on_poll_data(std::string_view engine_session_id, std::string_view payload,
                                                  std::int64_t now_ms) {
  Session* session = find_by_engine_id(engine_session_id);
  if (!session) return PollingRequestResult::rejected(engineio::ErrorCode::session_id_unknown);
  if (session->transport != engineio::Transport::polling) {
    return PollingRequestResult::rejected(engineio::ErrorCode::bad_request);
  }
  const SessionId session_id = session->id;
  // engine.io answers "ok" even when the payload breaks the protocol; the session closes.
  if (static_cast<std::int64_t>(payload.size()) > config_.payload_bytes_max) {
    protocol_error(*session, "POST of " + std::to_string(payload.size()) + " bytes exceeds maxPayload " +
                                 std::to_string(config_.payload_bytes_max));
  } else if (!protocol::is_valid_utf8(payload)) {
    protocol_error(*session, "POST body is not valid UTF-8");
  } else {
    for (std::string_view packet : engineio::split_payload(payload)) {
      session = find(session_id);
      if (!session) break;  // an earlier packet closed it
      if (packet.starts_with('b')) {
        protocol_error(*session, "binary packet in a polling payload: this server accepts text packets only");
        break;
      }
      handle_text_packet(*session, packet, now_ms);
    }
  }
  finish_input(now_ms);
  return PollingRequestResult::accepted(session_id);
}

PollingRequestResult ChatServerCore::check_upgrade(std::string_view engine_session_id) const {
  const Session* session = find_by_engine_id(engine_session_id);
  if (!session) return PollingRequestResult::rejected(engineio::ErrorCode::session_id_unknown);
  // Already on WebSocket, or another WebSocket is probing: engine.io refuses both.
  if (session->transport != engineio::Transport::polling || session->upgrade != UpgradeState::none) {
    return PollingRequestResult::rejected(engineio::ErrorCode::bad_request);
  }
  return PollingRequestResult::accepted(session->id);
}

PollingRequestResult ChatServerCore::on_upgrade_started(std::string_view engine_session_id, std::int64_t now_ms) {
  PollingRequestResult result = check_upgrade(engine_session_id);
  if (!result.session) return result;
  Session* found = find(*result.session);
  RESYNC_ASSERT(found != nullptr, "check_upgrade accepts only a session in the table");
  Session& session = *found;
  session.upgrade = UpgradeState::probe_open;
  session.upgrade_deadline_ms = now_ms + config_.upgrade_timeout_ms;
  return result;
}

void ChatServerCore::handle_upgrade_packet(Session& session, std::string_view text) {
  if (session.upgrade == UpgradeState::none) return;  // a late frame of an abandoned probe
  const auto packet = engineio::parse_packet(text);
  if (packet && packet->type == engineio::PacketType::ping && packet->data == "probe" &&
      session.upgrade == UpgradeState::probe_open) {
    // Straight to the probing WebSocket, not to the outbox of the polling transport.
    actions_.push_back(SendPacket{session.id, engineio::encode_packet(engineio::PacketType::pong, "probe")});
    session.upgrade = UpgradeState::probed;
    // The client pauses polling and sends "5" once its pending GET has ended.
    if (session.poll_pending && session.outbox.empty()) {
      queue_for_poll(session, engineio::encode_packet(engineio::PacketType::noop));
    }
    return;
  }
  if (packet && packet->type == engineio::PacketType::upgrade && session.upgrade == UpgradeState::probed) {
    session.transport = engineio::Transport::websocket;
    session.upgrade = UpgradeState::none;
    if (session.poll_pending) {
      // A GET still open is answered with a noop; what was queued goes out on the WebSocket.
      session.poll_pending = false;
      polls_to_answer_.erase(session.id);
      actions_.push_back(AnswerPoll{session.id, engineio::encode_packet(engineio::PacketType::noop)});
    }
    for (std::string& queued : session.outbox.take_packets()) actions_.push_back(SendPacket{session.id, std::move(queued)});
    // A catch-up batch the last GET carried counts as read: the WebSocket's drains pace the rest.
    if (session.catch_up == CatchUpState::waiting_for_drain) continue_catch_up(session);
    actions_.push_back(LogLine{LogLine::Level::info, "session " + std::to_string(session.id) + ": upgraded to WebSocket"});
    return;
  }
  protocol_error(session, "unexpected packet on the upgrading WebSocket: " +
                              std::string(text.substr(0, 32)) + " (expected \"2probe\", then \"5\")");
}

void ChatServerCore::queue_for_poll(Session& session, std::string packet) {
  if (overflowed_outboxes_.count(session.id)) return;  // closing anyway
  if (!session.outbox.push(std::move(packet))) {
    overflowed_outboxes_.insert(session.id);
    return;
  }
  if (session.poll_pending) polls_to_answer_.insert(session.id);
}

void ChatServerCore::finish_input(std::int64_t now_ms) {
  request_commit();
  for (SessionId session_id : std::exchange(paced_catch_ups_to_stamp_, {})) {
    Session* session = find(session_id);
    // One batch per millisecond: the pace tutorial_catch_up_rows_per_ms names.
    if (session && session->catch_up == CatchUpState::waiting_for_pace) session->catch_up_resume_ms = now_ms + 1;
  }
  for (SessionId session_id : std::exchange(overflowed_outboxes_, {})) {
    Session* session = find(session_id);
    // forget_session takes a session out of this set, and closing one forgets only that one.
    RESYNC_ASSERT(session != nullptr, "a session with an overflowed outbox is still in the table");
    actions_.push_back(LogLine{LogLine::Level::warning,
                               "session " + std::to_string(session_id) + ": slow consumer: the polling queue exceeds " +
                                   std::to_string(config_.polling_queue_bytes_max) + " bytes; disconnecting"});
    close_session(*session, "slow consumer (polling queue full)", Recoverable::yes, now_ms);
  }
  // Answered here, once per input, so one GET carries everything the input produced.
  for (SessionId session_id : std::exchange(polls_to_answer_, {})) {
    Session* session = find(session_id);
    // forget_session takes a session out of this set, and answering closes nothing.
    RESYNC_ASSERT(session != nullptr, "a session with a poll to answer is still in the table");
    if (!session->poll_pending || session->outbox.empty()) continue;
    session->poll_pending = false;
    actions_.push_back(AnswerPoll{session_id, session->outbox.take_payload()});
  }
}

}  // namespace resync::server
