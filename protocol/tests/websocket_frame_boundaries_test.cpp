// FrameBoundaries follows frames by their headers: it counts a message at the end of its
// final data frame, however the bytes are split, and reports "ends after a message" only
// where the stream really does (the live server then stops keeping a read pending).
#include "protocol/websocket_frame_boundaries.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace resync::protocol::websocket {
namespace {

struct TestFrame {
  bool fin = true;
  std::uint8_t opcode = 0x1;
  bool masked = true;
  std::size_t payload_bytes = 0;
};

// Any header RFC 6455 allows (lengths in 7, 16 or 64 bits), payload bytes that look like headers.
std::string encode(const TestFrame& frame) {
  std::string bytes;
  bytes.push_back(static_cast<char>((frame.fin ? 0x80 : 0x00) | frame.opcode));
  const char mask = frame.masked ? static_cast<char>(0x80) : 0;
  if (frame.payload_bytes < 126) {
    bytes.push_back(static_cast<char>(mask | static_cast<char>(frame.payload_bytes)));
  } else if (frame.payload_bytes <= 0xFFFF) {
    bytes.push_back(static_cast<char>(mask | 126));
    for (int shift = 8; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(frame.payload_bytes >> shift));
  } else {
    bytes.push_back(static_cast<char>(mask | 127));
    for (int shift = 56; shift >= 0; shift -= 8) bytes.push_back(static_cast<char>(frame.payload_bytes >> shift));
  }
  if (frame.masked) bytes.append("\x81\xFE\x7F\x88", 4);
  bytes.append(frame.payload_bytes, static_cast<char>(0x81));
  return bytes;
}

bool ends_a_message(const TestFrame& frame) { return frame.fin && frame.opcode < 0x8; }

TEST(FrameBoundaries, NothingObservedEndsAfterAMessage) {
  FrameBoundaries boundaries;
  EXPECT_TRUE(boundaries.ends_after_a_message());
  EXPECT_EQ(boundaries.messages_ended(), 0u);
}

TEST(FrameBoundaries, AControlFrameAfterAMessageIsStillUnread) {
  FrameBoundaries boundaries;
  boundaries.observe(encode({.fin = true, .opcode = 0x1, .masked = true, .payload_bytes = 1}));
  EXPECT_TRUE(boundaries.ends_after_a_message());
  boundaries.observe(encode({.fin = true, .opcode = 0x9, .masked = true, .payload_bytes = 0}));
  EXPECT_FALSE(boundaries.ends_after_a_message());
  EXPECT_EQ(boundaries.messages_ended(), 1u);
}

TEST(FrameBoundaries, AFragmentedMessageEndsWithItsFinalContinuation) {
  FrameBoundaries boundaries;
  boundaries.observe(encode({.fin = false, .opcode = 0x1, .masked = true, .payload_bytes = 3}));
  EXPECT_FALSE(boundaries.ends_after_a_message());
  boundaries.observe(encode({.fin = true, .opcode = 0x0, .masked = true, .payload_bytes = 200}));
  EXPECT_TRUE(boundaries.ends_after_a_message());
  EXPECT_EQ(boundaries.messages_ended(), 1u);
}

// The property the server relies on: after any prefix of any frame sequence, split anywhere,
// the count is the messages whose final frame is inside the prefix, and "ends after a
// message" holds exactly at the empty prefix and at the end of a message's final frame.
RC_GTEST_PROP(FrameBoundaries, AnySplitOfAnyFramesIsFollowedExactly, ()) {
  const auto frames = *rc::gen::container<std::vector<TestFrame>>(rc::gen::build<TestFrame>(
      rc::gen::set(&TestFrame::fin), rc::gen::set(&TestFrame::opcode, rc::gen::element<std::uint8_t>(0x0, 0x1, 0x2, 0x8, 0x9, 0xA)),
      rc::gen::set(&TestFrame::masked),
      rc::gen::set(&TestFrame::payload_bytes,
                   rc::gen::oneOf(rc::gen::inRange<std::size_t>(0, 130), rc::gen::element<std::size_t>(65535, 65536, 70000)))));
  std::string stream;
  std::vector<std::size_t> message_end_offsets;
  std::vector<std::size_t> frame_end_offsets;
  for (const TestFrame& frame : frames) {
    stream += encode(frame);
    frame_end_offsets.push_back(stream.size());
    if (ends_a_message(frame)) message_end_offsets.push_back(stream.size());
  }
  FrameBoundaries boundaries;
  std::size_t observed = 0;
  while (observed < stream.size()) {
    const std::size_t chunk = *rc::gen::inRange<std::size_t>(1, std::min<std::size_t>(stream.size() - observed, 300) + 1);
    boundaries.observe(std::string_view(stream).substr(observed, chunk));
    observed += chunk;
    std::uint64_t messages = 0;
    for (std::size_t end : message_end_offsets) messages += end <= observed ? 1 : 0;
    RC_ASSERT(boundaries.messages_ended() == messages);
    // The last frame ending at or before `observed` must end exactly there and be a message's end.
    bool after_message = false;
    for (std::size_t index = 0; index < frames.size(); ++index) {
      if (frame_end_offsets[index] == observed) after_message = ends_a_message(frames[index]);
    }
    RC_ASSERT(boundaries.ends_after_a_message() == after_message);
  }
}

}  // namespace
}  // namespace resync::protocol::websocket
