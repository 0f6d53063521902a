// Writes a large, plausible history for the report's scale benchmark (report_bench.sh):
// N clients chatting M messages over a simulated run with link faults, reconnects and
// catch-ups, and optionally the tutorial server's catch-up race (duplicates and reordering)
// so that the report has anomalies to draw. Deterministic: same flags, same file.
//
//   resync_big_history_generator --clients 50 --messages 20000 --out big.history.jsonl [--race]
#include <algorithm>
#include <cstdint>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "common/portable_random.hpp"
#include "sim/history/history_writer.hpp"

namespace {

using resync::SeededRandom;
using resync::history::HistoryWriter;
namespace history = resync::history;

struct Options {
  int clients = 50;
  int messages = 20000;
  std::int64_t message_interval_ms = 5;  // one message every 5 ms: 20,000 messages = 100 s
  int faults = 12;
  bool race = false;                     // the tutorial server's catch-up race
  std::uint64_t seed = 1;
  std::string output = "big.history.jsonl";
};

// One line to write, kept small (1,000,000 of them fit in memory): what, when, who.
struct PendingLine {
  enum class Kind : std::uint8_t { sent, received, fault_start, fault_heal, disconnected, connecting, connect_error, connected };
  std::int64_t t_ms = 0;
  std::uint64_t sequence = 0;  // ties keep generation order
  Kind kind = Kind::sent;
  int client = 0;
  int message = 0;             // index into the messages; for connected: the offset it sends
  int fault = 0;
};

struct Outage {
  int client = 0;
  std::int64_t down_t_ms = 0;       // link reset
  std::int64_t heal_t_ms = 0;       // fault healed
  std::int64_t reconnect_t_ms = 0;  // next reconnect attempt after the heal
};

std::string client_name(int index) {
  std::string number = std::to_string(index + 1);
  return "client-" + std::string(number.size() < 2 ? 2 - number.size() : 0, '0') + number;
}

std::string message_content(int sender, int message) {
  return client_name(sender) + "-" + std::to_string(message + 1);
}

class Generator {
 public:
  explicit Generator(const Options& options) : options_(options), random_(options.seed) {}

  int run() {
    plan_messages();
    plan_outages();
    for (int client = 0; client < options_.clients; ++client) plan_deliveries(client);
    std::stable_sort(lines_.begin(), lines_.end(), [](const PendingLine& left, const PendingLine& right) {
      return left.t_ms != right.t_ms ? left.t_ms < right.t_ms : left.sequence < right.sequence;
    });
    return write();
  }

 private:
  void add(PendingLine line) {
    line.sequence = lines_.size();
    lines_.push_back(line);
  }

  void plan_messages() {
    senders_.resize(static_cast<std::size_t>(options_.messages));
    for (int message = 0; message < options_.messages; ++message) {
      senders_[static_cast<std::size_t>(message)] = static_cast<int>(random_.uniform_int(0, options_.clients - 1));
      add({send_t_ms(message), 0, PendingLine::Kind::sent, senders_[static_cast<std::size_t>(message)], message, 0});
    }
  }

  std::int64_t send_t_ms(int message) const { return 100 + message * options_.message_interval_ms; }
  std::int64_t last_send_t_ms() const { return send_t_ms(options_.messages - 1); }

  void plan_outages() {
    for (int fault = 0; fault < options_.faults; ++fault) {
      Outage outage;
      outage.client = static_cast<int>(random_.uniform_int(0, options_.clients - 1));
      // Outages of one client never overlap: consecutive faults hit different clients.
      if (!outages_.empty() && outage.client == outages_.back().client) outage.client = (outage.client + 1) % options_.clients;
      outage.down_t_ms = 500 + (last_send_t_ms() - 8000) * (fault + 1) / (options_.faults + 1);
      outage.heal_t_ms = outage.down_t_ms + random_.uniform_int(1500, 6000);
      // socket.io-client's backoff: attempts at about 1, 2, 4, 5, 5... s after the drop.
      std::int64_t attempt_t_ms = outage.down_t_ms;
      std::int64_t delay_ms = 1000;
      int attempt = 1;
      while (true) {
        attempt_t_ms += delay_ms;
        if (attempt_t_ms >= outage.heal_t_ms) break;
        add({attempt_t_ms, 0, PendingLine::Kind::connecting, outage.client, attempt, fault});
        add({attempt_t_ms, 0, PendingLine::Kind::connect_error, outage.client, 0, fault});
        delay_ms = std::min<std::int64_t>(delay_ms * 2, 5000);
        ++attempt;
      }
      outage.reconnect_t_ms = attempt_t_ms;
      add({outage.down_t_ms, 0, PendingLine::Kind::fault_start, outage.client, 0, fault});
      add({outage.down_t_ms, 0, PendingLine::Kind::disconnected, outage.client, 0, fault});
      add({outage.heal_t_ms, 0, PendingLine::Kind::fault_heal, outage.client, 0, fault});
      add({outage.reconnect_t_ms, 0, PendingLine::Kind::connecting, outage.client, attempt, fault});
      outages_.push_back(outage);
    }
  }

  const Outage* outage_at(int client, std::int64_t t_ms) const {
    for (const Outage& outage : outages_) {
      if (outage.client == client && t_ms >= outage.down_t_ms && t_ms < outage.reconnect_t_ms) return &outage;
    }
    return nullptr;
  }

  void plan_deliveries(int client) {
    std::vector<int> missed;
    const Outage* current = nullptr;
    std::int64_t previous_arrival_t_ms = 0;
    for (int message = 0; message < options_.messages; ++message) {
      // One ordered stream per client: a message never overtakes the one before it.
      const std::int64_t arrives_t_ms = std::max(previous_arrival_t_ms, send_t_ms(message) + random_.uniform_int(1, 25));
      previous_arrival_t_ms = arrives_t_ms;
      const Outage* outage = outage_at(client, arrives_t_ms);
      if (outage != nullptr) {
        current = outage;
        missed.push_back(message);
        continue;
      }
      if (current != nullptr) {
        catch_up(client, *current, missed, message);
        current = nullptr;
        missed.clear();
      }
      add({std::max(arrives_t_ms, catch_up_end_t_ms_), 0, PendingLine::Kind::received, client, message, 0});
    }
    if (current != nullptr) catch_up(client, *current, missed, options_.messages);
    catch_up_end_t_ms_ = 0;
  }

  // The reconnect and the catch-up of everything missed, one row per millisecond / 20.
  void catch_up(int client, const Outage& outage, const std::vector<int>& missed, int next_live_message) {
    const int offset = missed.empty() ? 0 : missed.front();  // the last id it had is missed.front()
    add({outage.reconnect_t_ms, 0, PendingLine::Kind::connected, client, offset, 0});
    std::int64_t t_ms = outage.reconnect_t_ms + 2;
    for (std::size_t index = 0; index < missed.size(); ++index) {
      if (index % 20 == 0) ++t_ms;
      // The tutorial server's race: live broadcasts start at once, so a live message can be
      // rendered in the middle of the catch-up (reordered), and again when the catch-up,
      // which reads the database later, reaches it (duplicated).
      if (options_.race && index == missed.size() / 2 && next_live_message < options_.messages) {
        add({t_ms, 0, PendingLine::Kind::received, client, next_live_message, 0});
      }
      add({t_ms, 0, PendingLine::Kind::received, client, missed[index], 0});
    }
    catch_up_end_t_ms_ = t_ms;
  }

  int write() {
    std::string error;
    std::optional<HistoryWriter> writer = HistoryWriter::create_file(options_.output, error, HistoryWriter::Flush::when_done);
    if (!writer) {
      std::cerr << "resync_big_history_generator: " << error << "\n";
      return 2;
    }
    history::RunStarted run;
    run.scenario = "big-" + std::to_string(options_.clients) + "-clients-" + std::to_string(options_.messages) + "-messages";
    run.file = "scenarios/" + run.scenario + ".json";
    run.seed = options_.seed;
    run.mode = "sim";
    run.delivery = options_.race ? "tutorial" : "strict";
    run.expect.verdict = resync::sim::Verdict::valid;
    run.replay_sim = "resync run " + run.file + " --mode sim --seed " + std::to_string(options_.seed);
    run.replay_live = "resync run " + run.file + " --seed " + std::to_string(options_.seed);
    for (int client = 0; client < options_.clients; ++client) run.clients.push_back(client_name(client));
    writer->write_run_started(0, run);
    writer->write(0, history::ServerStarted{0, std::nullopt, 1});
    writer->write(0, history::PhaseChanged{"faults"});
    for (int client = 0; client < options_.clients; ++client) {
      writer->write(0, history::ClientConnecting{client_name(client), 1});
      writer->write(0, history::ClientConnected{client_name(client), "socket-" + std::to_string(client), 0, false});
    }
    std::int64_t last_t_ms = 0;
    for (const PendingLine& line : lines_) {
      writer->write(line.t_ms, payload(line));
      last_t_ms = line.t_ms;
    }
    writer->write(last_t_ms + 1, history::PhaseChanged{"heal"});
    writer->write(last_t_ms + 1, history::PhaseChanged{"converge"});
    writer->write(last_t_ms + 301, history::PhaseChanged{"check"});
    history::CommittedLog log;
    for (int message = 0; message < options_.messages; ++message) {
      log.messages.push_back({message + 1, message_content(senders_[static_cast<std::size_t>(message)], message), std::nullopt});
    }
    writer->write(last_t_ms + 301, std::move(log));
    writer->write(last_t_ms + 301, history::RunFinished{true, ""});
    if (!writer->good()) {
      std::cerr << "resync_big_history_generator: writing " << options_.output << " failed\n";
      return 2;
    }
    return 0;
  }

  history::EventPayload payload(const PendingLine& line) const {
    const std::string client = client_name(line.client);
    const auto content = [&] { return message_content(senders_[static_cast<std::size_t>(line.message)], line.message); };
    const std::string fault_name = "link-" + std::to_string(line.fault + 1) + "-" + client;
    switch (line.kind) {
      case PendingLine::Kind::sent:
        return history::MessageSent{client, content(), std::nullopt, 1, false};
      case PendingLine::Kind::received:
        return history::MessageReceived{client, line.message + 1, content(), true};
      case PendingLine::Kind::fault_start:
        return history::FaultChanged{fault_name, "start", "reset_peer",
                                     {{"name", fault_name}, {"type", "reset_peer"}, {"target", {{"tag", client}}}}};
      case PendingLine::Kind::fault_heal:
        return history::FaultChanged{fault_name, "heal", "", nullptr};
      case PendingLine::Kind::disconnected:
        return history::ClientDisconnected{client, "transport error (connection reset)"};
      case PendingLine::Kind::connecting:
        return history::ClientConnecting{client, line.message};
      case PendingLine::Kind::connect_error:
        return history::ClientConnectError{client, "transport error (connection reset)"};
      case PendingLine::Kind::connected:
        return history::ClientConnected{client, "socket-" + std::to_string(line.client) + "-" + std::to_string(line.t_ms),
                                        line.message, false};
    }
    return history::PhaseChanged{"faults"};
  }

  Options options_;
  SeededRandom random_;
  std::vector<int> senders_;
  std::vector<Outage> outages_;
  std::vector<PendingLine> lines_;
  std::int64_t catch_up_end_t_ms_ = 0;  // live deliveries of the client being planned wait for its catch-up
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"Writes a large history (JSON lines) for the HTML report's scale benchmark."};
  app.add_option("--clients", options.clients, "Clients")->check(CLI::Range(1, 1000));
  app.add_option("--messages", options.messages, "Messages, one every --interval-ms")->check(CLI::Range(1, 10000000));
  app.add_option("--interval-ms", options.message_interval_ms, "Milliseconds between two messages")->check(CLI::Range(1, 60000));
  app.add_option("--faults", options.faults, "Link resets, each cutting one client off for 1.5-6 s")->check(CLI::Range(0, 1000));
  app.add_flag("--race", options.race, "Reproduce the tutorial server's catch-up race (duplicates, reordering)");
  app.add_option("--seed", options.seed, "Seed of every random choice");
  app.add_option("--out", options.output, "The history file to write")->required();
  CLI11_PARSE(app, argc, argv);
  return Generator(options).run();
}
