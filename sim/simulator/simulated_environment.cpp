#include "sim/simulator/simulated_environment.hpp"

#include <signal.h>

#include <algorithm>
#include <utility>

namespace resync::sim {

namespace {

// A run that has not finished after this much virtual time beyond its own bounds is cut off.
constexpr std::int64_t run_overtime_ms = 60000;
constexpr std::uint64_t events_per_run_max = 50'000'000;

}  // namespace

SimulatedEnvironment::SimulatedEnvironment(const Scenario& scenario, const SimulationOptions& options)
    : scenario_(scenario),
      world_(options),
      network_(world_, *this),
      server_(world_, network_, scenario, faulty_store_, [this](history::EventPayload event) { record(std::move(event)); }),
      clients_(world_, network_, server_, [this](history::EventPayload event) { record(std::move(event)); }),
      control_(network_),
      faults_(control_, network_, simulated_proxy_name) {}

history::History SimulatedEnvironment::run() {
  if (scenario_.server.preload_messages > 0) {
    for (std::int64_t index = 0; index < scenario_.server.preload_messages; ++index) {
      store_.insert("preloaded-" + std::to_string(index + 1), std::nullopt);
    }
    store_.commit();
  }
  fault_injector::ProxyDefinition proxy;
  proxy.name = simulated_proxy_name;
  proxy.listen = "127.0.0.1:0";
  proxy.upstream = "server:1";
  control_.create_proxy(proxy);

  ExecutionOptions execution_options;
  execution_options.seed = world_.options.seed;
  execution_options.mode = "sim";
  execution_options.target = "embedded";
  execution_options.delivery = scenario_.server.delivery;
  execution_options.replay = world_.options.replay;
  ScenarioExecution execution(scenario_, execution_options, *this);
  execution.record_run_started();
  start_server();
  execution.start();

  std::int64_t last_step_ms = 0;
  for (const Step& step : scenario_.timeline) last_step_ms = std::max(last_step_ms, step.at_ms);
  const std::int64_t cut_off_ms = last_step_ms + scenario_.converge_within_ms + run_overtime_ms;
  std::uint64_t events = 0;
  while (!world_.finished && world_.clock.run_next()) {
    if (++events > events_per_run_max || world_.clock.now_ms() > cut_off_ms) {
      record(history::RunFinished{false, "the simulation was cut off after " + std::to_string(events) + " events at " +
                                             std::to_string(world_.clock.now_ms()) + " ms of virtual time"});
      break;
    }
  }
  return std::move(history_);
}

void SimulatedEnvironment::schedule(std::int64_t time_ms, std::function<void()> work) {
  world_.clock.at_us(time_ms * 1000, [this, work = std::move(work)] {
    if (!world_.finished) work();
  });
}

void SimulatedEnvironment::record_run_started(history::RunStarted run) {
  history_.run_started_t_ms = world_.clock.now_ms();
  history_.run = std::move(run);
}

void SimulatedEnvironment::record(history::EventPayload event) {
  history_.events.push_back(history::HistoryEvent{world_.clock.now_ms(), std::move(event), 0});
}

void SimulatedEnvironment::stop_server(int signal) {
  if (!server_.running()) return;
  if (signal == SIGTERM) {
    server_.commit_for_graceful_stop();  // a graceful stop commits what it holds
  }
  // SIGKILL loses exactly the commit group in flight and the messages waiting for it, which
  // go with the host: nothing of them was acknowledged.
  // The simulated server ends as the real one does when nothing goes wrong: exit 0 after
  // SIGTERM, death by SIGKILL (the fields of a live server_stopped, docs/HISTORY.md).
  history::ServerStopped stopped;
  stopped.signal = signal == SIGTERM ? "SIGTERM" : "SIGKILL";
  stopped.incarnation = server_.incarnation();
  if (signal == SIGTERM) stopped.exit_status = 0;
  if (signal != SIGTERM) stopped.exit_signal = "SIGKILL";
  record(std::move(stopped));
  server_.stop();
}

// Always through the virtual clock, at the same instant for delay 0: the firing is inside a
// pipeline's on_bytes, and a stop closes the server's sockets, which feeds that pipeline.
void SimulatedEnvironment::stop_server_on_trigger(int signal, std::int64_t delay_us,
                                                  std::function<void()> on_signal_sent) {
  world_.clock.at_us(world_.clock.now_us() + delay_us, [this, signal, on_signal_sent = std::move(on_signal_sent)] {
    if (world_.finished || !server_running()) return;
    on_signal_sent();  // the signal is sent and the stop not yet recorded, as live
    stop_server(signal);
  });
}

void SimulatedEnvironment::start_server() {
  if (server_.running()) return;
  server_.start();
  record(history::ServerStarted{0, 0, server_.incarnation()});
}

// The simulated database fails at once where the live one may first stall: a held lock
// is SQLITE_BUSY without the embedded server's 5 s busy_timeout (docs/SCENARIOS.md).
StorageFaultAttempt SimulatedEnvironment::start_storage_fault(StorageFaultKind kind) {
  switch (kind) {
    case StorageFaultKind::lock_database: faulty_store_.set_mode(server::StorageFaultMode::busy); break;
    case StorageFaultKind::read_only: faulty_store_.set_mode(server::StorageFaultMode::read_only); break;
    case StorageFaultKind::full: faulty_store_.set_mode(server::StorageFaultMode::full); break;
  }
  return {StorageFaultAttempt::Outcome::started,
          "simulated store: writes fail with \"" + server::storage_fault_error_text(faulty_store_.mode()) + "\""};
}

void SimulatedEnvironment::finish() {
  world_.finished = true;
  history::CommittedLog log;
  for (auto& row : store_.read_range(0, store_.last_committed_id(), static_cast<std::size_t>(-1) >> 1)) {
    log.messages.push_back({row.id, std::move(row.content), std::move(row.client_offset)});
  }
  record(std::move(log));
}

}  // namespace resync::sim
