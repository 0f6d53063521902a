// Acked-ingest load generator (not a test): `--senders` Socket.IO clients over real
// WebSockets, each keeping `--in-flight` acknowledged chat messages outstanding, until
// `--messages` are acknowledged; prints one JSON line with the rate. It drives Resync's own
// client transport (sim/runner's WebSocketClientConnection) and the protocol codecs on one
// thread, and reads replies by their prefix only, so the client stays cheap.
//
// `--echo-peer` first measures the generator's own ceiling against an in-process peer that
// acknowledges every message at once and stores nothing: a server figure near that ceiling
// says the client, not the server, was the limit.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "protocol/socketio_packet.hpp"
#include "sim/runner/websocket_client_connection.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

// An in-process peer that answers the Engine.IO open, the Socket.IO CONNECT and every acked
// event at once, one thread per connection: the generator's ceiling.
class EchoAckPeer {
 public:
  EchoAckPeer() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~EchoAckPeer() {
    stopping_ = true;
    // A blocking accept is woken by one more connection, not by closing the acceptor from
    // another thread (Asio objects are not thread-safe).
    boost::system::error_code ignored;
    tcp::socket wake(io_);
    wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ignored);
    thread_.join();
    for (auto& connection : connections_) connection.join();
  }
  std::uint16_t port() const { return port_; }

 private:
  void accept_loop() {
    while (!stopping_) {
      boost::system::error_code error;
      tcp::socket socket(io_);
      acceptor_.accept(socket, error);
      if (error || stopping_) return;
      connections_.emplace_back([socket = std::move(socket)]() mutable { serve(std::move(socket)); });
    }
  }
  static void serve(tcp::socket socket) {
    boost::system::error_code error;
    socket.set_option(tcp::no_delay(true), error);
    beast::websocket::stream<tcp::socket> websocket(std::move(socket));
    websocket.accept(error);
    if (error) return;
    websocket.text(true);
    const std::string open = R"(0{"sid":"echo","upgrades":[],"pingInterval":300000,"pingTimeout":300000,"maxPayload":1000000})";
    websocket.write(asio::buffer(open), error);
    beast::flat_buffer buffer;
    while (!error) {
      buffer.clear();
      websocket.read(buffer, error);
      if (error) return;
      const std::string text = beast::buffers_to_string(buffer.data());
      std::string reply;
      if (text.rfind("40", 0) == 0) {
        reply = R"(40{"sid":"echo-socket"})";
      } else if (text.rfind("42", 0) == 0) {
        const std::size_t digits_end = text.find('[');
        reply = "43" + text.substr(2, digits_end - 2) + "[]";
      } else {
        continue;
      }
      websocket.write(asio::buffer(reply), error);
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::vector<std::thread> connections_;
};

struct LoadOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  int senders = 10;
  int in_flight = 16;
  std::int64_t messages = 3000;
  int timeout_s = 300;
};

struct LoadResult {
  std::int64_t acked = 0;
  double seconds = 0;
  bool completed = false;
  std::string error;
};

class LoadRun {
 public:
  explicit LoadRun(const LoadOptions& options) : options_(options), senders_(static_cast<std::size_t>(options.senders)) {}

  LoadResult run() {
    for (std::size_t index = 0; index < senders_.size(); ++index) open_sender(index);
    asio::steady_timer deadline(io_);
    deadline.expires_after(std::chrono::seconds(options_.timeout_s));
    deadline.async_wait([this](boost::system::error_code error) {
      if (error) return;
      result_.error = "timed out after " + std::to_string(options_.timeout_s) + " s";
      finish();
    });
    io_.run();
    result_.acked = acked_;
    result_.seconds = std::chrono::duration<double>(finished_at_ - started_at_).count();
    return result_;
  }

 private:
  struct Sender {
    std::shared_ptr<resync::sim::ClientTransportConnection> connection;
    bool connected = false;
    int in_flight = 0;
    std::uint64_t next_ack = 1;
  };

  void open_sender(std::size_t index) {
    resync::sim::ClientTransportCallbacks callbacks;
    callbacks.on_open = [] {};
    callbacks.on_text = [this, index](std::string text) { on_text(index, text); };
    callbacks.on_closed = [this, index](std::string reason) {
      if (done_) return;
      result_.error = "sender " + std::to_string(index) + " lost its connection: " + reason;
      finish();
    };
    senders_[index].connection =
        resync::sim::WebSocketClientConnection::open(io_, options_.host, options_.port, "EIO=4&transport=websocket", callbacks);
  }

  void on_text(std::size_t index, const std::string& text) {
    if (done_) return;
    Sender& sender = senders_[index];
    if (text == "2") return sender.connection->send_text("3");
    if (text.rfind("0{", 0) == 0) return sender.connection->send_text("40");
    if (text.rfind("40", 0) == 0) {
      sender.connected = true;
      // Timing starts once every sender is connected and caught up (the database is new).
      if (++connected_ == senders_.size()) {
        started_at_ = Clock::now();
        for (std::size_t each = 0; each < senders_.size(); ++each) fill(each);
      }
      return;
    }
    if (text.rfind("43", 0) == 0) {
      --sender.in_flight;
      if (++acked_ >= options_.messages) return finish();
      fill(index);
    }
    // "42[...]": the broadcasts of everyone's messages; counted by nobody, read by the socket.
  }

  void fill(std::size_t index) {
    Sender& sender = senders_[index];
    while (sender.in_flight < options_.in_flight && claimed_ < options_.messages) {
      const std::int64_t number = ++claimed_;
      const std::uint64_t ack = sender.next_ack++;
      const nlohmann::json arguments = nlohmann::json::array(
          {"chat message", "load " + std::to_string(number), "load-" + std::to_string(index) + "-" + std::to_string(ack)});
      sender.connection->send_text("4" + resync::protocol::socketio::encode_event(arguments, ack));
      ++sender.in_flight;
    }
  }

  void finish() {
    if (done_) return;
    done_ = true;
    finished_at_ = Clock::now();
    result_.completed = result_.error.empty();
    for (Sender& sender : senders_) {
      if (sender.connection) sender.connection->close();
    }
    io_.stop();
  }

  LoadOptions options_;
  asio::io_context io_;
  std::vector<Sender> senders_;
  std::size_t connected_ = 0;
  std::int64_t claimed_ = 0;
  std::int64_t acked_ = 0;
  bool done_ = false;
  Clock::time_point started_at_ = Clock::now();
  Clock::time_point finished_at_ = Clock::now();
  LoadResult result_;
};

nlohmann::json describe(const LoadResult& result) {
  nlohmann::json line = {{"acked", result.acked}, {"seconds", result.seconds}, {"completed", result.completed}};
  if (result.seconds > 0) line["acked_per_second"] = static_cast<double>(result.acked) / result.seconds;
  if (!result.error.empty()) line["error"] = result.error;
  return line;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Acked-ingest load generator: N WebSocket senders with K acked messages in flight each"};
  LoadOptions options;
  bool echo_peer = false;
  app.add_option("--host", options.host, "Target host")->capture_default_str();
  app.add_option("--port", options.port, "Target port (a Socket.IO server on Engine.IO v4)");
  app.add_option("--senders", options.senders, "Connected senders")->check(CLI::Range(1, 1000))->capture_default_str();
  app.add_option("--in-flight", options.in_flight, "Acked messages outstanding per sender")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--messages", options.messages, "Messages to have acknowledged")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000'000}))
      ->capture_default_str();
  app.add_option("--timeout-s", options.timeout_s, "Give up after this long")->check(CLI::Range(1, 3600))->capture_default_str();
  app.add_flag("--echo-peer", echo_peer, "Measure against an in-process peer that acks at once (the generator's ceiling)");
  CLI11_PARSE(app, argc, argv);
  if (!echo_peer && options.port == 0) {
    std::cerr << "resync_load_bench: give --port of the server to load, or --echo-peer for the generator's ceiling\n";
    return 2;
  }

  LoadResult result;
  if (echo_peer) {
    EchoAckPeer peer;
    options.port = peer.port();
    result = LoadRun(options).run();
  } else {
    result = LoadRun(options).run();
  }
  nlohmann::json line = describe(result);
  line["target"] = echo_peer ? "echo-peer" : options.host + ":" + std::to_string(options.port);
  line["senders"] = options.senders;
  line["in_flight"] = options.in_flight;
  std::cout << line.dump() << std::endl;
  return result.completed ? 0 : 1;
}
