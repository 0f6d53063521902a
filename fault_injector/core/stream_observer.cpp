#include "fault_injector/core/stream_observer.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "common/invariant.hpp"
#include "protocol/percent_decoding.hpp"
#include "protocol/socketio_packet.hpp"

namespace resync::fault_injector {
namespace {

constexpr std::string_view kHeadEnd = "\r\n\r\n";

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool contains_ignoring_case(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (equals_ignoring_case(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

// True when some header line is "<name>: ...<value>..." (case-insensitive).
bool has_header_containing(std::string_view head, std::string_view name, std::string_view value) {
  std::size_t line_start = head.find("\r\n");
  while (line_start != std::string_view::npos && line_start + 2 < head.size()) {
    line_start += 2;
    const std::size_t line_end = head.find("\r\n", line_start);
    const std::string_view line =
        head.substr(line_start, (line_end == std::string_view::npos ? head.size() : line_end) - line_start);
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos && equals_ignoring_case(line.substr(0, colon), name) &&
        contains_ignoring_case(line.substr(colon + 1), value)) {
      return true;
    }
    line_start = line_end;
  }
  return false;
}

std::optional<std::string> bounded_tag(std::string tag) {
  if (tag.empty() || tag.size() > StreamObserver::kTagBytesMax) return std::nullopt;
  return tag;
}

}  // namespace

std::optional<std::string> tag_from_request_head(std::string_view head) {
  const std::size_t target_start = head.find(' ');
  if (target_start == std::string_view::npos) return std::nullopt;
  const std::size_t target_end = head.find(' ', target_start + 1);
  if (target_end == std::string_view::npos) return std::nullopt;
  const std::string_view target = head.substr(target_start + 1, target_end - target_start - 1);
  const std::size_t query_start = target.find('?');
  if (query_start == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(query_start + 1);
  while (!query.empty()) {
    const std::size_t ampersand = query.find('&');
    const std::string_view pair = query.substr(0, ampersand);
    if (pair.starts_with("tag=")) return bounded_tag(protocol::percent_decode(pair.substr(4)));
    if (ampersand == std::string_view::npos) break;
    query = query.substr(ampersand + 1);
  }
  return std::nullopt;
}

std::optional<std::string> tag_from_socketio_connect(std::string_view packet) {
  // Engine.IO message "4" + Socket.IO CONNECT "0" + optional "/namespace," + auth JSON. The
  // auth is a client's bytes: read it with the server's own parser (its JSON nesting limit,
  // its namespace and ack id rules), so a tag is only learned from a CONNECT the server
  // would accept, and hostile nesting is refused before any JSON is built.
  if (!packet.starts_with("40")) return std::nullopt;
  const protocol::ParseResult<protocol::socketio::Packet> connect = protocol::socketio::parse_packet(packet.substr(1));
  if (!connect || connect->type != protocol::socketio::PacketType::connect || !connect->payload ||
      !connect->payload->is_object()) {
    return std::nullopt;
  }
  const nlohmann::json& auth = *connect->payload;
  auto tag = auth.find("tag");
  if (tag == auth.end() || !tag->is_string()) return std::nullopt;
  return bounded_tag(tag->get<std::string>());
}

StreamObserver::Phase StreamObserver::phase_for_first_byte(std::uint8_t first_byte) {
  // HTTP requests start with an upper-case method, responses with "HTTP/"; no RESP type byte
  // is a letter. Anything else is told apart here, at its first byte, and costs nothing more.
  if (first_byte >= 'A' && first_byte <= 'Z') return Phase::http_head;
  const RespSide side = direction_ == Direction::upstream ? RespSide::commands : RespSide::replies;
  if (!RespMessageScanner::starts_stream(side, first_byte)) return Phase::opaque;
  resp_scanner_ = std::make_unique<RespMessageScanner>(side);
  return Phase::resp;
}

void StreamObserver::observe_http_head(std::span<const std::uint8_t> piece, std::size_t& offset,
                                       Observation& observation) {
  // Search only the new bytes (plus 3 to catch a terminator split across reads).
  const std::size_t search_from = http_head_.size() >= 3 ? http_head_.size() - 3 : 0;
  const std::size_t room = kHttpHeadBytesMax - http_head_.size();
  const std::size_t take = std::min(room, piece.size());
  http_head_.append(reinterpret_cast<const char*>(piece.data()), take);
  const std::size_t head_end = http_head_.find(kHeadEnd, search_from);
  if (head_end == std::string::npos) {
    offset = take;
    if (http_head_.size() >= kHttpHeadBytesMax) phase_ = Phase::opaque;
    return;
  }
  const std::size_t head_size = head_end + kHeadEnd.size();
  offset = take - (http_head_.size() - head_size);
  http_head_.resize(head_size);

  bool upgraded = false;
  if (direction_ == Direction::upstream) {
    if (want_tag_) {
      observation.learned_tag = tag_from_request_head(http_head_);
      observation.learned_tag_end_offset = offset;
    }
    upgraded = has_header_containing(http_head_, "upgrade", "websocket");
  } else {
    upgraded = http_head_.starts_with("HTTP/1.1 101") || http_head_.starts_with("HTTP/1.0 101");
  }
  phase_ = upgraded ? Phase::websocket : Phase::opaque;
  http_head_.clear();
  http_head_.shrink_to_fit();
}

Observation StreamObserver::observe(std::span<const std::uint8_t> piece) {
  Observation observation;
  if (phase_ == Phase::first_byte && !piece.empty()) phase_ = phase_for_first_byte(piece[0]);
  std::size_t offset = 0;
  if (phase_ == Phase::http_head) observe_http_head(piece, offset, observation);
  if (phase_ == Phase::websocket && offset < piece.size()) {
    current_ = &observation;
    frame_piece_base_ = offset;
    if (!parser_.observe(piece.subspan(offset), *this, /*want_payload=*/true)) phase_ = Phase::opaque;
    current_ = nullptr;
  } else if (phase_ == Phase::resp) {
    observe_resp(piece, observation);
  }
  return observation;
}

void StreamObserver::observe_resp(std::span<const std::uint8_t> piece, Observation& observation) {
  RESYNC_ASSERT(resp_scanner_ != nullptr, "a RESP stream has its scanner");
  // A piece read while no text is collected leaves a gap in the current message's text: keep
  // none of the rest of it, so the text kept stays a prefix of the message.
  if (!collect_text_) message_text_cut_ = true;
  current_ = &observation;
  const bool still_resp = resp_scanner_->observe(piece, *this, /*want_text=*/collect_text_);
  current_ = nullptr;
  if (still_resp) return;
  phase_ = Phase::opaque;
  resp_scanner_.reset();
  message_text_.clear();
  message_text_.shrink_to_fit();
}

void StreamObserver::keep_message_text(std::string_view bytes, std::size_t limit) {
  if (message_text_cut_) return;
  const std::size_t take = std::min(limit - std::min(limit, message_text_.size()), bytes.size());
  message_text_.append(bytes.data(), take);
  message_text_cut_ = take < bytes.size();
}

void StreamObserver::on_frame_start(const WebSocketFrameHeader& header) {
  frame_is_control_ = header.is_control();
  if (header.opcode == WebSocketFrameHeader::kText) {
    message_is_text_ = true;
    message_text_.clear();
    message_text_cut_ = false;
  } else if (header.opcode == WebSocketFrameHeader::kBinary) {
    message_is_text_ = false;
  }
}

void StreamObserver::on_frame_payload(std::span<const std::uint8_t> unmasked) {
  if (!message_is_text_ || frame_is_control_) return;
  // Two bytes tell an event ("42") from anything else; more only when someone needs it.
  std::size_t limit = 2;
  if (collect_text_) limit = kMessageTextBytesMax;
  if (want_tag_ && direction_ == Direction::upstream) limit = std::max(limit, kConnectPacketBytesMax);
  keep_message_text({reinterpret_cast<const char*>(unmasked.data()), unmasked.size()}, limit);
}

void StreamObserver::on_frame_end(const WebSocketFrameHeader& header, std::size_t end_offset) {
  if (header.is_control()) return;
  const std::size_t offset = frame_piece_base_ + end_offset;
  current_->events.push_back({ObservedEvent::Kind::data_frame, offset, ++data_frames_, {}});
  if (!header.fin || !message_is_text_) return;
  if (message_text_.starts_with("42") || message_text_.starts_with("45")) {
    current_->events.push_back({ObservedEvent::Kind::socketio_event, offset, ++socketio_events_, {}});
  } else if (message_text_.starts_with("43") || message_text_.starts_with("46")) {
    // Engine.IO message "4" + Socket.IO ACK "3" (or BINARY_ACK "6"): the answer to an emit
    // with a callback, which a server sends once it has accepted the message.
    current_->events.push_back({ObservedEvent::Kind::socketio_ack, offset, ++socketio_acks_, {}});
  }
  if (want_tag_ && direction_ == Direction::upstream && !current_->learned_tag) {
    current_->learned_tag = tag_from_socketio_connect(message_text_);
    current_->learned_tag_end_offset = offset;
  }
  if (collect_text_) current_->events.push_back({ObservedEvent::Kind::text_message, offset, 0, message_text_});
  message_text_.clear();
  message_text_cut_ = false;
  message_is_text_ = false;
}

// A RESP message is a data frame; it is never a Socket.IO event or ACK, and never teaches a tag.
void StreamObserver::on_message_start() {
  message_text_.clear();
  message_text_cut_ = !collect_text_;
}

void StreamObserver::on_message_text(std::string_view text) { keep_message_text(text, kMessageTextBytesMax); }

void StreamObserver::on_message_end(std::size_t end_offset) {
  // A RESP stream has no head: the scanner is handed whole pieces, so its offsets are ours.
  current_->events.push_back({ObservedEvent::Kind::data_frame, end_offset, ++data_frames_, {}});
  if (collect_text_) current_->events.push_back({ObservedEvent::Kind::text_message, end_offset, 0, message_text_});
  message_text_.clear();
  message_text_cut_ = false;
}

}  // namespace resync::fault_injector
