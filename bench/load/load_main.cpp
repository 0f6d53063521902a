// The load generator (a benchmark tool, not a test): Socket.IO clients of Resync's own client
// transport over real sockets, on one thread, driving a server under test. One measurement
// per run, printed as one JSON line on stdout; the exit status says whether it completed.
//   resync_load_bench ingest   --port P [--senders N --in-flight K --messages M] | --echo-peer
//   resync_load_bench fanout   --port P [--receivers N --in-flight K --messages M]
//   resync_load_bench catch-up --port P --rows R
//   resync_load_bench idle     --port P --server-pid PID --connections N
//   resync_load_bench churn    --address HOST:PORT --cycles N --transport websocket|polling
//   resync_load_bench crowd    --address HOST:PORT --connections N [--stalled-address HOST:PORT]
// Every subcommand takes --host and --port, or --address HOST:PORT.
// `ingest --echo-peer` measures the generator's own ceiling against an in-process peer that
// acks at once: a server figure near it is the client's limit, not the server's.
#include <charconv>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "bench/load/echo_ack_peer.hpp"
#include "bench/load/load_modes.hpp"

namespace {

void add_target(CLI::App& command, resync::bench::LoadTarget& target, std::string& address) {
  command.add_option("--host", target.host, "Target host")->capture_default_str();
  command.add_option("--port", target.port, "Target port (a Socket.IO server on Engine.IO v4)");
  command.add_option("--address", address, "Target as HOST:PORT (instead of --host and --port)");
}

// "127.0.0.1:3000" -> {host, port}; nullopt when it is not HOST:PORT with a port 1..65535.
std::optional<resync::bench::LoadTarget> parse_address(const std::string& address) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return std::nullopt;
  unsigned port = 0;
  const char* end = address.data() + address.size();
  const auto parsed = std::from_chars(address.data() + colon + 1, end, port);
  if (parsed.ec != std::errc{} || parsed.ptr != end || port == 0 || port > 65535) return std::nullopt;
  return resync::bench::LoadTarget{address.substr(0, colon), static_cast<std::uint16_t>(port)};
}

}  // namespace

int main(int argc, char** argv) {
  using namespace resync::bench;
  CLI::App app{"Resync's load generator: one measurement against a Socket.IO chat server, printed as JSON"};
  app.require_subcommand(1);
  LoadTarget target;
  std::string address;

  IngestOptions ingest;
  bool echo_peer = false;
  CLI::App* ingest_command = app.add_subcommand("ingest", "N senders with K acked messages in flight each");
  add_target(*ingest_command, target, address);
  ingest_command->add_option("--senders", ingest.senders, "Connected senders")->check(CLI::Range(1, 1000))->capture_default_str();
  ingest_command->add_option("--in-flight", ingest.in_flight, "Acked messages outstanding per sender")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  ingest_command->add_option("--messages", ingest.messages, "Messages to have acknowledged")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000'000}))
      ->capture_default_str();
  ingest_command->add_option("--timeout-s", ingest.timeout_s, "Give up after this long")->check(CLI::Range(1, 3600))->capture_default_str();
  ingest_command->add_flag("--echo-peer", echo_peer, "Against an in-process peer that acks at once (the generator's ceiling)");

  FanoutOptions fanout;
  CLI::App* fanout_command = app.add_subcommand("fanout", "N receivers and one sender with K acked messages in flight");
  add_target(*fanout_command, target, address);
  fanout_command->add_option("--receivers", fanout.receivers, "Connected receivers")->check(CLI::Range(1, 100000))->capture_default_str();
  fanout_command->add_option("--in-flight", fanout.in_flight, "The sender's acked messages outstanding")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  fanout_command->add_option("--messages", fanout.messages, "Messages every receiver must get")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{10'000'000}))
      ->capture_default_str();
  fanout_command->add_option("--timeout-s", fanout.timeout_s, "Give up after this long")->check(CLI::Range(1, 3600))->capture_default_str();

  CatchUpOptions catch_up;
  CLI::App* catch_up_command = app.add_subcommand("catch-up", "One new client (serverOffset 0) reads the rows the server stores");
  add_target(*catch_up_command, target, address);
  catch_up_command->add_option("--rows", catch_up.rows, "Rows the server stores (the reader waits for this many)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000'000}))
      ->required();
  catch_up_command->add_option("--timeout-s", catch_up.timeout_s, "Give up after this long")->check(CLI::Range(1, 3600))->capture_default_str();

  IdleOptions idle;
  CLI::App* idle_command = app.add_subcommand("idle", "N connected, silent clients; the server's resident memory per connection");
  add_target(*idle_command, target, address);
  idle_command->add_option("--connections", idle.connections, "Idle connections")->check(CLI::Range(1, 1'000'000))->capture_default_str();
  idle_command->add_option("--server-pid", idle.server_pid, "The server's process id (its /proc/<pid>/status is read)")->required();
  idle_command->add_option("--settle-ms", idle.settle_ms, "Wait this long after the last connection before measuring")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  idle_command->add_option("--timeout-s", idle.timeout_s, "Give up after this long")->check(CLI::Range(1, 3600))->capture_default_str();

  ChurnOptions churn;
  std::string churn_transport = "websocket";
  CLI::App* churn_command = app.add_subcommand("churn", "N connect/disconnect cycles (handshake, maybe one acked message, DISCONNECT, close)");
  add_target(*churn_command, target, address);
  churn_command->add_option("--cycles", churn.cycles, "Connect/disconnect cycles")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{10'000'000}))
      ->capture_default_str();
  churn_command->add_option("--transport", churn_transport, "Engine.IO transport")
      ->check(CLI::IsMember({"websocket", "polling"}))
      ->capture_default_str();
  churn_command->add_option("--parallel", churn.parallel, "Cycles in progress at once")->check(CLI::Range(1, 1000))->capture_default_str();
  churn_command->add_option("--message-every", churn.message_every, "Every Nth cycle sends one acked message (0: none)")
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();
  churn_command->add_option("--offset-prefix", churn.offset_prefix, "Client offsets of the messages: PREFIX + cycle number")
      ->capture_default_str();
  churn_command->add_option("--timeout-s", churn.timeout_s, "Give up after this long")->check(CLI::Range(1, 3600))->capture_default_str();

  CrowdOptions crowd;
  std::string stalled_address;
  CLI::App* crowd_command = app.add_subcommand("crowd", "N connected clients, a few chatting, optionally one stalled; latency of the rest");
  add_target(*crowd_command, target, address);
  crowd_command->add_option("--connections", crowd.connections, "Connected receivers")->check(CLI::Range(1, 1'000'000))->capture_default_str();
  crowd_command->add_option("--senders", crowd.senders, "Clients that send, in turn")->check(CLI::Range(1, 1000))->capture_default_str();
  crowd_command->add_option("--messages-per-second", crowd.messages_per_second, "Acked messages per second, all senders together")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  crowd_command->add_option("--duration-s", crowd.duration_s, "Seconds of sending")->check(CLI::Range(1, 3600))->capture_default_str();
  crowd_command->add_option("--stalled-address", stalled_address, "HOST:PORT the stalled client connects through (a proxy)");
  crowd_command->add_option("--timeout-s", crowd.timeout_s, "Give up after this long")->check(CLI::Range(1, 3600))->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  if (!address.empty()) {
    const auto parsed = parse_address(address);
    if (!parsed) {
      std::cerr << "resync_load_bench: --address must be HOST:PORT with a port 1..65535; got '" << address << "'\n";
      return 2;
    }
    target = *parsed;
  }
  if (!stalled_address.empty()) {
    crowd.stalled = parse_address(stalled_address);
    if (!crowd.stalled) {
      std::cerr << "resync_load_bench: --stalled-address must be HOST:PORT; got '" << stalled_address << "'\n";
      return 2;
    }
  }
  churn.transport = churn_transport == "polling" ? LoadTransport::polling : LoadTransport::websocket;
  if (!(ingest_command->parsed() && echo_peer) && target.port == 0) {
    std::cerr << "resync_load_bench: give --port (or --address) of the server to load (or, for ingest, --echo-peer for the generator's ceiling)\n";
    return 2;
  }

  nlohmann::json line;
  std::optional<EchoAckPeer> peer;
  if (ingest_command->parsed()) {
    if (echo_peer) target.port = peer.emplace().port();
    line = run_ingest(target, ingest);
  } else if (fanout_command->parsed()) {
    line = run_fanout(target, fanout);
  } else if (catch_up_command->parsed()) {
    line = run_catch_up(target, catch_up);
  } else if (churn_command->parsed()) {
    line = run_churn(target, churn);
  } else if (crowd_command->parsed()) {
    line = run_crowd(target, crowd);
  } else {
    line = run_idle(target, idle);
  }
  line["target"] = echo_peer ? "echo-peer" : target.host + ":" + std::to_string(target.port);
  std::cout << line.dump() << std::endl;
  return line.value("completed", false) ? 0 : 1;
}
