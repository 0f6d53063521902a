#include "fault_injector/core/websocket_frame_parser.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "fault_injector/tests/pipeline_test_support.hpp"
#include "fault_injector/tests/websocket_frame_encoder.hpp"

namespace resync::fault_injector::testing {
namespace {

struct RecordedFrame {
  std::uint8_t opcode;
  bool fin;
  std::string payload;
  std::uint64_t end_position;  // absolute offset in the stream, one past the frame
  bool operator==(const RecordedFrame&) const = default;
};

class Recorder : public WebSocketFrameListener {
 public:
  void on_frame_start(const WebSocketFrameHeader&) override { current_.clear(); }
  void on_frame_payload(std::span<const std::uint8_t> unmasked) override {
    current_.append(reinterpret_cast<const char*>(unmasked.data()), unmasked.size());
  }
  void on_frame_end(const WebSocketFrameHeader& header, std::size_t end_offset) override {
    frames.push_back({header.opcode, header.fin, current_, piece_base + end_offset});
  }
  std::vector<RecordedFrame> frames;
  std::uint64_t piece_base = 0;

 private:
  std::string current_;
};

std::vector<RecordedFrame> parse_in_pieces(const std::string& stream, const std::vector<std::size_t>& cut_points) {
  WebSocketFrameParser parser;
  Recorder recorder;
  std::size_t start = 0;
  auto feed = [&](std::size_t end) {
    recorder.piece_base = start;
    parser.observe(as_bytes(std::string_view(stream).substr(start, end - start)), recorder, true);
    start = end;
  };
  for (std::size_t cut : cut_points) feed(std::max(start, std::min(cut, stream.size())));
  feed(stream.size());
  return recorder.frames;
}

struct GeneratedMessage {
  std::uint8_t opcode;
  std::vector<std::string> fragments;
  bool masked;
};

// Splitting the byte stream at any points never changes which frames are seen, their
// payloads, or where each one ends.
RC_GTEST_PROP(WebSocketFrameParser, AnySplitPointsGiveTheSameFramesAsOneRead, ()) {
  const auto message_count = *rc::gen::inRange<int>(1, 8);
  std::string stream;
  std::vector<RecordedFrame> expected;
  for (int m = 0; m < message_count; ++m) {
    const bool masked = *rc::gen::arbitrary<bool>();
    const auto fragment_count = *rc::gen::inRange<int>(1, 4);
    const std::uint8_t opcode = *rc::gen::element<std::uint8_t>(0x1, 0x2);
    for (int f = 0; f < fragment_count; ++f) {
      // Sizes cross the 7-bit / 16-bit length encodings now and then.
      const auto size = *rc::gen::weightedOneOf<std::size_t>(
          {{12, rc::gen::inRange<std::size_t>(0, 130)}, {1, rc::gen::inRange<std::size_t>(65530, 65545)}});
      const std::string payload = *rc::gen::container<std::string>(size, rc::gen::arbitrary<char>());
      const std::array<std::uint8_t, 4> key{*rc::gen::arbitrary<std::uint8_t>(), *rc::gen::arbitrary<std::uint8_t>(),
                                            *rc::gen::arbitrary<std::uint8_t>(), *rc::gen::arbitrary<std::uint8_t>()};
      const bool fin = f == fragment_count - 1;
      const std::uint8_t frame_opcode = f == 0 ? opcode : 0x0;
      stream += encode_websocket_frame(frame_opcode, fin, payload, masked ? std::optional(key) : std::nullopt);
      expected.push_back({frame_opcode, fin, payload, stream.size()});
      if (*rc::gen::inRange(0, 4) == 0) {  // a ping between fragments is legal
        stream += encode_websocket_frame(0x9, true, "p", masked ? std::optional(key) : std::nullopt);
        expected.push_back({0x9, true, "p", stream.size()});
      }
    }
  }
  auto cut_points = *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, stream.size() + 1));
  std::sort(cut_points.begin(), cut_points.end());
  RC_ASSERT(parse_in_pieces(stream, {}) == expected);
  RC_ASSERT(parse_in_pieces(stream, cut_points) == expected);
}

RC_GTEST_PROP(WebSocketFrameParser, ByteByByteEqualsOneRead, (const std::vector<std::string>& payloads)) {
  std::string stream;
  for (const std::string& payload : payloads) stream += text_frame(payload);
  std::vector<std::size_t> every_byte(stream.size());
  for (std::size_t i = 0; i < stream.size(); ++i) every_byte[i] = i;
  RC_ASSERT(parse_in_pieces(stream, every_byte) == parse_in_pieces(stream, {}));
  RC_ASSERT(parse_in_pieces(stream, {}).size() == payloads.size());
}

RC_GTEST_PROP(WebSocketFrameParser, ArbitraryBytesNeverCrashIt, (const std::string& garbage)) {
  WebSocketFrameParser parser;
  Recorder recorder;
  parser.observe(as_bytes(garbage), recorder, true);
  parser.observe(as_bytes(garbage), recorder, true);
}

TEST(WebSocketFrameParser, RejectsReservedOpcodesAndOversizedControlFrames) {
  Recorder recorder;
  WebSocketFrameParser reserved;
  EXPECT_FALSE(reserved.observe(as_bytes(encode_websocket_frame(0x3, true, "x")), recorder, true));
  EXPECT_TRUE(reserved.failed());
  WebSocketFrameParser control;
  EXPECT_FALSE(control.observe(as_bytes(encode_websocket_frame(0x9, true, std::string(126, 'p'))), recorder, true));
  WebSocketFrameParser continuation;
  EXPECT_FALSE(continuation.observe(as_bytes(encode_websocket_frame(0x0, true, "x")), recorder, true));
}

TEST(WebSocketFrameParser, SixtyFourBitLengthWithTopBitSetIsRejected) {
  std::string frame = "\x81\x7F";
  frame += std::string("\x80\0\0\0\0\0\0\0", 8);
  Recorder recorder;
  WebSocketFrameParser parser;
  EXPECT_FALSE(parser.observe(as_bytes(frame), recorder, true));
}

}  // namespace
}  // namespace resync::fault_injector::testing
