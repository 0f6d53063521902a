#include "sim/runner/target_probe.hpp"

#include <unistd.h>

#include <chrono>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "protocol/engineio_packet.hpp"
#include "sim/client/chat_client.hpp"
#include "sim/runner/socket_chat_client.hpp"

namespace resync::sim {

namespace {

namespace asio = boost::asio;

// The probe polls its clients' timers and its own phase deadlines this often.
constexpr std::int64_t probe_tick_ms = 5;

class TargetProbe {
 public:
  TargetProbe(std::string host, std::uint16_t port, const std::string& chat_event, const std::string& offset_auth_field)
      : host_(std::move(host)), port_(port), nonce_(std::to_string(::getpid())),
        plain_(probe_client("resync-probe-plain-" + nonce_, SendMode::plain), {chat_event, offset_auth_field}, 1),
        acked_(probe_client("resync-probe-acked-" + nonce_, SendMode::acked), {chat_event, offset_auth_field}, 2),
        plain_socket_(io_, plain_, host_, port_, hooks(plain_first_frame_)),
        acked_socket_(io_, acked_, host_, port_, hooks(acked_first_frame_)) {}

  ProbeObservations run() {
    started_ = std::chrono::steady_clock::now();
    phase_deadline_ms_ = probe_connect_wait_ms;
    plain_.connect(0);
    acked_.connect(0);
    plain_socket_.pump();
    acked_socket_.pump();
    tick();
    io_.run();
    return seen_;
  }

 private:
  enum class Phase { connecting, awaiting_broadcast, awaiting_ack, done };

  static ClientSpec probe_client(std::string name, SendMode send_mode) {
    ClientSpec spec;
    spec.name = std::move(name);
    spec.policy = ClientPolicy::dedupe;
    spec.send_mode = send_mode;
    spec.ack_timeout_ms = probe_ack_wait_ms;
    spec.retries = 0;  // one try: a resend would only stretch the wait
    return spec;
  }

  std::int64_t now_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_).count();
  }

  std::string plain_content() const { return "resync probe " + nonce_ + " (plain)"; }
  std::string acked_content() const { return "resync probe " + nonce_ + " (acked)"; }

  void tick() {
    if (phase_ == Phase::done) return;
    advance(now_ms());
    if (phase_ == Phase::done) return;
    timer_.expires_after(std::chrono::milliseconds(probe_tick_ms));
    timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error) tick();
    });
  }

  // Moves on when the awaited answer came or its wait ran out; each phase has its own bound.
  void advance(std::int64_t now) {
    const bool waited_out = now >= phase_deadline_ms_;
    switch (phase_) {
      case Phase::connecting:
        if (plain_.connected() && acked_.connected()) {
          seen_.socketio_connected = true;
          plain_.send(plain_content(), now);
          plain_socket_.pump();
          enter(Phase::awaiting_broadcast, now + probe_broadcast_wait_ms);
        } else if (waited_out) {
          finish();
        }
        return;
      case Phase::awaiting_broadcast:
        if (seen_.broadcast_with_id || waited_out) {
          acked_.send(acked_content(), now);
          acked_socket_.pump();
          // The client's own ack timeout fires at the same bound; a little more lets it report.
          enter(Phase::awaiting_ack, now + probe_ack_wait_ms + probe_tick_ms * 4);
        }
        return;
      case Phase::awaiting_ack:
        if (seen_.acknowledged || ack_given_up_ || waited_out) finish();
        return;
      case Phase::done:
        return;
    }
  }

  void enter(Phase phase, std::int64_t deadline_ms) {
    phase_ = phase;
    phase_deadline_ms_ = deadline_ms;
  }

  void finish() {
    phase_ = Phase::done;
    timer_.cancel();
    plain_socket_.close_all();
    acked_socket_.close_all();
    io_.stop();
  }

  // The clients' history records are what the probe learns from.
  void observe(const history::EventPayload& event) {
    const auto* received = std::get_if<history::MessageReceived>(&event);
    const auto* refused = std::get_if<history::ClientConnectError>(&event);
    const auto* disconnected = std::get_if<history::ClientDisconnected>(&event);
    if (received && received->content == plain_content()) {
      seen_.broadcast_with_id = true;  // ChatClient reports only events whose third argument is an integer id
    } else if (std::holds_alternative<history::MessageAcked>(event)) {
      seen_.acknowledged = true;
    } else if (std::holds_alternative<history::SendAbandoned>(event)) {
      ack_given_up_ = true;
    } else if ((refused || disconnected) && !seen_.socketio_connected) {
      if (seen_.transport_problem.empty()) seen_.transport_problem = refused ? refused->message : disconnected->reason;
    }
  }

  // `first_frame` is that client's: set when a WebSocket opens, so the first frame on each
  // is checked for Engine.IO's open packet.
  SocketChatClientHooks hooks(bool& first_frame) {
    SocketChatClientHooks hooks;
    hooks.now_ms = [this] { return now_ms(); };
    hooks.on_record = [this](const history::EventPayload& record) { observe(record); };
    hooks.on_open = [this, &first_frame] {
      seen_.websocket_opened = true;
      first_frame = true;
    };
    hooks.on_frame = [this, &first_frame](const std::string& text) {
      if (!first_frame) return;
      first_frame = false;
      const auto packet = protocol::engineio::parse_packet(text);
      if (packet && packet->type == protocol::engineio::PacketType::open &&
          protocol::engineio::parse_open_packet_data(packet->data)) {
        seen_.engineio_open_packet = true;
      } else if (seen_.transport_problem.empty()) {
        seen_.transport_problem = "first frame: " + text.substr(0, first_frame_quote_bytes_max);
      }
    };
    hooks.on_closed = [this](const std::string& reason) {
      if (!seen_.socketio_connected && seen_.transport_problem.empty()) seen_.transport_problem = reason;
    };
    return hooks;
  }

  static constexpr std::size_t first_frame_quote_bytes_max = 80;

  asio::io_context io_;
  asio::steady_timer timer_{io_};
  std::string host_;
  std::uint16_t port_;
  std::string nonce_;  // keeps this run's probe messages apart from earlier runs' in a long-lived target
  ChatClient plain_;
  ChatClient acked_;
  bool plain_first_frame_ = false;
  bool acked_first_frame_ = false;
  SocketChatClient plain_socket_;
  SocketChatClient acked_socket_;
  std::chrono::steady_clock::time_point started_;
  Phase phase_ = Phase::connecting;
  std::int64_t phase_deadline_ms_ = 0;
  bool ack_given_up_ = false;
  ProbeObservations seen_;
};

}  // namespace

TargetFindings probe_target(const std::string& host, std::uint16_t port, const std::string& target,
                            const std::string& chat_event, const std::string& offset_auth_field) {
  TargetProbe probe(host, port, chat_event, offset_auth_field);
  return decide_findings(target, chat_event, probe.run());
}

}  // namespace resync::sim
