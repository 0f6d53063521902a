#include "protocol/engineio_packet.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace resync::protocol::engineio {
namespace {

TEST(EngineIoPacket, ParsesEveryPacketType) {
  EXPECT_EQ(parse_packet("2").value(), (Packet{PacketType::ping, ""}));
  EXPECT_EQ(parse_packet("2probe").value(), (Packet{PacketType::ping, "probe"}));
  EXPECT_EQ(parse_packet("40{\"serverOffset\":3}").value(), (Packet{PacketType::message, "0{\"serverOffset\":3}"}));
  EXPECT_EQ(parse_packet("6").value().type, PacketType::noop);
}

TEST(EngineIoPacket, RejectsEmptyAndUnknownTypesWithAReason) {
  EXPECT_FALSE(parse_packet(""));
  const auto unknown = parse_packet("9hello");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().find("unknown Engine.IO packet type '9'"), std::string::npos);
}

TEST(EngineIoPacket, OpenPacketRoundTrips) {
  OpenPacket open{"abc", {}, 25000, 20000, 1000000};
  const std::string text = encode_open_packet(open);
  EXPECT_EQ(text, R"(0{"maxPayload":1000000,"pingInterval":25000,"pingTimeout":20000,"sid":"abc","upgrades":[]})");
  const auto parsed = parse_open_packet_data(text.substr(1));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->session_id, "abc");
  EXPECT_EQ(parsed->ping_interval_ms, 25000);
  EXPECT_FALSE(parse_open_packet_data("{\"sid\":1}"));
  EXPECT_FALSE(parse_open_packet_data("not json"));
}

// A client adds pingInterval and pingTimeout to its clock: a server sending INT64_MAX made
// that overflow (UB; found by the chat_client_input fuzz target's hostile-number probe).
TEST(EngineIoPacket, OpenPacketHeartbeatsBeyondTheLargestTimerDelayAreRefused) {
  const std::string largest = std::to_string(heartbeat_ms_max);
  EXPECT_TRUE(parse_open_packet_data(R"({"sid":"a","pingInterval":)" + largest + R"(,"pingTimeout":)" + largest + "}"));
  const auto refused =
      parse_open_packet_data(R"({"sid":"a","pingInterval":9223372036854775807,"pingTimeout":20000})");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("over 2147483647 ms"), std::string::npos) << refused.error();
  EXPECT_FALSE(parse_open_packet_data(R"({"sid":"a","pingInterval":25000,"pingTimeout":2147483648})"));
}

TEST(EngineIoPacket, PayloadSplitsOnRecordSeparator) {
  const auto packets = split_payload("4hello\x1e" "2\x1e" "4");
  ASSERT_EQ(packets.size(), 3u);
  EXPECT_EQ(packets[0], "4hello");
  EXPECT_EQ(packets[1], "2");
  EXPECT_EQ(packets[2], "4");
}

RC_GTEST_PROP(EngineIoPacket, JoinThenSplitGivesThePacketsBack, (const std::vector<std::string>& raw)) {
  std::vector<std::string> packets;
  for (std::string packet : raw) {
    std::erase(packet, record_separator);
    packets.push_back("4" + packet);
  }
  RC_PRE(!packets.empty());
  const std::string payload = join_payload(packets);
  const auto split = split_payload(payload);
  RC_ASSERT(split.size() == packets.size());
  for (std::size_t index = 0; index < split.size(); ++index) RC_ASSERT(std::string(split[index]) == packets[index]);
}

TEST(EngineIoHandshake, AcceptsWebSocketAndPollingForVersion4) {
  const auto websocket = parse_handshake_query("EIO=4&transport=websocket&tag=alice%20b");
  ASSERT_TRUE(websocket.ok);
  EXPECT_EQ(websocket.query.transport, Transport::websocket);
  EXPECT_EQ(websocket.query.client_tag, "alice b");
  const auto polling = parse_handshake_query("EIO=4&transport=polling&t=abc&sid=xyz");
  ASSERT_TRUE(polling.ok);
  EXPECT_EQ(polling.query.transport, Transport::polling);
  EXPECT_EQ(polling.query.session_id, "xyz");
}

TEST(EngineIoHandshake, RejectsWithTheProtocolsErrorCodes) {
  const auto old_version = parse_handshake_query("EIO=3&transport=websocket");
  EXPECT_FALSE(old_version.ok);
  EXPECT_EQ(old_version.error.code, 5);
  EXPECT_EQ(old_version.error.json_body(), R"({"code":5,"message":"Unsupported protocol version"})");
  const auto unknown_transport = parse_handshake_query("EIO=4&transport=carrier-pigeon");
  EXPECT_FALSE(unknown_transport.ok);
  EXPECT_EQ(unknown_transport.error.code, 0);
  EXPECT_EQ(unknown_transport.error.http_status, 400);
  EXPECT_EQ(make_handshake_error(ErrorCode::forbidden).http_status, 403);
}

TEST(EngineIoHandshake, PercentDecodingKeepsBrokenEscapes) {
  EXPECT_EQ(percent_decode("a%2Fb+c"), "a/b c");
  EXPECT_EQ(percent_decode("100%"), "100%");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
  EXPECT_EQ(percent_decode("a%2Fb+c", PlusSign::literal), "a/b+c") << "a path segment keeps its '+'";
}

}  // namespace
}  // namespace resync::protocol::engineio
