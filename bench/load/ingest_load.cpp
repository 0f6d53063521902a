// Acked ingest: every sender keeps its window of acked sends full; every client also
// receives every broadcast, as in the tutorial, which the socket reads and nobody counts.
#include <memory>
#include <vector>

#include "bench/load/load_loop.hpp"
#include "bench/load/load_modes.hpp"

namespace resync::bench {

namespace {

class IngestRun {
 public:
  IngestRun(const LoadTarget& target, const IngestOptions& options) : target_(target), options_(options), loop_(options.timeout_s) {}

  nlohmann::json run() {
    senders_.resize(static_cast<std::size_t>(options_.senders));
    for (std::size_t index = 0; index < senders_.size(); ++index) open(index);
    const std::string error = loop_.run();
    const double seconds = std::chrono::duration<double>(loop_.finished_at() - started_at_).count();
    nlohmann::json figures = {{"completed", error.empty()}, {"acked", acked_}, {"seconds", seconds},
                              {"senders", options_.senders}, {"in_flight", options_.in_flight}};
    if (seconds > 0) figures["acked_per_second"] = static_cast<double>(acked_) / seconds;
    if (!error.empty()) figures["error"] = error;
    for (Sender& sender : senders_) sender.client->close();
    return figures;
  }

 private:
  struct Sender {
    std::unique_ptr<LoadClient> client;
    int in_flight = 0;
    std::uint64_t next_ack = 1;
  };

  void open(std::size_t index) {
    LoadClientEvents events;
    events.on_connected = [this] {
      // Timing starts once every sender is connected (the database is new: no catch-up).
      if (++connected_ == senders_.size()) {
        started_at_ = LoadClock::now();
        for (std::size_t each = 0; each < senders_.size(); ++each) fill(each);
      }
    };
    events.on_ack = [this, index](std::uint64_t) {
      --senders_[index].in_flight;
      if (++acked_ >= options_.messages) return loop_.finish();
      fill(index);
    };
    events.on_lost = [this, index](const std::string& reason) {
      loop_.finish("sender " + std::to_string(index) + " lost its connection: " + reason);
    };
    senders_[index].client = std::make_unique<LoadClient>(loop_.io(), target_, "", std::move(events));
  }

  void fill(std::size_t index) {
    Sender& sender = senders_[index];
    while (sender.in_flight < options_.in_flight && claimed_ < options_.messages) {
      const std::int64_t number = ++claimed_;
      const std::uint64_t ack = sender.next_ack++;
      sender.client->emit_chat("load " + std::to_string(number), "load-" + std::to_string(index) + "-" + std::to_string(ack), ack);
      ++sender.in_flight;
    }
  }

  LoadTarget target_;
  IngestOptions options_;
  LoadLoop loop_;
  std::vector<Sender> senders_;
  std::size_t connected_ = 0;
  std::int64_t claimed_ = 0;
  std::int64_t acked_ = 0;
  LoadClock::time_point started_at_ = LoadClock::now();
};

}  // namespace

nlohmann::json run_ingest(const LoadTarget& target, const IngestOptions& options) { return IngestRun(target, options).run(); }

}  // namespace resync::bench
