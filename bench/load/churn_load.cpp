// Connection churn: `cycles` connect/disconnect cycles, `parallel` at a time. Each cycle opens
// a transport (WebSocket or long-polling), does the Engine.IO open and the Socket.IO CONNECT,
// every `message_every`-th cycle emits one acked chat message and waits for its ack, then
// sends the Socket.IO DISCONNECT and closes the transport after `linger_ms` (so the
// DISCONNECT is written before the socket goes). What it proves is in the processes around
// it: their descriptors and memory come back once the cycles are done (scripts/soak.sh).
#include <memory>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bench/load/load_loop.hpp"
#include "bench/load/load_modes.hpp"

namespace resync::bench {

namespace {

class ChurnRun {
 public:
  ChurnRun(const LoadTarget& target, const ChurnOptions& options)
      : target_(target), options_(options), loop_(options.timeout_s),
        slots_(static_cast<std::size_t>(std::max(1, options.parallel))) {}

  nlohmann::json run() {
    started_at_ = LoadClock::now();
    for (std::size_t slot = 0; slot < slots_.size(); ++slot) start_cycle(slot);
    const std::string error = loop_.run();
    for (Slot& slot : slots_) {
      if (slot.client) slot.client->close();
    }
    const double seconds = std::chrono::duration<double>(loop_.finished_at() - started_at_).count();
    nlohmann::json figures = {{"completed", error.empty()},
                              {"transport", options_.transport == LoadTransport::polling ? "polling" : "websocket"},
                              {"cycles", cycles_done_},
                              {"messages_acked", messages_acked_},
                              {"seconds", seconds}};
    if (seconds > 0) figures["cycles_per_second"] = static_cast<double>(cycles_done_) / seconds;
    if (!error.empty()) figures["error"] = error;
    return figures;
  }

 private:
  struct Slot {
    std::unique_ptr<LoadClient> client;
    std::unique_ptr<boost::asio::steady_timer> linger;
  };

  void start_cycle(std::size_t slot_index) {
    if (cycles_started_ >= options_.cycles) return;
    const std::int64_t cycle = cycles_started_++;
    const bool sends = options_.message_every > 0 && cycle % options_.message_every == 0;
    LoadClientEvents events;
    events.on_connected = [this, slot_index, cycle, sends] {
      if (!sends) return end_cycle(slot_index);
      slots_[slot_index].client->emit_chat("churn " + std::to_string(cycle), options_.offset_prefix + std::to_string(cycle), 1);
    };
    events.on_ack = [this, slot_index](std::uint64_t) {
      ++messages_acked_;
      end_cycle(slot_index);
    };
    events.on_lost = [this, cycle](const std::string& reason) {
      loop_.finish("cycle " + std::to_string(cycle) + " lost its connection before it ended: " + reason);
    };
    slots_[slot_index].client = std::make_unique<LoadClient>(loop_.io(), target_, "", std::move(events), options_.transport);
  }

  // Called from the client's own callback: the client is closed and destroyed later, off its stack.
  void end_cycle(std::size_t slot_index) {
    Slot& slot = slots_[slot_index];
    slot.client->disconnect_namespace();
    slot.linger = std::make_unique<boost::asio::steady_timer>(loop_.io(), std::chrono::milliseconds(options_.linger_ms));
    slot.linger->async_wait([this, slot_index](boost::system::error_code error) {
      if (error) return;
      Slot& ended = slots_[slot_index];
      ended.client->close();
      ended.client.reset();
      if (++cycles_done_ == options_.cycles) return loop_.finish();
      start_cycle(slot_index);
    });
  }

  LoadTarget target_;
  ChurnOptions options_;
  LoadLoop loop_;
  std::vector<Slot> slots_;
  std::int64_t cycles_started_ = 0;
  std::int64_t cycles_done_ = 0;
  std::int64_t messages_acked_ = 0;
  LoadClock::time_point started_at_ = LoadClock::now();
};

}  // namespace

nlohmann::json run_churn(const LoadTarget& target, const ChurnOptions& options) { return ChurnRun(target, options).run(); }

}  // namespace resync::bench
