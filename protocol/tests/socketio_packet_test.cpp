#include "protocol/socketio_packet.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace resync::protocol::socketio {
namespace {

TEST(SocketIoPacket, ParsesConnectWithAuth) {
  const auto packet = parse_packet(R"(0{"serverOffset":12})");
  ASSERT_TRUE(packet) << packet.error();
  EXPECT_EQ(packet->type, PacketType::connect);
  EXPECT_EQ(packet->namespace_name, "/");
  EXPECT_EQ((*packet->payload)["serverOffset"], 12);
}

TEST(SocketIoPacket, ParsesEventWithAckIdAndNamespace) {
  const auto packet = parse_packet(R"(2/admin,7["chat message","hi","c-1"])");
  ASSERT_TRUE(packet) << packet.error();
  EXPECT_EQ(packet->namespace_name, "/admin");
  EXPECT_EQ(packet->ack_id, 7u);
  EXPECT_EQ(event_name(packet.value()).value(), "chat message");
  EXPECT_EQ((*packet->payload)[2], "c-1");
}

TEST(SocketIoPacket, ParsesBinaryEventHeader) {
  const auto packet = parse_packet(R"(51-["upload",{"_placeholder":true,"num":0}])");
  ASSERT_TRUE(packet) << packet.error();
  EXPECT_EQ(packet->attachments, 1u);
}

TEST(SocketIoPacket, RejectsInvalidEventPayloads) {
  EXPECT_FALSE(parse_packet(R"(2{"not":"an array"})"));
  EXPECT_FALSE(parse_packet(R"(2[])"));
  EXPECT_FALSE(parse_packet(R"(2[42,"x"])"));
  EXPECT_FALSE(parse_packet(R"(2)"));
  EXPECT_FALSE(parse_packet(R"(2["chat message")"));
  EXPECT_FALSE(parse_packet(R"(0"auth must be an object")"));
  EXPECT_FALSE(parse_packet(R"(1{"x":1})"));
  EXPECT_FALSE(parse_packet("9"));
  EXPECT_FALSE(parse_packet(""));
  EXPECT_FALSE(parse_packet("3[]"));  // ACK without an id
  EXPECT_FALSE(parse_packet(R"(599999999-["x"])"));
}

TEST(SocketIoPacket, RejectsHugeAckIds) {
  EXPECT_FALSE(parse_packet(R"(299999999999999999999["chat message"])"));
}

TEST(SocketIoPacket, RejectsDeepNestingWithoutRecursing) {
  const std::string deep = "2[\"x\"," + std::string(100000, '[') + std::string(100000, ']') + "]";
  const auto packet = parse_packet(deep);
  ASSERT_FALSE(packet);
  EXPECT_NE(packet.error().find("nested deeper"), std::string::npos);
  // Brackets inside strings do not count as nesting.
  EXPECT_TRUE(parse_packet("2[\"chat message\",\"" + std::string(1000, '[') + "\"]"));
}

TEST(SocketIoPacket, EncodesTheWireForms) {
  EXPECT_EQ(encode_event(nlohmann::json::array({"chat message", "hi", 5})), R"(2["chat message","hi",5])");
  EXPECT_EQ(encode_event(nlohmann::json::array({"chat message", "hi", "c-1"}), 7), R"(27["chat message","hi","c-1"])");
  EXPECT_EQ(encode_ack(7), "37[]");
  EXPECT_EQ(encode_connect({{"sid", "abc"}}), R"(0{"sid":"abc"})");
  EXPECT_EQ(encode_connect_error("/x", "Invalid namespace"), R"(4/x,{"message":"Invalid namespace"})");
}

RC_GTEST_PROP(SocketIoPacket, EncodedEventsParseBackToTheSameArguments,
              (const std::string& name, const std::vector<std::string>& arguments, std::uint32_t ack)) {
  nlohmann::json payload = nlohmann::json::array({name});
  for (const auto& argument : arguments) payload.push_back(argument);
  const std::optional<std::uint64_t> ack_id = ack % 2 ? std::optional<std::uint64_t>(ack) : std::nullopt;
  const std::string text = encode_event(payload, ack_id);
  const auto parsed = parse_packet(text);
  // Invalid UTF-8 in generated strings is replaced on encoding, so compare re-encodings.
  RC_ASSERT(parsed.ok());
  RC_ASSERT(parsed->ack_id == ack_id);
  RC_ASSERT(encode_packet(parsed.value()) == text);
}

RC_GTEST_PROP(SocketIoPacket, ArbitraryTextNeverCrashesTheParser, (const std::string& text)) {
  const auto parsed = parse_packet(text);
  if (parsed) RC_ASSERT(!encode_packet(parsed.value()).empty());
}

}  // namespace
}  // namespace resync::protocol::socketio
