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

namespace resync::protocol::socketio {
namespace {

bool same(const ChatEventArguments& left, const ChatEventArguments& right) {
  return left.id == right.id && left.content == right.content && left.trailing_string == right.trailing_string;
}

// Where the plain reader answers, the full parse must agree: same packet shape, same arguments.
void expect_agrees_with_full_parse(std::string_view text, std::string_view expected_name) {
  const std::optional<ChatEventArguments> plain = parse_plain_chat_event(text, expected_name);
  if (!plain) return;
  const auto full = parse_packet(text);
  RC_ASSERT(full.ok());
  RC_ASSERT(full->type == PacketType::event);
  RC_ASSERT(full->namespace_name == "/");
  RC_ASSERT(!full->ack_id.has_value());
  RC_ASSERT(event_name(full.value()).value() == std::string(expected_name));
  const std::optional<ChatEventArguments> from_tree = chat_event_arguments(*full->payload);
  RC_ASSERT(from_tree.has_value());
  RC_ASSERT(same(*plain, *from_tree));
}

RC_GTEST_PROP(PlainChatEvent, ReadsWhatTheServerWritesAsTheFullParseDoes,
              (const std::string& content, std::int64_t id, bool with_offset, const std::string& offset)) {
  std::string text;
  append_chat_event(text, "chat message", content, id, with_offset ? std::optional<std::string_view>(offset) : std::nullopt);
  expect_agrees_with_full_parse(text, "chat message");
}

RC_GTEST_PROP(PlainChatEvent, AnswersForPlainTextAndSmallIds, (std::uint32_t number, bool negative)) {
  const std::int64_t id = negative ? -static_cast<std::int64_t>(number) : static_cast<std::int64_t>(number);
  std::string text;
  append_chat_event(text, "chat message", "m-" + std::to_string(number) + " ğüş", id, std::string_view("abc"));
  const auto plain = parse_plain_chat_event(text, "chat message");
  RC_ASSERT(plain.has_value());
  RC_ASSERT(*plain->id == id);
  RC_ASSERT(*plain->trailing_string == "abc");
}

// Any text at all, and chat events with a byte changed: never an answer the full parse denies.
RC_GTEST_PROP(PlainChatEvent, NeverDisagreesWithTheFullParseOnMutatedEvents,
              (std::uint16_t position, char replacement, std::int64_t id)) {
  std::string text;
  append_chat_event(text, "chat message", "hello", id, std::string_view("offset"));
  text[position % text.size()] = replacement;
  expect_agrees_with_full_parse(text, "chat message");
}

TEST(PlainChatEvent, LeavesEverythingElseToTheFullParse) {
  for (const std::string text : {R"(21["chat message","a",1])", R"(2/x,["chat message","a",1])",
                                 R"(2["chat message","a\"b",1])", R"(2["chat message","a",1.5])",
                                 R"(2["chat message","a",01])", R"(2["chat message","a",1234567890123456789])",
                                 R"(2["chat message","a",1,2])", R"(2["other","a",1])", R"(2["chat message","a",1] )",
                                 R"(2["chat message",{"a":1},1])"}) {
    EXPECT_FALSE(parse_plain_chat_event(text, "chat message").has_value()) << text;
  }
  EXPECT_TRUE(parse_plain_chat_event(R"(2["chat message","a",-7,"o"])", "chat message").has_value());
}

}  // namespace
}  // namespace resync::protocol::socketio
