#pragma once
// Real sockets on 127.0.0.1 for proxy tests: an echo server on a free port (always stopped
// by its destructor) and a blocking client whose every read has a deadline.
#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio.hpp>

namespace resync::fault_injector::testing {

namespace asio = boost::asio;
using asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

class EchoServer {
 public:
  EchoServer() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~EchoServer() {
    asio::post(io_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      io_.stop();
    });
    thread_.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }

 private:
  struct Session : std::enable_shared_from_this<Session> {
    explicit Session(tcp::socket s) : socket(std::move(s)) {}
    void read() {
      socket.async_read_some(asio::buffer(buffer), [self = shared_from_this()](boost::system::error_code error,
                                                                              std::size_t count) {
        if (error) {
          boost::system::error_code ignored;
          self->socket.shutdown(tcp::socket::shutdown_send, ignored);  // echo the EOF too
          return;
        }
        asio::async_write(self->socket, asio::buffer(self->buffer.data(), count),
                          [self](boost::system::error_code write_error, std::size_t) {
                            if (!write_error) self->read();
                          });
      });
    }
    tcp::socket socket;
    std::array<char, 65536> buffer{};
  };
  void accept() {
    acceptor_.async_accept([this](boost::system::error_code error, tcp::socket socket) {
      if (error) return;
      std::make_shared<Session>(std::move(socket))->read();
      accept();
    });
  }
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

enum class StreamEnd { still_open, clean_eof, reset, other_error };

struct ReadOutcome {
  std::string bytes;
  StreamEnd end = StreamEnd::still_open;
};

class BlockingClient {
 public:
  explicit BlockingClient(const std::string& address) : socket_(io_) {
    const auto colon = address.rfind(':');
    socket_.connect(tcp::endpoint(asio::ip::make_address(address.substr(0, colon)),
                                  static_cast<unsigned short>(std::stoi(address.substr(colon + 1)))));
    socket_.set_option(tcp::no_delay(true));
  }
  void send(const std::string& bytes) { asio::write(socket_, asio::buffer(bytes)); }
  void shutdown_send() { socket_.shutdown(tcp::socket::shutdown_send); }

  // Reads until `byte_count` bytes arrived, the stream ended, or `timeout` passed.
  ReadOutcome read(std::size_t byte_count, std::chrono::milliseconds timeout) {
    ReadOutcome outcome;
    const auto deadline = SteadyClock::now() + timeout;
    while (outcome.bytes.size() < byte_count) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
      if (left.count() <= 0) return outcome;
      pollfd descriptor{socket_.native_handle(), POLLIN, 0};
      if (::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) continue;
      char buffer[65536];
      const ssize_t count = ::recv(socket_.native_handle(), buffer,
                                   std::min(sizeof(buffer), byte_count - outcome.bytes.size()), 0);
      if (count == 0) {
        outcome.end = StreamEnd::clean_eof;
        return outcome;
      }
      if (count < 0) {
        outcome.end = errno == ECONNRESET ? StreamEnd::reset : StreamEnd::other_error;
        return outcome;
      }
      outcome.bytes.append(buffer, static_cast<std::size_t>(count));
    }
    return outcome;
  }
  // Reads whatever comes until the stream ends or `timeout` passes.
  ReadOutcome read_until_end(std::chrono::milliseconds timeout) { return read(SIZE_MAX / 2, timeout); }

 private:
  asio::io_context io_;
  tcp::socket socket_;
};

inline double elapsed_ms(SteadyClock::time_point since) {
  return std::chrono::duration<double, std::milli>(SteadyClock::now() - since).count();
}

inline std::string pattern_bytes(std::size_t count) {
  std::string bytes(count, '\0');
  for (std::size_t i = 0; i < count; ++i) bytes[i] = static_cast<char>((i * 131 + i / 7) & 0xFF);
  return bytes;
}

}  // namespace resync::fault_injector::testing
