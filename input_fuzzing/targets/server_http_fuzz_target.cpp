// The server's HTTP handling, a whole request at a time: the input is a byte stream as a client
// would send it on one keep-alive connection. Beast's parser reads each request with the shell's
// limits (apply_request_limits), route_http_request answers it through a ServerHost (in-memory
// store, virtual clock), exactly as HttpSession does on a socket. A WebSocket upgrade opens a
// host session and every later line of the input is one text frame of it, so Engine.IO and
// Socket.IO input reach the core too. The token "{sid}" in the input stands for the last
// long-polling session id the server gave out (the fuzzer cannot guess the random ids), so
// polls, POSTs and upgrades of a real session are reached.
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/invariant.hpp"
#include "input_fuzzing/fuzz_targets.hpp"
#include "protocol/engineio_packet.hpp"
#include "server/core/in_memory_message_store.hpp"
#include "server/core/random_id_source.hpp"
#include "server/host/admission_policy.hpp"
#include "server/host/scheduled_group_committer.hpp"
#include "server/host/server_host.hpp"
#include "server/shell/http_request_router.hpp"
#include "server/shell/static_pages.hpp"
#include "sim/simulator/virtual_clock.hpp"
#include "sim/simulator/virtual_scheduler.hpp"

namespace resync::input_fuzzing {

namespace {

namespace http = boost::beast::http;
namespace engineio = protocol::engineio;
using server::shell::HttpRequest;
using server::shell::HttpResponse;

// Bounds on one input's work, so every input ends: requests read, frames sent, clock events.
constexpr std::size_t requests_per_input_max = 64;
constexpr std::size_t frames_per_input_max = 256;
constexpr std::size_t clock_events_per_input_max = 20000;
constexpr std::int64_t virtual_time_per_input_max_us = 120'000'000;
constexpr std::string_view newest_sid_token = "{sid}";

class ErrorCountingLog final : public server::host::LogSink {
 public:
  void log(server::host::LogLevel level, std::string_view text) override {
    // The host logs an exception from the core as "the core failed on ...": network input
    // must never get that far.
    RESYNC_ASSERT(text.find("the core failed") == std::string_view::npos, std::string(text));
    if (level == server::host::LogLevel::error) ++errors;
  }
  std::size_t errors = 0;
};

class RecordingPollResponder final : public server::host::PollResponder {
 public:
  void answer_poll(std::string payload) override {
    RESYNC_ASSERT(!answered, "a held GET is answered once");
    answered = true;
    last_payload = std::move(payload);
  }
  bool answered = false;
  std::string last_payload;
};

// A WebSocket that takes every packet and reports its end to the host once, after the call
// that closed it, as a real transport does.
class RecordingTransport final : public server::host::SessionTransport {
 public:
  RecordingTransport(server::host::Scheduler& scheduler, server::host::ServerHost& host)
      : scheduler_(scheduler), host_(host) {}
  void send_packet(std::string_view packet) override { bytes_queued += packet.size(); }
  void close(server::host::CloseCause) override { end(); }
  void abort() override { end(); }
  std::string describe() const override { return "fuzzed WebSocket"; }

  // The peer went away (the input ended).
  void end() {
    if (closed || !session) return;
    closed = true;
    scheduler_.post([&host = host_, session = *session] { host.on_transport_closed(session); });
  }

  std::optional<server::SessionId> session;
  std::size_t bytes_queued = 0;
  bool closed = false;

 private:
  server::host::Scheduler& scheduler_;
  server::host::ServerHost& host_;
};

// The connection as the router sees it: responses are checked and counted, polls recorded,
// an upgrade opens a host session over a RecordingTransport.
class FuzzExchange final : public server::shell::HttpExchange {
 public:
  FuzzExchange(server::host::Scheduler& scheduler, server::host::ServerHost& host)
      : scheduler_(scheduler), host_(host) {}

  void send_response(HttpResponse&& response) override {
    const unsigned status = response.result_int();
    RESYNC_ASSERT(status >= 200 && status <= 599, "every answer has a final HTTP status");
    RESYNC_ASSERT(status < 500, "no request makes the server answer with a server error");
    ++responses;
    keep_alive = response.keep_alive();
  }
  std::shared_ptr<server::host::PollResponder> hold_poll(unsigned, bool) override {
    polls.push_back(std::make_shared<RecordingPollResponder>());
    return polls.back();
  }
  void release_held_poll() override { polls.pop_back(); }
  void upgrade_to_websocket(HttpRequest&&, engineio::HandshakeQuery query) override {
    transport = std::make_shared<RecordingTransport>(scheduler_, host_);
    session = query.session_id.empty() ? host_.open_session(transport, query)
                                       : host_.attach_upgrade(query.session_id, transport);
    transport->session = session;
    upgraded = true;
  }
  std::string_view remote_address() const override { return "127.0.0.1"; }

  // The sid of the newest polling session, from the open packet its first GET was answered with.
  std::optional<std::string> newest_polling_sid() const {
    for (auto poll = polls.rbegin(); poll != polls.rend(); ++poll) {
      const std::string& payload = (*poll)->last_payload;
      if (!payload.starts_with(static_cast<char>(engineio::PacketType::open))) continue;
      protocol::ParseResult<engineio::OpenPacket> open = engineio::parse_open_packet_data(payload.substr(1));
      if (open) return open->session_id;
    }
    return std::nullopt;
  }

  std::size_t responses = 0;
  bool keep_alive = true;
  std::vector<std::shared_ptr<RecordingPollResponder>> polls;
  std::shared_ptr<RecordingTransport> transport;
  std::optional<server::SessionId> session;
  bool upgraded = false;

 private:
  server::host::Scheduler& scheduler_;
  server::host::ServerHost& host_;
};

void substitute_newest_sid(std::string& text, std::size_t from, const std::string& sid) {
  for (std::size_t at = text.find(newest_sid_token, from); at != std::string::npos;
       at = text.find(newest_sid_token, at + sid.size())) {
    text.replace(at, newest_sid_token.size(), sid);
  }
}

void run_clock(sim::VirtualClock& clock, std::int64_t until_us) {
  for (std::size_t events = 0; events < clock_events_per_input_max; ++events) {
    std::optional<std::int64_t> next = clock.next_at_us();
    if (!next || *next > until_us) return;
    clock.run_next();
  }
}

}  // namespace

void fuzz_server_http(std::string_view input) {
  sim::VirtualClock clock;
  sim::VirtualScheduler scheduler(clock);
  ErrorCountingLog log;
  server::InMemoryMessageStore store;
  server::ServerConfig config;
  config.random_bytes = server::SeededRandomBytes(1);
  config.payload_bytes_max = 4096;  // small, so the fuzzer reaches the 413 and maxPayload paths
  server::ShellLimits limits;
  limits.http_header_bytes_max = 2048;
  server::shell::ClientBundle bundle;  // absent: the bundle answers 404 with install help
  {
    server::host::ServerHost host(scheduler, log, config, store,
                                  std::make_unique<server::host::ScheduledGroupCommitter>(scheduler, store, 1000));
    // The default admission: any origin, caps far above what one input opens.
    server::host::AdmissionPolicy admission(server::host::AdmissionSettings{});
    server::shell::ShellContext context{host, limits, bundle, admission};
    FuzzExchange exchange(scheduler, host);

    std::string bytes(input);
    std::size_t position = 0;
    for (std::size_t request_index = 0; request_index < requests_per_input_max && position < bytes.size();
         ++request_index) {
      server::shell::HttpRequestParser parser;
      server::shell::apply_request_limits(parser, context);
      parser.eager(true);
      boost::beast::error_code error;
      const std::size_t responses_before = exchange.responses;
      const std::size_t polls_before = exchange.polls.size();
      while (!parser.is_done() && position < bytes.size()) {
        const std::size_t used = parser.put(boost::asio::buffer(bytes.data() + position, bytes.size() - position), error);
        position += used;
        if (error == http::error::need_more) {
          error = {};
          if (used == 0) break;  // the rest of the input is not a whole request
          continue;
        }
        if (error) break;
      }
      if (error) {
        // As HttpSession: one answer, then the connection closes.
        exchange.send_response(server::shell::response_to_unreadable_request(error));
        break;
      }
      if (!parser.is_done()) break;  // the input ended inside a request: the client went away
      HttpRequest request = parser.release();
      const bool wants_upgrade = boost::beast::websocket::is_upgrade(request);
      server::shell::route_http_request(std::move(request), context, exchange);
      const bool answered = exchange.responses == responses_before + 1;
      const bool held = exchange.polls.size() == polls_before + 1;
      RESYNC_ASSERT(answered != held || exchange.upgraded, "a request is answered or held, not both, not neither");
      RESYNC_ASSERT(!exchange.upgraded || wants_upgrade, "only a WebSocket handshake becomes a WebSocket");
      run_clock(clock, clock.now_us() + 1000);
      if (std::optional<std::string> sid = exchange.newest_polling_sid()) substitute_newest_sid(bytes, position, *sid);
      if (exchange.upgraded || !exchange.keep_alive) break;
    }

    // After an upgrade the rest is the WebSocket's text frames, one per line.
    if (exchange.upgraded && exchange.session) {
      std::string_view frames = std::string_view(bytes).substr(position);
      for (std::size_t frame = 0; frame < frames_per_input_max && !frames.empty() && !exchange.transport->closed;
           ++frame) {
        const std::size_t end = frames.find('\n');
        {
          server::host::ServerHost::InputBatch batch(host);
          host.on_text_frame(*exchange.session, frames.substr(0, end));
        }
        frames = end == std::string_view::npos ? std::string_view() : frames.substr(end + 1);
        run_clock(clock, clock.now_us() + 1000);
        if (exchange.transport->bytes_queued > 0 && !exchange.transport->closed) {
          host.on_output_written(*exchange.session, exchange.transport->bytes_queued);
          exchange.transport->bytes_queued = 0;
        }
      }
    }
    // The client goes away; heartbeats and timeouts run out, then the server stops.
    if (exchange.transport) exchange.transport->end();
    run_clock(clock, clock.now_us() + virtual_time_per_input_max_us);
    host.begin_shutdown([] {});
    run_clock(clock, clock.now_us() + virtual_time_per_input_max_us);
    RESYNC_ASSERT(host.open_session_count() == 0, "every session ends once its clients are gone and the server stops");
  }
  clock.clear();
}

}  // namespace resync::input_fuzzing
