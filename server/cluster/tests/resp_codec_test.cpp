// The RESP codec: what encode writes, what the reader builds from it however the bytes are
// split, and that broken or oversized replies are error values.
#include "server/cluster/resp_codec.hpp"

#include <gtest/gtest.h>

namespace resync::server::cluster {
namespace {

std::vector<RespValue> sample_values() {
  return {
      RespValue::simple_string("OK"),
      RespValue::error("ERR something broke"),
      RespValue::integer_value(-42),
      RespValue::integer_value(9223372036854775807),
      RespValue::bulk_string(""),
      RespValue::bulk_string(std::string("binary\r\n\0bytes", 15)),
      RespValue::null(),
      RespValue::array({}),
      RespValue::array({RespValue::array({RespValue::bulk_string("resync:log"),
                                          RespValue::array({RespValue::array({RespValue::bulk_string("1-0"),
                                                                              RespValue::array({RespValue::bulk_string("content"),
                                                                                                RespValue::bulk_string("hi")})})})}),
                        RespValue::integer_value(7), RespValue::null()}),
  };
}

std::vector<RespValue> read_all(RespReader& reader) {
  std::vector<RespValue> values;
  while (true) {
    auto taken = reader.take();
    EXPECT_TRUE(taken.ok()) << taken.error();
    if (!taken.ok() || !taken.value()) return values;
    values.push_back(*taken.value());
  }
}

TEST(RespCodec, EncodesACommandAsAnArrayOfBulkStrings) {
  EXPECT_EQ(encode_command({"SET", "key", ""}), "*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$0\r\n\r\n");
  EXPECT_EQ(encode_null_array(), "*-1\r\n");
  EXPECT_EQ(encode_null_bulk_string(), "$-1\r\n");
}

TEST(RespCodec, ValuesRoundTripThroughTheReader) {
  for (const RespValue& value : sample_values()) {
    RespReader reader;
    reader.feed(encode_value(value));
    const std::vector<RespValue> values = read_all(reader);
    ASSERT_EQ(values.size(), 1u) << describe(value);
    EXPECT_EQ(values[0], value) << describe(value);
  }
}

TEST(RespCodec, ReadsTheSameValuesWhereverTheBytesAreSplit) {
  std::string bytes;
  for (const RespValue& value : sample_values()) bytes += encode_value(value);
  for (std::size_t split = 0; split <= bytes.size(); ++split) {
    RespReader reader;
    reader.feed(std::string_view(bytes).substr(0, split));
    std::vector<RespValue> values = read_all(reader);
    reader.feed(std::string_view(bytes).substr(split));
    for (RespValue& value : read_all(reader)) values.push_back(std::move(value));
    EXPECT_EQ(values, sample_values()) << "split at " << split;
  }
  RespReader byte_by_byte;
  std::vector<RespValue> values;
  for (char byte : bytes) {
    byte_by_byte.feed(std::string_view(&byte, 1));
    for (RespValue& value : read_all(byte_by_byte)) values.push_back(std::move(value));
  }
  EXPECT_EQ(values, sample_values());
}

TEST(RespCodec, ABrokenReplyIsAFinalErrorValue) {
  RespReader reader;
  reader.feed("+OK\r\n?what\r\n");
  auto first = reader.take();
  ASSERT_TRUE(first.ok() && first.value());
  EXPECT_EQ(*first.value(), RespValue::simple_string("OK"));
  auto second = reader.take();
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().find("breaks the protocol"), std::string::npos) << second.error();
  reader.feed("+OK\r\n");
  EXPECT_FALSE(reader.take().ok());
  EXPECT_TRUE(reader.failed());
}

TEST(RespCodec, BadLengthsAndIntegersAreErrors) {
  for (const char* bytes : {"$-5\r\n", "$abc\r\n", "*-7\r\n", ":12x\r\n", "*99999999999999999999\r\n"}) {
    RespReader reader;
    reader.feed(bytes);
    EXPECT_FALSE(reader.take().ok()) << bytes;
  }
}

TEST(RespCodec, AStringAboveBulkLengthMaxIsRefused) {
  RespLimits limits;
  limits.bulk_length_max = 4;
  RespReader reader(limits);
  reader.feed("$4\r\nfour\r\n*2\r\n:1\r\n$5\r\nfives\r\n");
  auto first = reader.take();
  ASSERT_TRUE(first.ok() && first.value());
  auto second = reader.take();
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().find("bulk_length_max"), std::string::npos) << second.error();
}

TEST(RespCodec, AnArrayAboveArrayElementsMaxIsRefused) {
  RespLimits limits;
  limits.array_elements_max = 2;
  RespReader reader(limits);
  reader.feed("*3\r\n");
  auto taken = reader.take();
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.error().find("array_elements_max"), std::string::npos) << taken.error();
}

TEST(RespCodec, ArraysNestedDeeperThanNestingDepthMaxAreRefused) {
  RespLimits limits;
  limits.nesting_depth_max = 2;
  RespReader shallow(limits);
  shallow.feed("*1\r\n*1\r\n:1\r\n");
  auto fits = shallow.take();
  ASSERT_TRUE(fits.ok() && fits.value());
  RespReader deep(limits);
  deep.feed("*1\r\n*1\r\n*1\r\n:1\r\n");
  auto taken = deep.take();
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.error().find("nesting_depth_max"), std::string::npos) << taken.error();
  RespReader deeper_than_hiredis;
  deeper_than_hiredis.feed("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n");
  EXPECT_FALSE(deeper_than_hiredis.take().ok());
}

TEST(RespCodec, AReplyAboveReplyBytesMaxIsRefusedBeforeItCompletes) {
  RespLimits limits;
  limits.reply_bytes_max = 64;
  RespReader reader(limits);
  // A huge announced length: the reader must not wait for it while buffering without end.
  reader.feed("$9223372036854775807\r\n");
  auto waiting = reader.take();
  ASSERT_TRUE(waiting.ok());
  EXPECT_FALSE(waiting.value());
  reader.feed(std::string(100, 'x'));
  auto taken = reader.take();
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.error().find("reply_bytes_max"), std::string::npos) << taken.error();
}

TEST(RespCodec, ManySmallRepliesInOneFeedAreNotMistakenForOneLargeReply) {
  RespLimits limits;
  limits.reply_bytes_max = 16;
  RespReader reader(limits);
  std::string bytes;
  for (int index = 0; index < 100; ++index) bytes += encode_integer(index);
  reader.feed(bytes);
  EXPECT_EQ(read_all(reader).size(), 100u);
}

}  // namespace
}  // namespace resync::server::cluster
