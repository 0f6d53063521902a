#include "protocol/utf8.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

namespace resync::protocol {
namespace {

TEST(Utf8, AcceptsAsciiAndMultibyteText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("merhaba"));
  EXPECT_TRUE(is_valid_utf8("Bağlantı yeniden sağlandığında"));
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));  // emoji, four bytes
}

TEST(Utf8, RejectsMalformedSequences) {
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("ok\x80"));            // stray continuation byte
}

// The ASCII run is read eight bytes at a time: a bad byte at any place relative to those
// words, and a sequence cut at the end of one, is still found.
TEST(Utf8, FindsABadByteWhereverItSitsInALongAsciiRun) {
  for (std::size_t place = 0; place < 40; ++place) {
    std::string text(40, 'a');
    text[place] = '\x80';
    EXPECT_FALSE(is_valid_utf8(text)) << "stray continuation byte at " << place;
    text[place] = '\xC3';
    EXPECT_FALSE(is_valid_utf8(text)) << "cut sequence at " << place;
    text.insert(place + 1, 1, '\xA7');  // 'ç'
    EXPECT_TRUE(is_valid_utf8(text)) << "two-byte sequence at " << place;
  }
}

RC_GTEST_PROP(Utf8, EveryStringOfCodePointsEncodedByHandIsValid, (const std::vector<std::uint32_t>& raw)) {
  std::string text;
  for (std::uint32_t value : raw) {
    std::uint32_t code_point = value % 0x110000;
    if (code_point >= 0xD800 && code_point <= 0xDFFF) code_point = 0x41;
    if (code_point < 0x80) {
      text.push_back(static_cast<char>(code_point));
    } else if (code_point < 0x800) {
      text.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
      text.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else if (code_point < 0x10000) {
      text.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
      text.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
      text.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    } else {
      text.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
      text.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
      text.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
      text.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
    }
  }
  RC_ASSERT(is_valid_utf8(text));
}

}  // namespace
}  // namespace resync::protocol
