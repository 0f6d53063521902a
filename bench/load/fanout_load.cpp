// Fan-out: one sender's acked messages reach every connected receiver; the latency of each
// delivery is from the sender's emit to the receiver's read, on one clock.
#include <algorithm>
#include <memory>
#include <vector>

#include "bench/load/chat_frame.hpp"
#include "bench/load/latency_figures.hpp"
#include "bench/load/load_loop.hpp"
#include "bench/load/load_modes.hpp"

namespace resync::bench {

namespace {

constexpr std::string_view fanout_marker = "fan-out ";

class FanoutRun {
 public:
  FanoutRun(const LoadTarget& target, const FanoutOptions& options)
      : target_(target), options_(options), loop_(options.timeout_s),
        sent_at_(static_cast<std::size_t>(options.messages)),
        received_(static_cast<std::size_t>(options.receivers), 0) {
    latencies_ms_.reserve(static_cast<std::size_t>(options.receivers) * static_cast<std::size_t>(options.messages));
  }

  nlohmann::json run() {
    for (int index = 0; index < options_.receivers; ++index) open_receiver(static_cast<std::size_t>(index));
    open_sender();
    const std::string error = loop_.run();
    const double seconds = std::chrono::duration<double>(loop_.finished_at() - started_at_).count();
    nlohmann::json figures = {{"completed", error.empty()}, {"receivers", options_.receivers},
                              {"messages", options_.messages}, {"deliveries", latencies_ms_.size()}, {"seconds", seconds}};
    if (seconds > 0) figures["deliveries_per_second"] = static_cast<double>(latencies_ms_.size()) / seconds;
    add_latency_figures(figures, latencies_ms_);
    if (!error.empty()) figures["error"] = error;
    for (auto& receiver : receivers_) receiver->close();
    sender_->close();
    return figures;
  }

 private:
  LoadClientEvents lost_ends_the_run(std::string who) {
    LoadClientEvents events;
    events.on_connected = [this] { on_connected(); };
    events.on_lost = [this, who](const std::string& reason) { loop_.finish(who + " lost its connection: " + reason); };
    return events;
  }

  void open_receiver(std::size_t index) {
    LoadClientEvents events = lost_ends_the_run("receiver " + std::to_string(index));
    events.on_event = [this, index](const std::string& frame) { on_delivery(index, frame); };
    receivers_.push_back(std::make_unique<LoadClient>(loop_.io(), target_, "", std::move(events)));
  }

  void open_sender() {
    LoadClientEvents events = lost_ends_the_run("the sender");
    events.on_ack = [this](std::uint64_t) {
      --in_flight_;
      fill();
    };
    sender_ = std::make_unique<LoadClient>(loop_.io(), target_, "", std::move(events));
  }

  void on_connected() {
    if (++connected_ < receivers_.size() + 1) return;
    started_at_ = LoadClock::now();
    fill();
  }

  void fill() {
    while (in_flight_ < options_.in_flight && next_ < options_.messages) {
      const std::int64_t number = next_++;
      sent_at_[static_cast<std::size_t>(number)] = LoadClock::now();
      sender_->emit_chat(std::string(fanout_marker) + std::to_string(number), "fan-out-" + std::to_string(number),
                         static_cast<std::uint64_t>(number) + 1);
      ++in_flight_;
    }
  }

  void on_delivery(std::size_t receiver, const std::string& frame) {
    const auto now = LoadClock::now();
    // Rows stored before the run reach a new receiver too (its catch-up): not this run's.
    if (!is_chat_message(frame) || frame.find(fanout_marker) == std::string::npos) return;
    const auto number = number_after(frame, fanout_marker);
    if (!number || *number < 0 || *number >= next_) return loop_.finish("receiver " + std::to_string(receiver) + " got a message nobody sent: " + frame);
    latencies_ms_.push_back(std::chrono::duration<double, std::milli>(now - sent_at_[static_cast<std::size_t>(*number)]).count());
    if (++received_[receiver] == options_.messages && ++receivers_done_ == receivers_.size()) loop_.finish();
  }

  LoadTarget target_;
  FanoutOptions options_;
  LoadLoop loop_;
  std::vector<std::unique_ptr<LoadClient>> receivers_;
  std::unique_ptr<LoadClient> sender_;
  std::vector<LoadClock::time_point> sent_at_;
  std::vector<std::int64_t> received_;
  std::vector<double> latencies_ms_;
  std::size_t connected_ = 0;
  std::size_t receivers_done_ = 0;
  int in_flight_ = 0;
  std::int64_t next_ = 0;
  LoadClock::time_point started_at_ = LoadClock::now();
};

}  // namespace

nlohmann::json run_fanout(const LoadTarget& target, const FanoutOptions& options) { return FanoutRun(target, options).run(); }

}  // namespace resync::bench
