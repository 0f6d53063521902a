// A crowd: many connected clients with the server's heartbeat running, a few chatting, and
// optionally one that stops receiving (its downstream blackholed by a proxy). The figure is
// the others' send-to-receive latency, so a run with the stalled client and one without
// show whether one bad client slows everybody (scripts/soak.sh compares them).
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "bench/load/chat_frame.hpp"
#include "bench/load/latency_figures.hpp"
#include "bench/load/load_loop.hpp"
#include "bench/load/load_modes.hpp"

namespace resync::bench {

namespace {

// Rows of an earlier run on the same server reach new connections in their catch-up; the
// process id in the marker tells this run's messages from those.
std::string crowd_marker() { return "crowd " + std::to_string(::getpid()) + ":"; }

class CrowdRun {
 public:
  CrowdRun(const LoadTarget& target, const CrowdOptions& options)
      : target_(target), options_(options), loop_(options.timeout_s), tick_(loop_.io()), marker_(crowd_marker()) {}

  nlohmann::json run() {
    open_more();
    const std::string error = loop_.run();
    for (auto& client : clients_) client->close();
    if (stalled_) stalled_->close();
    nlohmann::json figures = {{"completed", error.empty()}, {"connections", connected_},
                              {"messages", next_message_}, {"deliveries", latencies_ms_.size()}};
    add_latency_figures(figures, latencies_ms_);
    if (options_.stalled) {
      figures["stalled_connected"] = stalled_connected_;
      figures["stalled_ended"] = stalled_end_reason_.has_value();
      if (stalled_end_reason_) {
        figures["stalled_ended_after_ms"] = stalled_ended_after_ms_;
        figures["stalled_end_reason"] = *stalled_end_reason_;
      }
    }
    if (!error.empty()) figures["error"] = error;
    return figures;
  }

 private:
  int clients_wanted() const { return options_.connections + options_.senders; }

  void open_more() {
    while (static_cast<int>(clients_.size()) < clients_wanted() &&
           static_cast<int>(clients_.size()) - connected_ < options_.handshakes_in_flight_max) {
      const std::size_t index = clients_.size();
      LoadClientEvents events;
      events.on_connected = [this] {
        if (++connected_ < clients_wanted()) return open_more();
        open_stalled_then_start();
      };
      events.on_event = [this](const std::string& frame) { on_delivery(frame); };
      events.on_ack = [](std::uint64_t) {};
      events.on_lost = [this, index](const std::string& reason) {
        loop_.finish("connection " + std::to_string(index) + " was lost: " + reason);
      };
      clients_.push_back(std::make_unique<LoadClient>(loop_.io(), target_, "", std::move(events)));
    }
  }

  void open_stalled_then_start() {
    if (!options_.stalled) return start_sending();
    LoadClientEvents events;
    events.on_connected = [this] {
      stalled_connected_ = true;
      tick_.cancel();
      start_sending();
    };
    // A stalled client that never gets its CONNECT through would hold the run until its
    // timeout: bounded, and said so.
    tick_.expires_after(std::chrono::milliseconds(options_.stalled_connect_wait_ms));
    tick_.async_wait([this](boost::system::error_code error) {
      if (!error) loop_.finish("the stalled client did not connect within " + std::to_string(options_.stalled_connect_wait_ms) + " ms");
    });
    events.on_lost = [this](const std::string& reason) {
      if (stalled_end_reason_) return;
      stalled_end_reason_ = reason;
      stalled_ended_after_ms_ = std::chrono::duration<double, std::milli>(LoadClock::now() - sending_started_at_).count();
    };
    stalled_ = std::make_unique<LoadClient>(loop_.io(), *options_.stalled, "", std::move(events));
  }

  void start_sending() {
    sending_started_at_ = LoadClock::now();
    const std::int64_t messages = static_cast<std::int64_t>(options_.messages_per_second) * options_.duration_s;
    sent_at_.resize(static_cast<std::size_t>(messages));
    latencies_ms_.reserve(static_cast<std::size_t>(messages) * static_cast<std::size_t>(clients_wanted()));
    send_next();
  }

  void send_next() {
    const std::int64_t messages = static_cast<std::int64_t>(sent_at_.size());
    if (next_message_ == messages) {
      tick_.expires_after(std::chrono::milliseconds(options_.delivery_grace_ms));
      tick_.async_wait([this](boost::system::error_code error) {
        if (!error) loop_.finish();
      });
      return;
    }
    const std::int64_t number = next_message_++;
    // The senders are the last clients opened; they take turns.
    LoadClient& sender = *clients_[static_cast<std::size_t>(options_.connections + number % options_.senders)];
    sent_at_[static_cast<std::size_t>(number)] = LoadClock::now();
    sender.emit_chat(marker_ + std::to_string(number), marker_ + "offset-" + std::to_string(number),
                     static_cast<std::uint64_t>(number) + 1);
    // The schedule is fixed in advance, so a slow server gets the same load, not a lighter one.
    tick_.expires_at(sending_started_at_ + std::chrono::microseconds(1'000'000 * (number + 1) / options_.messages_per_second));
    tick_.async_wait([this](boost::system::error_code error) {
      if (!error) send_next();
    });
  }

  void on_delivery(const std::string& frame) {
    const auto now = LoadClock::now();
    if (!is_chat_message(frame) || frame.find(marker_) == std::string::npos) return;
    const auto number = number_after(frame, marker_);
    if (!number || *number < 0 || *number >= next_message_) return loop_.finish("a message nobody sent: " + frame);
    latencies_ms_.push_back(std::chrono::duration<double, std::milli>(now - sent_at_[static_cast<std::size_t>(*number)]).count());
  }

  LoadTarget target_;
  CrowdOptions options_;
  LoadLoop loop_;
  boost::asio::steady_timer tick_;
  std::string marker_;
  std::vector<std::unique_ptr<LoadClient>> clients_;
  std::unique_ptr<LoadClient> stalled_;
  int connected_ = 0;
  bool stalled_connected_ = false;
  std::optional<std::string> stalled_end_reason_;
  double stalled_ended_after_ms_ = 0;
  std::vector<LoadClock::time_point> sent_at_;
  std::vector<double> latencies_ms_;
  std::int64_t next_message_ = 0;
  LoadClock::time_point sending_started_at_ = LoadClock::now();
};

}  // namespace

nlohmann::json run_crowd(const LoadTarget& target, const CrowdOptions& options) { return CrowdRun(target, options).run(); }

}  // namespace resync::bench
