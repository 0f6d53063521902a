// The RESP scanner the proxy follows Redis links with: where each message ends, its text, and
// what breaks it. Network input is untrusted, so every malformed case must fail, never crash.
#include "fault_injector/core/resp_message_scanner.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <numeric>

#include "fault_injector/tests/pipeline_test_support.hpp"
#include "fault_injector/tests/resp_encoder.hpp"

namespace resync::fault_injector::testing {
namespace {

struct ScannedMessage {
  std::uint64_t end_position;  // absolute offset in the stream, one past the message's last byte
  std::string text;
  friend bool operator==(const ScannedMessage&, const ScannedMessage&) = default;
  friend std::ostream& operator<<(std::ostream& out, const ScannedMessage& message) {
    return out << "{end " << message.end_position << ", text \"" << message.text << "\"}";
  }
};

class RespRecorder : public RespMessageListener {
 public:
  void on_message_start() override {
    text_.clear();
    ++starts;
  }
  void on_message_text(std::string_view text) override {
    text_.append(text);
    ++text_calls;
  }
  void on_message_end(std::size_t end_offset) override { messages.push_back({piece_base + end_offset, text_}); }

  std::vector<ScannedMessage> messages;
  std::uint64_t piece_base = 0;
  std::size_t starts = 0;
  std::size_t text_calls = 0;

 private:
  std::string text_;
};

struct ScanOutcome {
  std::vector<ScannedMessage> messages;
  bool failed = false;
};

// Feeds the stream cut at the given points (ascending; out-of-range points are clamped).
ScanOutcome scan_in_pieces(RespSide side, std::string_view stream, const std::vector<std::size_t>& cut_points = {}) {
  RespMessageScanner scanner(side);
  RespRecorder recorder;
  std::size_t start = 0;
  auto feed = [&](std::size_t end) {
    recorder.piece_base = start;
    scanner.observe(as_bytes(stream.substr(start, end - start)), recorder, /*want_text=*/true);
    start = end;
  };
  for (std::size_t cut : cut_points) feed(std::max(start, std::min(cut, stream.size())));
  feed(stream.size());
  return {recorder.messages, scanner.failed()};
}

std::vector<std::size_t> every_byte_of(std::string_view stream) {
  std::vector<std::size_t> cuts(stream.size());
  std::iota(cuts.begin(), cuts.end(), std::size_t{0});
  return cuts;
}

std::vector<ScannedMessage> messages_of(RespSide side, std::string_view stream) {
  const ScanOutcome outcome = scan_in_pieces(side, stream);
  EXPECT_FALSE(outcome.failed) << stream;
  return outcome.messages;
}

std::string text_of_only_message(RespSide side, std::string_view stream) {
  const std::vector<ScannedMessage> messages = messages_of(side, stream);
  EXPECT_EQ(messages.size(), 1u) << stream;
  if (messages.size() != 1) return "<not one message>";
  EXPECT_EQ(messages[0].end_position, stream.size()) << stream;
  return messages[0].text;
}

// ---- what starts a RESP stream ---------------------------------------------------------

TEST(RespMessageScanner, ACommandStreamStartsWithAnArrayAndAReplyStreamWithAnyTypeByte) {
  EXPECT_TRUE(RespMessageScanner::starts_stream(RespSide::commands, '*'));
  for (char type : std::string("+-:$_,#!=(%~>|")) {
    EXPECT_FALSE(RespMessageScanner::starts_stream(RespSide::commands, static_cast<std::uint8_t>(type))) << type;
  }
  for (char type : std::string("+-:$*_,#!=(%~>|")) {
    EXPECT_TRUE(RespMessageScanner::starts_stream(RespSide::replies, static_cast<std::uint8_t>(type))) << type;
  }
  for (char type : std::string("?.;\x00\x81x{[\r\n", 10)) {
    EXPECT_FALSE(RespMessageScanner::starts_stream(RespSide::replies, static_cast<std::uint8_t>(type))) << int(type);
  }
}

// HTTP's first byte is an upper-case letter (a method, "HTTP/"): never a RESP start, so an
// HTTP stream is never taken for RESP.
TEST(RespMessageScanner, NoUpperCaseLetterStartsAStream) {
  for (char letter = 'A'; letter <= 'Z'; ++letter) {
    EXPECT_FALSE(RespMessageScanner::starts_stream(RespSide::commands, static_cast<std::uint8_t>(letter)));
    EXPECT_FALSE(RespMessageScanner::starts_stream(RespSide::replies, static_cast<std::uint8_t>(letter)));
  }
}

// ---- text -------------------------------------------------------------------------------

TEST(RespMessageScanner, ACommandsTextIsItsArgumentsJoinedBySpaces) {
  const std::string script = "local log = KEYS[1]\nreturn redis.call('XADD', log, '*', 'p', ARGV[1])";
  EXPECT_EQ(text_of_only_message(RespSide::commands,
                                 resp_command({"EVAL", script, "4", "chat:log", "chat:offsets", "chat:last-id", "x", "a"})),
            "EVAL " + script + " 4 chat:log chat:offsets chat:last-id x a");
  EXPECT_EQ(text_of_only_message(RespSide::commands,
                                 resp_command({"XREAD", "BLOCK", "5000", "COUNT", "100", "STREAMS", "chat:log", "17-0"})),
            "XREAD BLOCK 5000 COUNT 100 STREAMS chat:log 17-0");
  // A bulk string may hold any byte, CR LF included: its length says where it ends.
  const std::string payload = "{\"text\":\"hi\r\n*1\r\n\"}";
  EXPECT_EQ(text_of_only_message(RespSide::commands, resp_command({"XADD", "chat:log", "*", "payload", payload})),
            "XADD chat:log * payload " + payload);
  // An empty argument is still an element between two spaces.
  EXPECT_EQ(text_of_only_message(RespSide::commands, resp_command({"SET", "k", ""})), "SET k ");
}

TEST(RespMessageScanner, AScalarRepliesTextIsItsValue) {
  EXPECT_EQ(text_of_only_message(RespSide::replies, resp_line('+', "OK")), "OK");
  EXPECT_EQ(text_of_only_message(RespSide::replies, resp_line('-', "LOADING Redis is loading the dataset")),
            "LOADING Redis is loading the dataset");
  EXPECT_EQ(text_of_only_message(RespSide::replies, resp_line(':', "-42")), "-42");
  EXPECT_EQ(text_of_only_message(RespSide::replies, resp_bulk("17-0:abc")), "17-0:abc");
  EXPECT_EQ(text_of_only_message(RespSide::replies, resp_bulk("")), "");
  EXPECT_EQ(text_of_only_message(RespSide::replies, "$-1\r\n"), "");
  EXPECT_EQ(text_of_only_message(RespSide::replies, "*-1\r\n"), "");
  EXPECT_EQ(text_of_only_message(RespSide::replies, "*0\r\n"), "");
}

TEST(RespMessageScanner, NestedArraysAreFlattenedInOrder) {
  // XREAD's reply: [[stream, [[id, [field, value]], [id, [field, value]]]]], five deep.
  const std::string xread_reply = resp_aggregate('*', 1) + resp_aggregate('*', 2) + resp_bulk("chat:log") +
                                  resp_aggregate('*', 2) + resp_aggregate('*', 2) + resp_bulk("5-0") +
                                  resp_aggregate('*', 2) + resp_bulk("payload") + resp_bulk("first") +
                                  resp_aggregate('*', 2) + resp_bulk("6-0") + resp_aggregate('*', 2) +
                                  resp_bulk("payload") + resp_bulk("second");
  EXPECT_EQ(text_of_only_message(RespSide::replies, xread_reply), "chat:log 5-0 payload first 6-0 payload second");
  // The append script's reply: outcomes and ids, a null between them adds nothing.
  const std::string eval_reply = resp_aggregate('*', 4) + resp_line(':', "1") + "$-1\r\n" + resp_bulk("7-0") +
                                 resp_aggregate('*', 0);
  EXPECT_EQ(text_of_only_message(RespSide::replies, eval_reply), "1 7-0");
}

TEST(RespMessageScanner, Resp3TypesAreMessagesWithTheirValuesAsText) {
  EXPECT_EQ(text_of_only_message(RespSide::replies, "_\r\n"), "");
  EXPECT_EQ(text_of_only_message(RespSide::replies, resp_line(',', "3.14")), "3.14");
  EXPECT_EQ(text_of_only_message(RespSide::replies, resp_line(',', "-inf")), "-inf");
  EXPECT_EQ(text_of_only_message(RespSide::replies, resp_line('#', "t")), "t");
  EXPECT_EQ(text_of_only_message(RespSide::replies, resp_line('#', "f")), "f");
  EXPECT_EQ(text_of_only_message(RespSide::replies, resp_blob('!', "SYNTAX invalid syntax")), "SYNTAX invalid syntax");
  EXPECT_EQ(text_of_only_message(RespSide::replies, resp_blob('=', "txt:Some string")), "Some string");
  EXPECT_EQ(text_of_only_message(RespSide::replies, resp_blob('=', "mkd:")), "");
  EXPECT_EQ(text_of_only_message(RespSide::replies, resp_line('(', "3492890328409238509324850943850943825024385")),
            "3492890328409238509324850943850943825024385");
  EXPECT_EQ(text_of_only_message(RespSide::replies, resp_aggregate('%', 2) + resp_line('+', "first") +
                                                        resp_line(':', "1") + resp_line('+', "second") +
                                                        resp_line(':', "2")),
            "first 1 second 2");
  EXPECT_EQ(text_of_only_message(RespSide::replies,
                                 resp_aggregate('~', 3) + resp_bulk("a") + resp_line('#', "t") + "_\r\n"),
            "a t");
  // A push (pub/sub, client tracking) is a message of its own between replies.
  EXPECT_EQ(text_of_only_message(RespSide::replies, resp_aggregate('>', 3) + resp_bulk("message") +
                                                        resp_bulk("chat") + resp_bulk("hi")),
            "message chat hi");
}

// An attribute is metadata about the value after it: not a message of its own, not an
// element of its parent, and its contents are no part of the text.
TEST(RespMessageScanner, AnAttributeIsPartOfTheMessageItAnnotatesAndAddsNoText) {
  const std::string attribute = resp_aggregate('|', 1) + resp_line('+', "key-popularity") + resp_aggregate('%', 1) +
                                resp_bulk("a") + resp_line(',', "0.19");
  const std::string reply = attribute + resp_aggregate('*', 2) + resp_line(':', "2039123") + resp_line(':', "9543892");
  const std::vector<ScannedMessage> messages = messages_of(RespSide::replies, reply + resp_line('+', "OK"));
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0], (ScannedMessage{reply.size(), "2039123 9543892"}));
  EXPECT_EQ(messages[1], (ScannedMessage{reply.size() + 5, "OK"}));
  // Inside an array, an attribute before an element does not take the element's place.
  const std::string inner = resp_aggregate('*', 2) + resp_aggregate('|', 0) + resp_line('+', "a") +
                            resp_aggregate('|', 1) + resp_line('+', "k") + resp_line('+', "v") + resp_line('+', "b");
  EXPECT_EQ(text_of_only_message(RespSide::replies, inner), "a b");
}

TEST(RespMessageScanner, WithoutTextOnlyTheEndsAreReported) {
  RespMessageScanner scanner(RespSide::commands);
  RespRecorder recorder;
  const std::string stream = resp_command({"XADD", "chat:log", "*", "payload", "x"}) + resp_command({"PING"});
  EXPECT_TRUE(scanner.observe(as_bytes(stream), recorder, /*want_text=*/false));
  EXPECT_EQ(recorder.text_calls, 0u);
  ASSERT_EQ(recorder.messages.size(), 2u);
  EXPECT_EQ(recorder.messages[1].end_position, stream.size());
  EXPECT_EQ(recorder.starts, 2u);
}

// ---- boundaries, however the stream is cut ---------------------------------------------

struct GeneratedRespValue {
  std::string bytes;
  std::vector<std::string> leaves;  // the texts the message's text joins with spaces
};

std::string join_leaves(const std::vector<std::string>& leaves) {
  std::string text;
  for (std::size_t i = 0; i < leaves.size(); ++i) text += (i == 0 ? "" : " ") + leaves[i];
  return text;
}

std::string generated_line_text() {
  return *rc::gen::container<std::string>(rc::gen::inRange<char>(' ', '\x7f'));  // no CR, no LF
}

std::string generated_digits() {
  const std::string digits = *rc::gen::nonEmpty(rc::gen::container<std::string>(rc::gen::inRange<char>('0', ':')));
  return (*rc::gen::arbitrary<bool>() ? "-" : "") + digits;
}

GeneratedRespValue generated_scalar() {
  switch (*rc::gen::inRange(0, 11)) {
    case 0: {
      const std::string text = generated_line_text();
      return {resp_line('+', text), {text}};
    }
    case 1: {
      const std::string text = generated_line_text();
      return {resp_line('-', text), {text}};
    }
    case 2: {
      const std::string text = std::to_string(*rc::gen::arbitrary<std::int64_t>());
      return {resp_line(':', text), {text}};
    }
    case 3: {
      const std::string payload = *rc::gen::arbitrary<std::string>();  // any bytes, CR LF included
      return {resp_bulk(payload), {payload}};
    }
    case 4: return {*rc::gen::element<std::string>("$-1\r\n", "*-1\r\n", "_\r\n"), {}};
    case 5: {
      const std::string text = *rc::gen::element<std::string>("3.14", "-inf", "inf", "nan", "1.5e-10", "0");
      return {resp_line(',', text), {text}};
    }
    case 6: {
      const std::string text = *rc::gen::element<std::string>("t", "f");
      return {resp_line('#', text), {text}};
    }
    case 7: {
      const std::string payload = *rc::gen::arbitrary<std::string>();
      return {resp_blob('!', payload), {payload}};
    }
    case 8: {
      const std::string payload = *rc::gen::arbitrary<std::string>();
      return {resp_blob('=', *rc::gen::element<std::string>("txt:", "mkd:") + payload), {payload}};
    }
    case 9: {
      const std::string digits = generated_digits();
      return {resp_line('(', digits), {digits}};
    }
    default: {
      const std::string text = generated_digits();
      return {resp_line(':', text), {text}};
    }
  }
}

GeneratedRespValue generated_value(int depth);

GeneratedRespValue generated_aggregate(int depth) {
  const char type = *rc::gen::element('*', '%', '~', '>');
  const auto count = *rc::gen::inRange<std::size_t>(0, 4);
  GeneratedRespValue aggregate{resp_aggregate(type, count), {}};
  const std::size_t elements = type == '%' ? 2 * count : count;
  for (std::size_t i = 0; i < elements; ++i) {
    GeneratedRespValue element = generated_value(depth - 1);
    aggregate.bytes += element.bytes;
    aggregate.leaves.insert(aggregate.leaves.end(), element.leaves.begin(), element.leaves.end());
  }
  return aggregate;
}

// Any value, sometimes preceded by an attribute (whose text is left out).
GeneratedRespValue generated_value(int depth) {
  std::string attribute;
  if (depth > 0 && *rc::gen::inRange(0, 8) == 0) {
    const auto pairs = *rc::gen::inRange<std::size_t>(0, 3);
    attribute = resp_aggregate('|', pairs);
    for (std::size_t i = 0; i < 2 * pairs; ++i) attribute += generated_value(depth - 1).bytes;
  }
  GeneratedRespValue value = depth > 0 && *rc::gen::arbitrary<bool>() ? generated_aggregate(depth) : generated_scalar();
  value.bytes = attribute + value.bytes;
  return value;
}

GeneratedRespValue generated_command() {
  const auto arguments = *rc::gen::nonEmpty(rc::gen::resize(8, rc::gen::arbitrary<std::vector<std::string>>()));
  return {resp_command(arguments), arguments};
}

// Every message ends exactly at its last byte, with its text, whether the stream comes in
// one read, byte by byte, or cut at any points.
void check_boundaries_however_cut(RespSide side, const std::vector<GeneratedRespValue>& generated) {
  std::string stream;
  std::vector<ScannedMessage> expected;
  for (const GeneratedRespValue& message : generated) {
    stream += message.bytes;
    expected.push_back({stream.size(), join_leaves(message.leaves)});
  }
  auto cut_points = *rc::gen::container<std::vector<std::size_t>>(rc::gen::inRange<std::size_t>(0, stream.size() + 1));
  std::sort(cut_points.begin(), cut_points.end());
  for (const std::vector<std::size_t>& cuts : {std::vector<std::size_t>{}, every_byte_of(stream), cut_points}) {
    const ScanOutcome outcome = scan_in_pieces(side, stream, cuts);
    RC_ASSERT(!outcome.failed);
    RC_ASSERT(outcome.messages == expected);
  }
}

RC_GTEST_PROP(RespMessageScanner, RepliesEndAtTheirLastByteWithTheirTextHoweverTheStreamIsCut, ()) {
  const auto count = *rc::gen::inRange(1, 7);
  std::vector<GeneratedRespValue> replies;
  for (int i = 0; i < count; ++i) replies.push_back(generated_value(/*depth=*/4));
  check_boundaries_however_cut(RespSide::replies, replies);
}

RC_GTEST_PROP(RespMessageScanner, CommandsEndAtTheirLastByteWithTheirTextHoweverTheStreamIsCut, ()) {
  const auto count = *rc::gen::inRange(1, 7);
  std::vector<GeneratedRespValue> commands;
  for (int i = 0; i < count; ++i) commands.push_back(generated_command());
  check_boundaries_however_cut(RespSide::commands, commands);
}

RC_GTEST_PROP(RespMessageScanner, ArbitraryBytesNeverCrashItAndAFailureIsFinal, (const std::string& garbage)) {
  for (RespSide side : {RespSide::commands, RespSide::replies}) {
    RespMessageScanner scanner(side);
    RespRecorder recorder;
    const bool first = scanner.observe(as_bytes(garbage), recorder, true);
    RC_ASSERT(first == !scanner.failed());
    RC_ASSERT(scanner.nesting_depth() <= RespMessageScanner::kNestingDepthMax);
    const std::size_t reported = recorder.messages.size();
    const bool second = scanner.observe(as_bytes(garbage), recorder, true);
    if (!first) {
      RC_ASSERT(!second);
      RC_ASSERT(recorder.messages.size() == reported);
    }
  }
}

// ---- malformed input --------------------------------------------------------------------

// Each case follows a good message: that one is reported, then the stream fails for good.
TEST(RespMessageScanner, MalformedInputFailsAfterTheGoodMessagesBeforeIt) {
  const std::vector<std::pair<RespSide, std::string>> cases = {
      {RespSide::replies, "?what\r\n"},                 // not a type byte
      {RespSide::replies, "\x01\x02garbage"},           // not a type byte
      {RespSide::commands, "+PING\r\n"},                // a command is an array
      {RespSide::commands, "PING\r\n"},                 // an inline command after an array
      {RespSide::replies, "$abc\r\n"},                  // a length of letters
      {RespSide::replies, "$\r\n"},                     // a length without digits
      {RespSide::replies, "$-5\r\n"},                   // only -1 is a null
      {RespSide::replies, "*-7\r\n"},
      {RespSide::replies, "%-1\r\n"},                   // RESP3 has `_` for null, no negative count
      {RespSide::replies, "$?\r\n;4\r\nHell\r\n;0\r\n"},  // a streamed string is not followed
      {RespSide::replies, ":12x\r\n"},                  // an integer with a letter
      {RespSide::replies, ":\r\n"},                     // an integer without digits
      {RespSide::replies, ":1-2\r\n"},                  // a sign inside it
      {RespSide::replies, "#x\r\n"},                    // a boolean other than t or f
      {RespSide::replies, "#tt\r\n"},
      {RespSide::replies, "_x\r\n"},                    // a null with content
      {RespSide::replies, "+OK\rX"},                    // CR not followed by LF
      {RespSide::replies, "$2\r\nabc\r\n"},             // longer than announced
      {RespSide::replies, "=3\r\ntxt\r\n"},             // a verbatim string without room for its format
      {RespSide::replies, "*2\r\n$1\r\na\r\n*1\r\n?x\r\n"},  // a bad type inside an array
  };
  const std::string good = resp_line('+', "OK");
  const std::string good_command = resp_command({"PING"});
  for (const auto& [side, malformed] : cases) {
    const std::string first = side == RespSide::commands ? good_command : good;
    const std::string stream = first + malformed;
    const ScanOutcome outcome = scan_in_pieces(side, stream);
    EXPECT_TRUE(outcome.failed) << malformed;
    ASSERT_EQ(outcome.messages.size(), 1u) << malformed;
    EXPECT_EQ(outcome.messages[0].end_position, first.size()) << malformed;
    // The same byte by byte.
    EXPECT_TRUE(scan_in_pieces(side, stream, every_byte_of(stream)).failed) << malformed;
  }
}

TEST(RespMessageScanner, AFailureSaysWhatBrokeAndNothingIsReportedAfterIt) {
  RespMessageScanner scanner(RespSide::replies);
  RespRecorder recorder;
  EXPECT_FALSE(scanner.observe(as_bytes("$abc\r\n"), recorder, true));
  EXPECT_NE(scanner.failure_reason().find("'a' in the length"), std::string::npos) << scanner.failure_reason();
  EXPECT_FALSE(scanner.observe(as_bytes(resp_line('+', "OK")), recorder, true));
  EXPECT_TRUE(recorder.messages.empty());
}

// ---- limits -----------------------------------------------------------------------------

std::string nested_arrays(std::size_t depth) {
  std::string bytes;
  for (std::size_t i = 0; i < depth; ++i) bytes += resp_aggregate('*', 1);
  return bytes + resp_line(':', "1");
}

TEST(RespMessageScanner, AggregatesNestedBeyondTheDepthLimitFail) {
  const std::size_t limit = RespMessageScanner::kNestingDepthMax;
  EXPECT_EQ(text_of_only_message(RespSide::replies, nested_arrays(limit)), "1");
  const ScanOutcome deeper = scan_in_pieces(RespSide::replies, nested_arrays(limit + 1));
  EXPECT_TRUE(deeper.failed);
  EXPECT_TRUE(deeper.messages.empty());
  // Nesting with attributes and maps counts the same.
  std::string mixed;
  for (std::size_t i = 0; i <= limit; ++i) {
    mixed += i % 2 == 0 ? resp_aggregate('%', 1) + resp_line('+', "k") : resp_aggregate('|', 1) + resp_line('+', "a");
  }
  EXPECT_TRUE(scan_in_pieces(RespSide::replies, mixed).failed);
}

TEST(RespMessageScanner, LengthsAndCountsBeyondTheirLimitsFailAtOnce) {
  const std::string bulk_at_limit = "$" + std::to_string(RespMessageScanner::kBulkStringBytesMax) + "\r\n";
  const ScanOutcome at_limit = scan_in_pieces(RespSide::replies, bulk_at_limit + "abc");
  EXPECT_FALSE(at_limit.failed);  // waits for its bytes, holding none of them
  const std::string bulk_over = "$" + std::to_string(RespMessageScanner::kBulkStringBytesMax + 1) + "\r\n";
  EXPECT_TRUE(scan_in_pieces(RespSide::replies, bulk_over).failed);
  EXPECT_TRUE(scan_in_pieces(RespSide::replies, "$99999999999999999999999999\r\n").failed);

  const std::string count_at_limit = "*" + std::to_string(RespMessageScanner::kAggregateElementsMax) + "\r\n";
  EXPECT_FALSE(scan_in_pieces(RespSide::commands, count_at_limit + resp_bulk("GET")).failed);
  const std::string count_over = "*" + std::to_string(RespMessageScanner::kAggregateElementsMax + 1) + "\r\n";
  EXPECT_TRUE(scan_in_pieces(RespSide::commands, count_over).failed);
  EXPECT_TRUE(scan_in_pieces(RespSide::replies, "%99999999999999999999\r\n").failed);
}

TEST(RespMessageScanner, ALineLongerThanTheLineLimitFailsHoweverItIsCut) {
  const std::string at_limit(RespMessageScanner::kLineBytesMax, 'e');
  EXPECT_EQ(text_of_only_message(RespSide::replies, resp_line('-', at_limit)), at_limit);
  const std::string over = resp_line('+', at_limit + "e");
  EXPECT_TRUE(scan_in_pieces(RespSide::replies, over).failed);
  std::vector<std::size_t> cuts;
  for (std::size_t cut = 1000; cut < over.size(); cut += 1000) cuts.push_back(cut);
  EXPECT_TRUE(scan_in_pieces(RespSide::replies, over, cuts).failed);
  // Without its CR, a line fails once it passes the limit: it is never followed further.
  EXPECT_TRUE(scan_in_pieces(RespSide::replies, ":" + std::string(RespMessageScanner::kLineBytesMax + 1, '7')).failed);
}

}  // namespace
}  // namespace resync::fault_injector::testing
