// The load generator (a benchmark tool, not a test): Socket.IO clients of Resync's own client
// transport over real sockets, on one thread, driving a server under test. One measurement
// per run, printed as one JSON line on stdout; the exit status says whether it completed.
//   resync_load_bench ingest   --port P [--senders N --in-flight K --messages M] | --echo-peer
//   resync_load_bench fanout   --port P [--receivers N --in-flight K --messages M]
//   resync_load_bench catch-up --port P --rows R
//   resync_load_bench idle     --port P --server-pid PID --connections N
// `ingest --echo-peer` measures the generator's own ceiling against an in-process peer that
// acks at once: a server figure near it is the client's limit, not the server's.
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>

#include "bench/load/echo_ack_peer.hpp"
#include "bench/load/load_modes.hpp"

namespace {

void add_target(CLI::App& command, resync::bench::LoadTarget& target) {
  command.add_option("--host", target.host, "Target host")->capture_default_str();
  command.add_option("--port", target.port, "Target port (a Socket.IO server on Engine.IO v4)");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace resync::bench;
  CLI::App app{"Resync's load generator: one measurement against a Socket.IO chat server, printed as JSON"};
  app.require_subcommand(1);
  LoadTarget target;

  IngestOptions ingest;
  bool echo_peer = false;
  CLI::App* ingest_command = app.add_subcommand("ingest", "N senders with K acked messages in flight each");
  add_target(*ingest_command, target);
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
  add_target(*fanout_command, target);
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
  add_target(*catch_up_command, target);
  catch_up_command->add_option("--rows", catch_up.rows, "Rows the server stores (the reader waits for this many)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{100'000'000}))
      ->required();
  catch_up_command->add_option("--timeout-s", catch_up.timeout_s, "Give up after this long")->check(CLI::Range(1, 3600))->capture_default_str();

  IdleOptions idle;
  CLI::App* idle_command = app.add_subcommand("idle", "N connected, silent clients; the server's resident memory per connection");
  add_target(*idle_command, target);
  idle_command->add_option("--connections", idle.connections, "Idle connections")->check(CLI::Range(1, 1'000'000))->capture_default_str();
  idle_command->add_option("--server-pid", idle.server_pid, "The server's process id (its /proc/<pid>/status is read)")->required();
  idle_command->add_option("--settle-ms", idle.settle_ms, "Wait this long after the last connection before measuring")
      ->check(CLI::Range(0, 600000))
      ->capture_default_str();
  idle_command->add_option("--timeout-s", idle.timeout_s, "Give up after this long")->check(CLI::Range(1, 3600))->capture_default_str();

  CLI11_PARSE(app, argc, argv);
  if (!(ingest_command->parsed() && echo_peer) && target.port == 0) {
    std::cerr << "resync_load_bench: give --port of the server to load (or, for ingest, --echo-peer for the generator's ceiling)\n";
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
  } else {
    line = run_idle(target, idle);
  }
  line["target"] = echo_peer ? "echo-peer" : target.host + ":" + std::to_string(target.port);
  std::cout << line.dump() << std::endl;
  return line.value("completed", false) ? 0 : 1;
}
