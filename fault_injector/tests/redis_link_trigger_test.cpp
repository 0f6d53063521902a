// Triggers on a cluster node's link to Redis: the stream observer follows RESP, each command
// or reply one data frame with its text, and toxics fire exactly at a message's last byte.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "fault_injector/core/connection_pipeline.hpp"
#include "fault_injector/core/stream_observer.hpp"
#include "fault_injector/tests/pipeline_test_support.hpp"
#include "fault_injector/tests/resp_encoder.hpp"

namespace resync::fault_injector::testing {
namespace {

// What a node's command link carries: the append script's EVAL, the tail's XREAD, a plain
// XADD, and their replies.
const std::string kAppendScript =
    "local id = redis.call('XADD', KEYS[1], '*', 'payload', ARGV[1])\nreturn {1, id}";
const std::string kEval = resp_command({"EVAL", kAppendScript, "4", "chat:log", "chat:offsets", "chat:last-id",
                                        "chat:lost", R"({"text":"hi"})"});
const std::string kXread = resp_command({"XREAD", "BLOCK", "5000", "COUNT", "100", "STREAMS", "chat:log", "0-0"});
const std::string kXadd = resp_command({"XADD", "chat:log", "*", "payload", "hello"});
const std::string kPing = resp_command({"PING"});

const std::string kOk = resp_line('+', "OK");
const std::string kEvalReply = resp_aggregate('*', 2) + resp_line(':', "1") + resp_bulk("7-0");
const std::string kXreadReply = resp_aggregate('*', 1) + resp_aggregate('*', 2) + resp_bulk("chat:log") +
                                resp_aggregate('*', 1) + resp_aggregate('*', 2) + resp_bulk("7-0") +
                                resp_aggregate('*', 2) + resp_bulk("payload") + resp_bulk(R"({"text":"hi"})");
const std::string kPushReply = resp_aggregate('>', 3) + resp_bulk("message") + resp_bulk("chat") + resp_bulk("x");

struct SeenFrame {
  std::uint64_t end_position;  // in the direction's stream
  std::uint64_t count;
  std::string text;
  friend bool operator==(const SeenFrame&, const SeenFrame&) = default;
};

struct ObservedStream {
  std::vector<SeenFrame> frames;
  std::size_t other_events = 0;  // anything but data frames and text messages
  std::size_t held_bytes_max = 0;
};

// Observes the stream cut at the given points (ascending), text collected.
ObservedStream observe_in_pieces(Direction direction, std::string_view stream, const std::vector<std::size_t>& cuts) {
  StreamObserver observer(direction);
  observer.set_collect_text(true);
  observer.set_want_tag(true);
  ObservedStream observed;
  std::size_t start = 0;
  auto feed = [&](std::size_t end) {
    const Observation observation = observer.observe(as_bytes(stream.substr(start, end - start)));
    EXPECT_FALSE(observation.learned_tag.has_value());
    for (const ObservedEvent& event : observation.events) {
      if (event.kind == ObservedEvent::Kind::data_frame) {
        observed.frames.push_back({start + event.end_offset, event.count, {}});
      } else if (event.kind == ObservedEvent::Kind::text_message) {
        EXPECT_FALSE(observed.frames.empty());
        if (!observed.frames.empty()) {
          EXPECT_EQ(observed.frames.back().end_position, start + event.end_offset);
          observed.frames.back().text = event.text;
        }
      } else {
        ++observed.other_events;
      }
    }
    observed.held_bytes_max = std::max(observed.held_bytes_max, observer.held_bytes());
    start = end;
  };
  for (std::size_t cut : cuts) feed(std::max(start, std::min(cut, stream.size())));
  feed(stream.size());
  return observed;
}

std::vector<std::size_t> every_byte(std::string_view stream) {
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < stream.size(); ++i) cuts.push_back(i);
  return cuts;
}

// ---- the observer -----------------------------------------------------------------------

TEST(StreamObserverResp, ARedisLinkIsRespFromItsFirstByteInEitherDirection) {
  StreamObserver commands(kUp);
  commands.observe(as_bytes(kPing.substr(0, 1)));
  EXPECT_TRUE(commands.is_resp());
  StreamObserver replies(kDown);
  replies.observe(as_bytes(kOk));
  EXPECT_TRUE(replies.is_resp());
  for (const std::string& first : {std::string("_\r\n"), std::string("%0\r\n"), std::string(">1\r\n:1\r\n"),
                                   std::string("|0\r\n+OK\r\n"), std::string("-ERR x\r\n")}) {
    StreamObserver resp3(kDown);
    resp3.observe(as_bytes(first));
    EXPECT_TRUE(resp3.is_resp()) << first;
  }
  // A client sends commands as arrays: anything else upstream is not RESP.
  StreamObserver inline_command(kUp);
  inline_command.observe(as_bytes("+PING\r\n"));
  EXPECT_TRUE(inline_command.is_opaque());
  // HTTP stays HTTP, other bytes stay opaque.
  StreamObserver request(kUp);
  request.observe(as_bytes("GET / HTTP/1.1\r\n"));
  EXPECT_FALSE(request.is_resp());
  EXPECT_FALSE(request.is_opaque());
  StreamObserver response(kDown);
  response.observe(as_bytes("HTTP/1.1 200 OK\r\n"));
  EXPECT_FALSE(response.is_resp());
  StreamObserver tls(kUp);
  tls.observe(as_bytes("\x16\x03\x01"));
  EXPECT_TRUE(tls.is_opaque());
}

TEST(StreamObserverResp, EachCommandIsOneDataFrameEndingAtItsLastByteEvenByteByByte) {
  const std::string stream = kEval + kXread + kXadd;
  const std::vector<SeenFrame> expected = {
      {kEval.size(), 1,
       "EVAL " + kAppendScript + R"( 4 chat:log chat:offsets chat:last-id chat:lost {"text":"hi"})"},
      {kEval.size() + kXread.size(), 2, "XREAD BLOCK 5000 COUNT 100 STREAMS chat:log 0-0"},
      {stream.size(), 3, "XADD chat:log * payload hello"},
  };
  EXPECT_EQ(observe_in_pieces(kUp, stream, {}).frames, expected);
  EXPECT_EQ(observe_in_pieces(kUp, stream, every_byte(stream)).frames, expected);
}

TEST(StreamObserverResp, EachReplyAndPushIsOneDataFrameEndingAtItsLastByteEvenByteByByte) {
  const std::string stream = kOk + kEvalReply + kXreadReply + kPushReply;
  const std::vector<SeenFrame> expected = {
      {kOk.size(), 1, "OK"},
      {kOk.size() + kEvalReply.size(), 2, "1 7-0"},
      {kOk.size() + kEvalReply.size() + kXreadReply.size(), 3, R"(chat:log 7-0 payload {"text":"hi"})"},
      {stream.size(), 4, "message chat x"},
  };
  EXPECT_EQ(observe_in_pieces(kDown, stream, {}).frames, expected);
  EXPECT_EQ(observe_in_pieces(kDown, stream, every_byte(stream)).frames, expected);
}

RC_GTEST_PROP(StreamObserverResp, FramesAndTextsOnARedisLinkDoNotDependOnWhereReadsEnd, ()) {
  const std::vector<std::string> commands = {kEval, kXread, kXadd, kPing};
  const std::vector<std::string> replies = {kOk, kEvalReply, kXreadReply, kPushReply, "$-1\r\n", "_\r\n"};
  const bool upstream = *rc::gen::arbitrary<bool>();
  const auto picks =
      *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, upstream ? commands.size() : replies.size()));
  std::string stream;
  for (std::size_t pick : picks) stream += upstream ? commands[pick] : replies[pick];
  auto cuts = *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, stream.size() + 1));
  std::sort(cuts.begin(), cuts.end());
  const Direction direction = upstream ? kUp : kDown;
  const ObservedStream whole = observe_in_pieces(direction, stream, {});
  RC_ASSERT(whole.frames.size() == picks.size());
  RC_ASSERT(observe_in_pieces(direction, stream, cuts).frames == whole.frames);
}

// A Redis link carries no Socket.IO: a string that looks like an EVENT or an ACK is a
// string, and no tag is ever learned from one.
TEST(StreamObserverResp, SocketIoEventsAcksAndTagsAreNeverSeenOnARedisLink) {
  const std::string stream = resp_command({"XADD", "chat:log", "*", "payload", R"(42["chat message","hi"])"}) +
                             resp_command({R"(431[{"id":1}])"}) + resp_command({R"(40{"tag":"alice"})"}) +
                             resp_command({"GET /?tag=bob HTTP/1.1"});
  StreamObserver observer(kUp);
  observer.set_want_tag(true);
  const ObservedStream observed = observe_in_pieces(kUp, stream, every_byte(stream));
  EXPECT_EQ(observed.frames.size(), 4u);
  EXPECT_EQ(observed.other_events, 0u);
  const Observation observation = observer.observe(as_bytes(stream));
  EXPECT_FALSE(observation.learned_tag.has_value());
  EXPECT_EQ(observer.data_frames_seen(), 4u);
  EXPECT_EQ(observer.socketio_events_seen(), 0u);
  EXPECT_EQ(observer.socketio_acks_seen(), 0u);
}

TEST(StreamObserverResp, MalformedRespMakesTheStreamOpaqueAfterTheMessagesBeforeIt) {
  StreamObserver observer(kDown);
  observer.set_collect_text(true);
  const Observation observation = observer.observe(as_bytes(kOk + kEvalReply + "$12x\r\n" + kOk));
  std::size_t frames = 0;
  for (const ObservedEvent& event : observation.events) frames += event.kind == ObservedEvent::Kind::data_frame;
  EXPECT_EQ(frames, 2u);
  EXPECT_TRUE(observer.is_opaque());
  EXPECT_FALSE(observer.is_resp());
  EXPECT_EQ(observer.held_bytes(), 0u);
  EXPECT_TRUE(observer.observe(as_bytes(kOk)).events.empty());
  EXPECT_EQ(observer.data_frames_seen(), 2u);

  // Nested deeper than the scanner follows: opaque, nothing held.
  StreamObserver deep(kDown);
  std::string nested;
  for (std::size_t i = 0; i <= RespMessageScanner::kNestingDepthMax; ++i) nested += resp_aggregate('*', 1);
  deep.observe(as_bytes(nested));
  EXPECT_TRUE(deep.is_opaque());
}

// Text beyond kMessageTextBytesMax is cut, and the bytes of a large value are never held.
TEST(StreamObserverResp, TheTextOfALargeValueIsCutAtTheTextLimitAndNotBuffered) {
  const std::string payload(1024 * 1024, 'p');
  const std::string command = resp_command({"SET", "k", payload});
  std::vector<std::size_t> cuts;
  for (std::size_t cut = 4096; cut < command.size(); cut += 4096) cuts.push_back(cut);
  const ObservedStream observed = observe_in_pieces(kUp, command, cuts);
  ASSERT_EQ(observed.frames.size(), 1u);
  EXPECT_EQ(observed.frames[0].end_position, command.size());
  EXPECT_EQ(observed.frames[0].text, ("SET k " + payload).substr(0, StreamObserver::kMessageTextBytesMax));
  EXPECT_LE(observed.held_bytes_max, StreamObserver::kMessageTextBytesMax);

  // Without text collected, nothing at all is held.
  StreamObserver uncollected(kUp);
  for (std::size_t start = 0; start < command.size(); start += 4096) {
    uncollected.observe(as_bytes(std::string_view(command).substr(start, 4096)));
    EXPECT_EQ(uncollected.held_bytes(), 0u);
  }
  EXPECT_EQ(uncollected.data_frames_seen(), 1u);
}

// Collection switched on in the middle of a command (a frame_contains toxic added while it
// arrives), or off and on again, never joins the command's start to its tail: a trigger
// would match text the command does not hold.
TEST(StreamObserverResp, TextCollectedWithAGapInTheMiddleOfAMessageIsAPrefixOfIt) {
  const std::string command = resp_command({"XADD", "chat:log", "*", "payload", "secret"});
  const std::string text = "XADD chat:log * payload secret";
  const std::string_view bytes = command;
  for (bool collected_first : {false, true}) {
    for (std::size_t off = 1; off < command.size(); ++off) {
      for (std::size_t on = off; on < command.size(); ++on) {
        StreamObserver observer(kUp);
        observer.set_collect_text(collected_first);
        observer.observe(as_bytes(bytes.substr(0, off)));
        observer.set_collect_text(false);
        observer.observe(as_bytes(bytes.substr(off, on - off)));
        observer.set_collect_text(true);
        const Observation rest = observer.observe(as_bytes(bytes.substr(on)));
        ASSERT_EQ(rest.events.size(), 2u);
        EXPECT_EQ(rest.events[1].kind, ObservedEvent::Kind::text_message);
        EXPECT_TRUE(text.starts_with(rest.events[1].text)) << off << ".." << on << ": " << rest.events[1].text;
      }
    }
  }
}

// ---- triggers on the pipeline ------------------------------------------------------------

// "Stall node 1's Redis link right after its 3rd reply": the timeout toxic starts at the 3rd
// reply's last byte, however the replies are split across reads.
TEST(RedisLinkTrigger, ATimeoutAfterTheThirdReplyStartsExactlyAfterItsLastByte) {
  const std::string first_three = kOk + kEvalReply + kXreadReply;
  const std::string after = kPushReply + kOk;
  const std::string stream = first_three + after;
  for (const std::vector<std::size_t>& cuts : {std::vector<std::size_t>{}, every_byte(stream),
                                               std::vector<std::size_t>{3, first_three.size() + 2, first_three.size() + 9}}) {
    PipelineDriver driver;
    std::vector<TriggerFiring> firings;
    driver.pipeline.set_trigger_listener([&](const TriggerFiring& firing) { firings.push_back(firing); });
    driver.pipeline.attach(
        toxic_from_json({{"name", "stall"}, {"type", "timeout"}, {"stream", "downstream"},
                         {"attributes", {{"timeout", 0}}},
                         {"trigger", {{"after_frames", 3}, {"direction", "downstream"}}}}),
        0us);
    driver.send(kUp, kEval + kXread + kPing, 1us);
    std::size_t start = 0;
    for (std::size_t end : cuts) {
      driver.send(kDown, std::string_view(stream).substr(start, end - start), 2us);
      start = end;
    }
    driver.send(kDown, std::string_view(stream).substr(start), 3us);
    EXPECT_EQ(driver.down().bytes(), first_three) << cuts.size() << " cuts";
    EXPECT_EQ(driver.up().bytes(), kEval + kXread + kPing);
    ASSERT_EQ(firings.size(), 1u);
    EXPECT_EQ(describe(firings[0].trigger), "the 3rd WebSocket data frame or RESP message downstream");
    EXPECT_EQ(driver.pipeline.toxics()[0].state, "active");
  }
}

// Counting starts when the toxic is attached: replies before it do not count.
TEST(RedisLinkTrigger, RepliesCountFromWhenTheToxicIsAttached) {
  PipelineDriver driver;
  driver.send(kDown, kOk + kOk, 1us);
  driver.pipeline.attach(toxic_from_json({{"type", "close"}, {"trigger", {{"after_frames", 1}}}}), 2us);
  driver.send(kDown, kEvalReply + kOk, 3us);
  EXPECT_EQ(driver.down().bytes(), kOk + kOk + kEvalReply);
  EXPECT_TRUE(driver.down().ended());
}

// "Reset the link when a command containing XADD goes up": the XADD passes whole, the
// reset follows it, and nothing read after it is ever due. The needle is split across reads.
TEST(RedisLinkTrigger, AResetFiresRightAfterTheFirstCommandContainingXadd) {
  PipelineDriver driver;
  driver.pipeline.attach(toxic_from_json({{"type", "reset_peer"}, {"stream", "upstream"},
                                          {"attributes", {{"timeout", 0}}},
                                          {"trigger", {{"frame_contains", "XADD"}, {"direction", "upstream"}}}}),
                         0us);
  const std::string before = kPing + kXread;
  const std::size_t needle = kXadd.find("XADD") + 2;
  driver.send(kUp, before + kXadd.substr(0, needle), 10us);
  EXPECT_FALSE(driver.pipeline.reset_at().has_value());
  driver.send(kUp, kXadd.substr(needle) + kPing, 20us);
  EXPECT_EQ(driver.up().bytes(), before + kXadd);
  ASSERT_TRUE(driver.pipeline.reset_at().has_value());
  EXPECT_EQ(*driver.pipeline.reset_at(), 20us);
  EXPECT_TRUE(driver.pipeline.reset_due(20us));

  // The append script's EVAL names XADD in its script, so it matches too.
  PipelineDriver by_script;
  by_script.pipeline.attach(toxic_from_json({{"type", "reset_peer"}, {"stream", "upstream"}, {"attributes", {{"timeout", 0}}},
                                             {"trigger", {{"frame_contains", "XADD"}, {"direction", "upstream"}}}}),
                            0us);
  by_script.send(kUp, kPing + kEval + kPing, 10us);
  EXPECT_EQ(by_script.up().bytes(), kPing + kEval);
  EXPECT_TRUE(by_script.pipeline.reset_at().has_value());
}

// after_events and after_acks are Socket.IO notions: on a Redis link they never fire, even
// on strings that look like Socket.IO packets.
TEST(RedisLinkTrigger, SocketIoTriggersNeverFireOnARedisLink) {
  PipelineDriver driver;
  driver.pipeline.attach(toxic_from_json({{"name", "events"}, {"type", "close"}, {"trigger", {{"after_events", 1}}}}),
                         0us);
  driver.pipeline.attach(toxic_from_json({{"name", "acks"}, {"type", "close"}, {"trigger", {{"after_acks", 1}}}}), 0us);
  const std::string replies = resp_bulk(R"(42["chat message","hi"])") + resp_bulk(R"(431[{"id":1}])") + kOk;
  driver.send(kDown, replies, 1us);
  EXPECT_EQ(driver.down().bytes(), replies);
  EXPECT_FALSE(driver.down().ended());
  for (const ToxicOnConnection& toxic : driver.pipeline.toxics()) EXPECT_EQ(toxic.state, "waiting_for_trigger");
}

}  // namespace
}  // namespace resync::fault_injector::testing
