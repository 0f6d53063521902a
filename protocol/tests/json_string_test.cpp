#include "protocol/json_string.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <nlohmann/json.hpp>

#include "protocol/socketio_packet.hpp"

namespace resync::protocol {
namespace {

std::string as_library_writes_it(const std::string& text) {
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string appended(std::string_view text) {
  std::string out = "prefix:";
  append_json_string(out, text);
  return out;
}

TEST(JsonString, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(appended("a\"b\\c"), "prefix:\"a\\\"b\\\\c\"");
  EXPECT_EQ(appended("\b\f\n\r\t"), "prefix:\"\\b\\f\\n\\r\\t\"");
  EXPECT_EQ(appended(std::string_view("\x01\x1f\x00", 3)), "prefix:\"\\u0001\\u001f\\u0000\"");
  EXPECT_EQ(appended("\x7f"), "prefix:\"\x7f\"");  // DEL is not a control character to JSON
  EXPECT_EQ(appended("Bağlantı 😀"), "prefix:\"Bağlantı 😀\"");
}

TEST(JsonString, ReplacesInvalidUtf8AsTheLibraryDoes) {
  EXPECT_EQ(appended("ok\xff"), "prefix:" + as_library_writes_it("ok\xff"));
  EXPECT_EQ(appended("\xc3"), "prefix:\"\xef\xbf\xbd\"");
}

// Any bytes at all, valid UTF-8 or not: the same text as nlohmann::json's encoder.
RC_GTEST_PROP(JsonString, WritesWhatTheLibraryWritesForAnyBytes, (const std::string& text)) {
  std::string out;
  append_json_string(out, text);
  RC_ASSERT(out == as_library_writes_it(text));
}

RC_GTEST_PROP(JsonString, ChatEventEqualsTheTreeEncodedEvent,
              (const std::string& name, const std::string& content, std::int64_t id, bool with_offset,
               const std::string& offset)) {
  nlohmann::json arguments = nlohmann::json::array({name, content, id});
  if (with_offset) arguments.push_back(offset);
  std::string out;
  socketio::append_chat_event(out, name, content, id,
                              with_offset ? std::optional<std::string_view>(offset) : std::nullopt);
  RC_ASSERT(out == socketio::encode_event(arguments));
}

}  // namespace
}  // namespace resync::protocol
