// Targeting and triggers: the extensions Toxiproxy users ask for, on virtual time.
#include "fault_injector/core/connection_pipeline.hpp"

#include <gtest/gtest.h>

#include "fault_injector/core/stream_observer.hpp"
#include "protocol/socketio_packet.hpp"
#include "fault_injector/tests/pipeline_test_support.hpp"
#include "fault_injector/tests/websocket_frame_encoder.hpp"

namespace resync::fault_injector::testing {
namespace {


const std::string kUpgradeRequest =
    "GET /socket.io/?EIO=4&transport=websocket&tag=alice HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
const std::string kUpgradeResponse =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

TEST(StreamObserver, FindsTheTagInTheRequestQuery) {
  EXPECT_EQ(tag_from_request_head("GET /socket.io/?EIO=4&tag=bob%20x HTTP/1.1\r\n\r\n"), "bob x");
  EXPECT_EQ(tag_from_request_head("GET /socket.io/?EIO=4 HTTP/1.1\r\n\r\n"), std::nullopt);
  EXPECT_EQ(tag_from_request_head("garbage"), std::nullopt);
}

TEST(StreamObserver, FindsTheTagInTheSocketIoConnectAuth) {
  EXPECT_EQ(tag_from_socketio_connect(R"(40{"tag":"carol","serverOffset":0})"), "carol");
  EXPECT_EQ(tag_from_socketio_connect(R"(40/admin,{"tag":"dave"})"), "dave");
  EXPECT_EQ(tag_from_socketio_connect(R"(40{"tag":5})"), std::nullopt);
  EXPECT_EQ(tag_from_socketio_connect(R"(40{not json)"), std::nullopt);
  EXPECT_EQ(tag_from_socketio_connect(R"(42["chat"])"), std::nullopt);
}

// The server rejects a CONNECT whose JSON is nested deeper than json_nesting_depth_max
// (parse_untrusted_json), so the proxy must not learn a tag from one: the tag would name a
// client the server never let in, and the unbounded parse did work the limit exists to refuse.
TEST(StreamObserver, AConnectAuthNestedBeyondTheServersLimitTeachesNoTag) {
  const std::size_t depth = protocol::socketio::json_nesting_depth_max + 1;
  const std::string nested = std::string(depth, '[') + std::string(depth, ']');
  EXPECT_EQ(tag_from_socketio_connect(R"(40{"tag":"mallory","deep":)" + nested + "}"), std::nullopt);
  const std::string within = std::string(depth - 2, '[') + std::string(depth - 2, ']');
  EXPECT_EQ(tag_from_socketio_connect(R"(40{"tag":"mallory","deep":)" + within + "}"), "mallory");
  // 100k levels (a client's whole frame of brackets) is refused before any JSON is built.
  const std::size_t hostile_depth = 100'000;
  EXPECT_EQ(tag_from_socketio_connect("40" + std::string(hostile_depth, '[')), std::nullopt);
  EXPECT_EQ(tag_from_socketio_connect("40" + std::string(hostile_depth, '[') + std::string(hostile_depth, ']')),
            std::nullopt);
}

// Text collection switched on in the middle of a message (a frame_contains toxic attached
// while the message arrives) must not join the message's first bytes to its last ones: a
// trigger would match text the message does not contain.
TEST(StreamObserver, TextCollectedFromTheMiddleOfAMessageIsNeverJoinedAcrossAGap) {
  StreamObserver observer(kDown);
  observer.observe(as_bytes(kUpgradeResponse));
  const std::string frame = text_frame(R"(42["chat message","hello"])");
  const std::size_t cut = frame.size() - 8;
  observer.observe(as_bytes(std::string_view(frame).substr(0, cut)));
  observer.set_collect_text(true);
  const Observation rest = observer.observe(as_bytes(std::string_view(frame).substr(cut)));
  const std::string message = R"(42["chat message","hello"])";
  for (const ObservedEvent& event : rest.events) {
    if (event.kind == ObservedEvent::Kind::text_message) {
      EXPECT_TRUE(message.starts_with(event.text)) << event.text;
    }
  }
}

TEST(StreamObserver, NonHttpStreamsAreIgnoredAfterTheFirstByte) {
  StreamObserver observer(kDown);
  EXPECT_TRUE(observer.observe(as_bytes(std::string("\x01\x02\x81\x01x", 5))).events.empty());
  EXPECT_TRUE(observer.observe(as_bytes(text_frame("hi"))).events.empty());
}

TEST(StreamObserver, CountsFramesAndSocketIoEventsAfterTheUpgrade) {
  StreamObserver observer(kDown);
  observer.observe(as_bytes(kUpgradeResponse.substr(0, 10)));
  const std::string frames = text_frame("2") + text_frame(R"(42["chat message","hi",1])") + text_frame("3");
  Observation observation = observer.observe(as_bytes(kUpgradeResponse.substr(10) + frames));
  std::size_t data_frames = 0;
  std::size_t events = 0;
  for (const ObservedEvent& event : observation.events) {
    data_frames += event.kind == ObservedEvent::Kind::data_frame;
    events += event.kind == ObservedEvent::Kind::socketio_event;
  }
  EXPECT_EQ(data_frames, 3u);
  EXPECT_EQ(events, 1u);
  EXPECT_EQ(observation.events.back().end_offset, kUpgradeResponse.size() - 10 + frames.size());
}

class TriggerTest : public ::testing::Test {
 protected:
  void upgrade(PipelineDriver& driver) {
    driver.send(kUp, kUpgradeRequest, 0us);
    driver.send(kDown, kUpgradeResponse, 0us);
  }
};

TEST_F(TriggerTest, ResetFiresExactlyAfterTheNthDownstreamFrameEvenInsideOneRead) {
  PipelineDriver driver;
  driver.pipeline.attach(
      toxic_from_json({{"type", "reset_peer"}, {"trigger", {{"after_frames", 3}}}, {"attributes", {{"timeout", 0}}}}),
      0us);
  upgrade(driver);
  const std::string first_three = text_frame("a") + text_frame("b") + text_frame("c");
  // Frames 1..3 and the start of frame 4 arrive in one read, frame 4's end in the next.
  const std::string fourth = text_frame("d");
  driver.send(kDown, first_three + fourth.substr(0, 2), 10us);
  EXPECT_EQ(driver.down().bytes(), kUpgradeResponse + first_three);
  ASSERT_TRUE(driver.pipeline.reset_at().has_value());
  EXPECT_EQ(*driver.pipeline.reset_at(), 10us);
  driver.send(kDown, fourth.substr(2), 20us);
  EXPECT_EQ(driver.down().bytes(), kUpgradeResponse + first_three);
}

TEST_F(TriggerTest, FramesCountFromWhenTheToxicIsAttached) {
  PipelineDriver driver;
  upgrade(driver);
  driver.send(kDown, text_frame("old"), 1us);
  driver.pipeline.attach(toxic_from_json({{"type", "close"}, {"trigger", {{"after_frames", 1}}}}), 2us);
  driver.send(kDown, text_frame("new") + text_frame("gone"), 3us);
  EXPECT_EQ(driver.down().bytes(), kUpgradeResponse + text_frame("old") + text_frame("new"));
  EXPECT_TRUE(driver.down().ended());
}

TEST_F(TriggerTest, SocketIoEventsIgnoreEngineIoPings) {
  PipelineDriver driver;
  driver.pipeline.attach(toxic_from_json({{"type", "pause"}, {"trigger", {{"after_events", 2}}}}), 0us);
  upgrade(driver);
  const std::string before = text_frame("2") + text_frame(R"(42["m",1])") + text_frame("2") + text_frame(R"(42["m",2])");
  driver.send(kDown, before + text_frame(R"(42["m",3])"), 5us);
  EXPECT_EQ(driver.down().bytes(), kUpgradeResponse + before);
  driver.pipeline.detach("pause_downstream", 9us);
  driver.drain_all();
  EXPECT_EQ(driver.down().bytes(), kUpgradeResponse + before + text_frame(R"(42["m",3])"));
}

TEST_F(TriggerTest, TextMatchStartsTheToxicAfterTheMatchingMessage) {
  PipelineDriver driver;
  driver.pipeline.attach(
      toxic_from_json({{"type", "latency"}, {"stream", "upstream"},
                       {"trigger", {{"frame_contains", "secret"}, {"direction", "upstream"}}},
                       {"attributes", {{"latency", 1000}}}}),
      0us);
  upgrade(driver);
  const std::array<std::uint8_t, 4> mask{1, 2, 3, 4};
  // A fragmented, masked client message with the needle split across fragments.
  const std::string message = encode_websocket_frame(0x1, false, R"(42["x","sec)", mask) +
                              encode_websocket_frame(0x0, true, R"(ret"])", mask);
  driver.send(kUp, message, 10us);
  driver.send(kDown, text_frame("not delayed: downstream"), 11us);
  EXPECT_EQ(driver.down().entries.back().at, 11us);
  driver.send(kUp, encode_websocket_frame(0x1, true, "later", mask), 12us);
  EXPECT_EQ(driver.up().entries.back().at, 12us + 1000ms);
  EXPECT_EQ(driver.up().entries[driver.up().entries.size() - 2].at, 10us);
}

TEST(StreamObserver, CountsSocketIoAcksApartFromEvents) {
  StreamObserver observer(kDown);
  observer.observe(as_bytes(kUpgradeResponse));
  // An ACK ("43" + id), an EVENT, a BINARY_ACK header ("46"), a ping and a CONNECT reply.
  // `{"_placeholder":true,"num":0}` is not a stand-in of this test: it is how Socket.IO v5
  // writes a binary attachment's slot in the JSON of a BINARY_ACK (the bytes follow in their
  // own frame), so the header counts as one ACK.
  const std::string frames = text_frame(R"(431[{"id":7}])") + text_frame(R"(42["chat message","hi",7])") +
                             text_frame(R"(461-2[{"_placeholder":true,"num":0}])") + text_frame("2") +
                             text_frame(R"(40{"sid":"x"})");
  Observation observation = observer.observe(as_bytes(frames));
  std::vector<std::uint64_t> ack_counts;
  for (const ObservedEvent& event : observation.events) {
    if (event.kind == ObservedEvent::Kind::socketio_ack) ack_counts.push_back(event.count);
  }
  EXPECT_EQ(ack_counts, (std::vector<std::uint64_t>{1, 2}));
  EXPECT_EQ(observer.socketio_acks_seen(), 2u);
  EXPECT_EQ(observer.socketio_events_seen(), 1u);
}

TEST_F(TriggerTest, AfterAcksFiresRightAfterTheNthAckEvenInsideOneRead) {
  PipelineDriver driver;
  driver.pipeline.attach(toxic_from_json({{"type", "pause"}, {"trigger", {{"after_acks", 2}}}}), 0us);
  upgrade(driver);
  const std::string before = text_frame(R"(430[{"id":1}])") + text_frame(R"(42["m","a",1])") +
                             text_frame("2") + text_frame(R"(431[{"id":2}])");
  driver.send(kDown, before + text_frame(R"(432[{"id":3}])"), 5us);
  EXPECT_EQ(driver.down().bytes(), kUpgradeResponse + before);
}

TEST_F(TriggerTest, AFiringIsReportedOnceWithTheConnectionTagAndInstant) {
  PipelineDriver driver(42, 7);
  std::vector<TriggerFiring> firings;
  driver.pipeline.set_trigger_listener([&](const TriggerFiring& firing) { firings.push_back(firing); });
  driver.pipeline.attach(toxic_from_json({{"name", "watch"}, {"type", "noop"}, {"trigger", {{"after_acks", 1}}}}), 0us);
  upgrade(driver);
  EXPECT_TRUE(firings.empty());
  const std::string acks = text_frame(R"(430[{"id":1}])") + text_frame(R"(431[{"id":2}])");
  driver.send(kDown, acks, 40us);
  driver.send(kDown, text_frame(R"(432[{"id":3}])"), 50us);
  ASSERT_EQ(firings.size(), 1u);
  EXPECT_EQ(firings[0].toxic_name, "watch");
  EXPECT_EQ(firings[0].connection_id, 7u);
  EXPECT_EQ(firings[0].tag, "alice");
  EXPECT_EQ(firings[0].at, 40us);
  EXPECT_EQ(firings[0].trigger.kind, Trigger::Kind::after_acks);
  EXPECT_EQ(describe(firings[0].trigger), "the 1st Socket.IO ACK downstream");
  // The noop toxic changes nothing: every byte passes, in order, at the instant it came.
  EXPECT_EQ(driver.down().bytes(), kUpgradeResponse + acks + text_frame(R"(432[{"id":3}])"));
  EXPECT_EQ(driver.down().entries.back().at, 50us);
}

TEST_F(TriggerTest, AfterBytesSplitsAtTheExactByte) {
  PipelineDriver driver;
  driver.pipeline.attach(toxic_from_json({{"type", "limit_data"}, {"trigger", {{"after_bytes", 4}}},
                                          {"attributes", {{"bytes", 2}}}}),
                         0us);
  driver.send(kDown, "abcdefgh", 1us);
  EXPECT_EQ(driver.down().bytes(), "abcdef");
  EXPECT_TRUE(driver.down().ended());
}

TEST_F(TriggerTest, AfterMillisecondsFiresOnTheTimer) {
  PipelineDriver driver;
  driver.pipeline.attach(toxic_from_json({{"type", "reset_peer"}, {"trigger", {{"after_ms", 250}}}}), 1000us);
  ASSERT_EQ(driver.pipeline.next_trigger_deadline(), 1000us + 250ms);
  driver.pipeline.on_timer(1000us + 249ms);
  EXPECT_FALSE(driver.pipeline.reset_at().has_value());
  driver.pipeline.on_timer(1000us + 250ms);
  EXPECT_EQ(driver.pipeline.reset_at(), 1000us + 250ms);
  EXPECT_FALSE(driver.pipeline.next_trigger_deadline().has_value());
}

TEST(Targeting, TagFromTheHandshakeSelectsTheConnection) {
  PipelineDriver alice;
  alice.pipeline.attach(toxic_from_json({{"type", "close"}, {"target", {{"tag", "alice"}}}}), 0us);
  alice.send(kUp, kUpgradeRequest, 1us);
  alice.drain_all();
  EXPECT_EQ(alice.pipeline.tag(), "alice");
  EXPECT_TRUE(alice.down().ended());

  PipelineDriver bob;
  bob.pipeline.attach(toxic_from_json({{"type", "close"}, {"target", {{"tag", "bob"}}}}), 0us);
  bob.send(kUp, kUpgradeRequest, 1us);
  bob.drain_all();
  EXPECT_FALSE(bob.down().ended());
  EXPECT_TRUE(bob.pipeline.toxics().empty());
}

// A tag learned from the CONNECT auth in the middle of a read admits the tag's toxics at the
// CONNECT's frame, as if the read had ended there: their triggers count what comes after
// it (not from the end of the read), text after it can match, and bytes before it pass
// untouched. Found by the websocket_frame_observer fuzz target (one read versus many).
TEST(Targeting, ATagLearnedMidReadCountsTriggersFromTheConnectFrame) {
  const std::string untagged_request =
      "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n";
  const std::string connect = text_frame(R"(40{"tag":"carol"})");
  const std::string first = text_frame(R"(42["chat message","first"])");
  const std::string second = text_frame(R"(42["chat message","second"])");
  const std::string third = text_frame(R"(42["chat message","third"])");

  PipelineDriver by_count;
  by_count.pipeline.attach(toxic_from_json({{"type", "pause"}, {"stream", "upstream"}, {"target", {{"tag", "carol"}}},
                                            {"trigger", {{"after_events", 2}}}}),
                           0us);
  by_count.send(kUp, untagged_request, 1us);
  by_count.send(kUp, connect + first + second + third, 2us);
  EXPECT_EQ(by_count.pipeline.tag(), "carol");
  EXPECT_EQ(by_count.up().bytes(), untagged_request + connect + first + second);

  PipelineDriver by_text;
  by_text.pipeline.attach(toxic_from_json({{"type", "pause"}, {"stream", "upstream"}, {"target", {{"tag", "carol"}}},
                                           {"trigger", {{"frame_contains", "second"}}}}),
                          0us);
  by_text.send(kUp, untagged_request, 1us);
  by_text.send(kUp, connect + first + second + third, 2us);
  EXPECT_EQ(by_text.up().bytes(), untagged_request + connect + first + second);

  // Without a trigger the toxic acts from the CONNECT's end: the CONNECT itself passes.
  PipelineDriver at_once;
  at_once.pipeline.attach(toxic_from_json({{"type", "pause"}, {"stream", "upstream"}, {"target", {{"tag", "carol"}}}}), 0us);
  at_once.send(kUp, untagged_request, 1us);
  at_once.send(kUp, connect + first, 2us);
  EXPECT_EQ(at_once.up().bytes(), untagged_request + connect);
}

TEST(Targeting, ConnectionIdAndNthConnection) {
  ToxicSpec by_id = toxic_from_json({{"type", "close"}, {"target", {{"connection_id", 2}}}});
  ToxicSpec second_after = toxic_from_json({{"type", "close"}, {"name", "nth"}, {"target", {{"nth_connection", 2}}}});
  second_after.target.connections_accepted_before = 5;
  for (std::uint64_t id = 1; id <= 8; ++id) {
    PipelineDriver driver(1, id);
    driver.pipeline.attach(by_id, 0us);
    driver.pipeline.attach(second_after, 0us);
    driver.drain_all();
    EXPECT_EQ(driver.down().ended(), id == 2 || id == 7) << id;
  }
}

}  // namespace
}  // namespace resync::fault_injector::testing
