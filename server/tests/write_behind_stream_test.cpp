// The write-behind layer under the server's WebSocket stream, on real loopback sockets: bytes
// arrive whole and in order, a peer that stops reading parks the writer at the bound (so the
// session's queue and the slow-consumer limit still see it), held bytes wait for the
// release, and a broken socket fails the writes that follow.
#include "server/shell/write_behind_stream.hpp"

#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

namespace resync::server::shell {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

struct SocketPair {
  explicit SocketPair(asio::io_context& io) : peer(io) {
    tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    tcp::socket client(io);
    client.connect(acceptor.local_endpoint());
    server.emplace(acceptor.accept());
    peer = std::move(client);
  }
  std::optional<tcp::socket> server;
  tcp::socket peer;
};

// Writes `count` messages one after another, each started when the previous completed (as
// Beast does), and counts the completions.
struct SequentialWriter {
  SequentialWriter(WriteBehindStream& target, std::vector<std::string> texts) : stream(target), messages(std::move(texts)) {}
  WriteBehindStream& stream;
  std::vector<std::string> messages;
  std::size_t completed = 0;
  boost::beast::error_code error;
  void start_next() {
    if (completed == messages.size()) return;
    asio::async_write(stream, asio::buffer(messages[completed]), [this](boost::beast::error_code failure, std::size_t) {
      if (failure) {
        error = failure;
        return;
      }
      ++completed;
      start_next();
    });
  }
};

std::string numbered_message(std::size_t index, std::size_t size) {
  std::string text = std::to_string(index) + ":";
  text.resize(size, static_cast<char>('a' + index % 26));
  return text;
}

TEST(WriteBehindStream, APeerThatStopsReadingParksTheWriterThenEverythingArrivesInOrder) {
  asio::io_context io;
  SocketPair pair(io);
  // More than the kernel's loopback buffers hold, so the bound is reached long before the
  // messages are all written. (Shrinking the buffers instead stalls TCP itself: a window
  // smaller than loopback's MSS reopens only by the sender's backed-off probes.)
  constexpr std::size_t pending_bytes_max = 64 * 1024;
  WriteBehindStream stream(std::move(*pair.server), pending_bytes_max);
  SequentialWriter writer{stream, {}};
  for (std::size_t index = 0; index < 2000; ++index) writer.messages.push_back(numbered_message(index, 16 * 1024));
  writer.start_next();
  io.run_for(std::chrono::milliseconds(200));

  ASSERT_FALSE(writer.error) << writer.error.message();
  EXPECT_LT(writer.completed, writer.messages.size()) << "nobody reads: the writer must be parked";
  EXPECT_GE(stream.accepted_bytes() - stream.written_bytes(), pending_bytes_max);

  std::string expected;
  for (const std::string& message : writer.messages) expected += message;
  std::string received(expected.size(), '\0');
  asio::async_read(pair.peer, asio::buffer(received), [](boost::beast::error_code, std::size_t) {});
  io.restart();
  io.run_for(std::chrono::seconds(5));

  EXPECT_EQ(writer.completed, writer.messages.size());
  EXPECT_EQ(stream.written_bytes(), expected.size());
  EXPECT_EQ(stream.accepted_bytes(), expected.size());
  EXPECT_TRUE(received == expected) << "bytes lost, doubled or reordered";
}

TEST(WriteBehindStream, HeldWritesWaitForTheReleaseAndGoOutTogether) {
  asio::io_context io;
  SocketPair pair(io);
  WriteBehindStream stream(std::move(*pair.server), 64 * 1024);
  std::size_t written_calls = 0;
  stream.on_written([&](boost::beast::error_code, std::uint64_t) { ++written_calls; });
  stream.set_held(true);
  SequentialWriter writer{stream, {"one,", "two,", "three"}};
  writer.start_next();
  io.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(writer.completed, 3u) << "held writes are accepted";
  EXPECT_EQ(stream.written_bytes(), 0u) << "and not written before the release";
  EXPECT_EQ(pair.peer.available(), 0u);

  stream.set_held(false);
  io.restart();
  io.run_for(std::chrono::milliseconds(50));
  EXPECT_EQ(stream.written_bytes(), 13u);
  EXPECT_EQ(written_calls, 1u) << "one socket write carries all three";
  std::string received(13, '\0');
  asio::read(pair.peer, asio::buffer(received));
  EXPECT_EQ(received, "one,two,three");
}

TEST(WriteBehindStream, AppendedTextFramesAreUnmaskedServerFramesInOrder) {
  asio::io_context io;
  SocketPair pair(io);
  WriteBehindStream stream(std::move(*pair.server), 64 * 1024);
  stream.set_held(true);
  stream.append_text_frame("42[\"a\"]");
  stream.append_text_frame(std::string(200, 'x'));  // a 16-bit length
  EXPECT_EQ(stream.accepted_bytes(), (2u + 7u) + (4u + 200u));
  stream.set_held(false);
  io.run_for(std::chrono::milliseconds(50));
  std::string received(stream.accepted_bytes(), '\0');
  asio::read(pair.peer, asio::buffer(received));
  EXPECT_EQ(received.substr(0, 9), std::string("\x81\x07") + "42[\"a\"]");
  EXPECT_EQ(received.substr(9, 4), std::string("\x81\x7e\x00\xc8", 4));
  EXPECT_EQ(received.substr(13), std::string(200, 'x'));
}

TEST(WriteBehindStream, FlushCompletesOnceEverythingIsInTheKernel) {
  asio::io_context io;
  SocketPair pair(io);
  WriteBehindStream stream(std::move(*pair.server), 64 * 1024);
  stream.set_held(true);
  SequentialWriter writer{stream, {"close frame"}};
  writer.start_next();
  std::optional<boost::beast::error_code> flushed;
  io.run_for(std::chrono::milliseconds(20));
  stream.async_flush([&](boost::beast::error_code error) { flushed = error; });
  io.restart();
  io.run_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(flushed.has_value());
  EXPECT_FALSE(*flushed);
  EXPECT_EQ(stream.written_bytes(), 11u) << "a flush releases what was held";
}

TEST(WriteBehindStream, ABrokenSocketFailsTheWritesThatFollow) {
  asio::io_context io;
  SocketPair pair(io);
  WriteBehindStream stream(std::move(*pair.server), 1024);
  // The peer resets the connection: the next socket writes fail.
  pair.peer.set_option(asio::socket_base::linger(true, 0));
  pair.peer.close();
  SequentialWriter writer{stream, {}};
  for (std::size_t index = 0; index < 2000; ++index) writer.messages.push_back(numbered_message(index, 100));
  writer.start_next();
  io.run_for(std::chrono::seconds(2));
  EXPECT_TRUE(writer.error) << "the failure must reach the writer";
  EXPECT_LT(writer.completed, writer.messages.size());
}

}  // namespace
}  // namespace resync::server::shell
