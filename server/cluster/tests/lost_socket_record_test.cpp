#include "server/cluster/lost_socket_record.hpp"

#include <gtest/gtest.h>

namespace resync::server::cluster {
namespace {

TEST(LostSocketRecord, RoundTrips) {
  const DisconnectedSocket socket{"AbC-d_9", 1234, 0};
  const auto decoded = decode_lost_socket(encode_lost_socket(socket));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->socket_id, "AbC-d_9");
  EXPECT_EQ(decoded->last_sent_id, 1234);
}

TEST(LostSocketRecord, RefusesWhatItDidNotWrite) {
  for (const char* text : {"", ":", "12", ":abc", "12:", "x:abc", "-1:abc", "12:a b", "12:a:b",
                           "99999999999999999:abc", "1:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}) {
    EXPECT_FALSE(decode_lost_socket(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace resync::server::cluster
