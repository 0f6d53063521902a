// Engine.IO: one packet (a WebSocket text frame), an open packet's data (what a client reads
// first), a long-polling payload, and the handshake query of a /socket.io/ request.
#include <string>
#include <vector>

#include "common/invariant.hpp"
#include "input_fuzzing/fuzz_targets.hpp"
#include "protocol/engineio_packet.hpp"

namespace resync::input_fuzzing {

namespace engineio = protocol::engineio;

void fuzz_engineio_packet(std::string_view input) {
  protocol::ParseResult<engineio::Packet> packet = engineio::parse_packet(input);
  if (packet) {
    RESYNC_ASSERT(engineio::encode_packet(packet.value()) == input, "an Engine.IO packet encodes back to its text");
  } else {
    RESYNC_ASSERT(!packet.error().empty(), "a rejected packet says why");
  }
  // A client reads the open packet's data as JSON from the server; any bytes must give a
  // value or a reason, never an exception.
  protocol::ParseResult<engineio::OpenPacket> open = engineio::parse_open_packet_data(input);
  if (open) {
    RESYNC_ASSERT(open->ping_interval_ms >= 0 && open->ping_timeout_ms >= 0 && open->payload_bytes_max >= 0,
                  "an accepted open packet has no negative interval or limit");
  }
}

void fuzz_engineio_polling_payload(std::string_view input) {
  std::vector<std::string_view> records = engineio::split_payload(input);
  RESYNC_ASSERT(!records.empty(), "a payload splits into at least one record");
  std::vector<std::string> packets;
  for (std::string_view record : records) {
    RESYNC_ASSERT(record.find(engineio::record_separator) == std::string_view::npos, "a record holds no separator");
    protocol::ParseResult<engineio::Packet> packet = engineio::parse_packet(record);
    if (packet) RESYNC_ASSERT(engineio::encode_packet(packet.value()) == record, "each record's packet encodes back");
    packets.emplace_back(record);
  }
  RESYNC_ASSERT(engineio::join_payload(packets) == input, "joining the split records gives the payload back");
}

void fuzz_handshake_query(std::string_view input) {
  engineio::HandshakeParseResult result = engineio::parse_handshake_query(input);
  if (!result.ok) {
    RESYNC_ASSERT(!result.error.message.empty() && result.error.http_status >= 400,
                  "a refused handshake has an Engine.IO error to answer with");
    RESYNC_ASSERT(!result.error.json_body().empty(), "the error's JSON body can be written for any query");
  }
}

}  // namespace resync::input_fuzzing
