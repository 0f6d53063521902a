#include "sim/execution/scenario_execution.hpp"

#include <signal.h>

#include <algorithm>

#include "fault_injector/core/toxic_spec.hpp"
#include "sim/execution/scenario_cluster_steps.hpp"
#include "sim/scenario/storage_fault_kind.hpp"

namespace resync::sim {

namespace {

constexpr std::int64_t convergence_poll_interval_ms = 25;
constexpr std::int64_t heal_after_last_step_ms = 50;
// How long an external log's end must stand still before clients behind it are judged.
constexpr std::int64_t external_log_still_ms = 500;
// How soon a storage fault that found the database busy (the server inside its own write
// transaction, which lasts a commit) tries again; it gives up when its window is over.
constexpr std::int64_t storage_fault_retry_interval_ms = 5;

}  // namespace

std::uint64_t derive_seed(std::uint64_t run_seed, std::uint64_t component) {
  // splitmix64 over (seed, component): nearby seeds and components give unrelated streams.
  std::uint64_t value = run_seed + 0x9E3779B97F4A7C15ULL * (component + 1);
  value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9ULL;
  value = (value ^ (value >> 27)) * 0x94D049BB133111EBULL;
  return value ^ (value >> 31);
}

ScenarioExecution::ScenarioExecution(const Scenario& scenario, ExecutionOptions options, RunEnvironment& environment)
    : scenario_(scenario), options_(std::move(options)), environment_(environment) {
  const ClientProtocolNames names{scenario_.server.chat_event, scenario_.server.offset_auth_field};
  for (std::size_t index = 0; index < scenario_.clients.size(); ++index) {
    const ClientSpec& spec = scenario_.clients[index];
    clients_[spec.name] = std::make_unique<ChatClient>(spec, names, derive_seed(options_.seed, index + 1));
    if (options_.start_offset) clients_[spec.name]->start_from(*options_.start_offset);
  }
}

ChatClient* ScenarioExecution::client(const std::string& name) {
  const auto found = clients_.find(name);
  return found == clients_.end() ? nullptr : found->second.get();
}

void ScenarioExecution::start() {
  environment_.record(history::PhaseChanged{"faults"});
  // Without this line per firing a triggered fault would look idle in the history although
  // it cut every connection it matched.
  environment_.faults().set_fault_fired_listener(
      [this](const fault_injector::TriggerFiring& firing) { record_fault_fired(firing); });
  for (const ClientSpec& spec : scenario_.clients) {
    if (!spec.connect_at_start) continue;
    ChatClient& chat_client = *clients_.at(spec.name);
    chat_client.connect(environment_.now_ms());
    environment_.pump(chat_client);
  }
  std::int64_t last_ms = 0;
  for (const Step& step : scenario_.timeline) schedule_step(step, last_ms);
  environment_.schedule(last_ms + heal_after_last_step_ms, [this] { heal_phase(); });
}

void ScenarioExecution::record_run_started() {
  history::RunStarted run;
  run.scenario = scenario_.name;
  run.description = scenario_.description;
  run.file = scenario_.file;
  run.seed = options_.seed;
  run.mode = options_.mode;
  run.target = options_.target;
  run.delivery = options_.delivery;
  run.expect = scenario_.expect;
  if (options_.replay.is_object()) {
    const auto command = [&](const char* key) {
      const auto found = options_.replay.find(key);
      return found != options_.replay.end() && found->is_string() ? found->get<std::string>() : std::string();
    };
    run.replay_live = command("live");
    run.replay_sim = command("sim");
  }
  for (const auto& spec : scenario_.clients) run.clients.push_back(spec.name);
  run.converge_within_ms = scenario_.converge_within_ms;
  run.start_offset = options_.start_offset;
  environment_.record_run_started(std::move(run));
}

void ScenarioExecution::for_clients(const std::vector<std::string>& names, const std::function<void(ChatClient&)>& action) {
  for (const std::string& name : names) {
    if (ChatClient* chat_client = client(name)) {
      action(*chat_client);
      environment_.pump(*chat_client);
    }
  }
}

void ScenarioExecution::schedule_step(const Step& step, std::int64_t& last_ms) {
  last_ms = std::max(last_ms, step.at_ms);
  const auto when = [this](std::int64_t time_ms, std::function<void()> work) {
    environment_.schedule(time_ms, [this, work = std::move(work)] {
      if (!finished_) work();
    });
  };
  if (const auto* connect = std::get_if<ConnectStep>(&step.action)) {
    when(step.at_ms, [this, clients = connect->clients] {
      for_clients(clients, [this](ChatClient& c) { c.connect(environment_.now_ms()); });
    });
  } else if (const auto* disconnect = std::get_if<DisconnectStep>(&step.action)) {
    when(step.at_ms, [this, clients = disconnect->clients] {
      for_clients(clients, [this](ChatClient& c) { c.disconnect(environment_.now_ms()); });
    });
  } else if (const auto* reload = std::get_if<ReloadStep>(&step.action)) {
    when(step.at_ms, [this, clients = reload->clients] {
      for_clients(clients, [this](ChatClient& c) { c.reload(environment_.now_ms()); });
    });
  } else if (const auto* send = std::get_if<SendStep>(&step.action)) {
    for (int index = 0; index < send->count; ++index) {
      const std::int64_t send_ms = step.at_ms + index * send->interval_ms;
      last_ms = std::max(last_ms, send_ms);
      when(send_ms, [this, clients = send->clients, prefix = send->content_prefix] {
        for_clients(clients, [this, &prefix](ChatClient& c) {
          const std::string content = (prefix.empty() ? c.name() + "-" : prefix) + std::to_string(++sent_counts_[c.name()]);
          c.send(content, environment_.now_ms());
        });
      });
    }
  } else if (const auto* fault = std::get_if<FaultStep>(&step.action)) {
    when(step.at_ms, [this, fault = *fault] {
      const std::string type = fault.toxic.value("type", "");
      const auto line = [&](const char* action, nlohmann::json detail) {
        history::FaultChanged changed{fault.name, action, type, std::move(detail)};
        changed.link = fault.place.link;
        if (fault.place.node) changed.node = *fault.place.node;
        return changed;
      };
      if (auto error = environment_.faults().add_fault_at(fault.place, fault.name, fault.toxic)) {
        environment_.record(line("refused", *error));
        return;
      }
      fault_types_[fault.name] = type;
      fault_places_[fault.name] = fault.place;
      environment_.record(line("start", fault.toxic));
    });
  } else if (const auto* heal = std::get_if<HealStep>(&step.action)) {
    when(step.at_ms, [this, name = heal->name] {
      if (name) {
        environment_.faults().heal(*name);
      } else {
        environment_.faults().heal_all();
      }
      environment_.record(history::FaultChanged{name.value_or("*"), "heal", "", nullptr});
    });
  } else if (const auto* kill = std::get_if<KillServerStep>(&step.action); kill && kill->on) {
    when(step.at_ms, [this, &step, kill] { arm_process_fault(step, *kill); });
  } else if (const auto* kill = std::get_if<KillServerStep>(&step.action)) {
    const int signal = kill->signal == "SIGTERM" ? SIGTERM : SIGKILL;
    when(step.at_ms, [this, signal] {
      if (!environment_.controls_server()) {
        environment_.record(history::FaultChanged{"kill_server", "refused", "kill_server",
                                                  "kill_server needs the embedded server or --target-cmd"});
        return;
      }
      environment_.stop_server(signal);
    });
    if (kill->restart) {
      last_ms = std::max(last_ms, step.at_ms + kill->restart_after_ms);
      when(step.at_ms + kill->restart_after_ms, [this] {
        if (environment_.controls_server() && !environment_.server_running()) environment_.start_server();
      });
    }
  } else if (std::holds_alternative<RestartServerStep>(step.action)) {
    when(step.at_ms, [this] {
      if (environment_.controls_server() && !environment_.server_running()) environment_.start_server();
    });
  } else if (is_cluster_step(step.action)) {
    schedule_cluster_step(step, last_ms, when);
  } else if (const auto* storage = std::get_if<StorageFaultStep>(&step.action)) {
    const std::int64_t ends_ms = step.at_ms + storage->duration_ms;
    last_ms = std::max(last_ms, ends_ms);
    when(step.at_ms, [this, kind = storage->kind, duration = storage->duration_ms, ends_ms] {
      try_storage_fault(kind, duration, ends_ms);
    });
    when(ends_ms, [this] { end_storage_fault(); });
  }
}

void ScenarioExecution::try_storage_fault(StorageFaultKind kind, std::int64_t duration_ms, std::int64_t ends_ms) {
  if (finished_) return;
  const StorageFaultAttempt attempt = environment_.start_storage_fault(kind);
  const auto line = [&](const char* action, std::string detail) {
    return history::StorageFaultChanged{std::string(storage_fault_name(kind)), action, duration_ms, std::move(detail)};
  };
  switch (attempt.outcome) {
    case StorageFaultAttempt::Outcome::started: {
      storage_fault_ = {kind, duration_ms};
      environment_.record(line("start", attempt.detail));
      return;
    }
    case StorageFaultAttempt::Outcome::busy:
      if (environment_.now_ms() + storage_fault_retry_interval_ms < ends_ms) {
        environment_.schedule(environment_.now_ms() + storage_fault_retry_interval_ms,
                              [this, kind, duration_ms, ends_ms] { try_storage_fault(kind, duration_ms, ends_ms); });
        return;
      }
      [[fallthrough]];
    case StorageFaultAttempt::Outcome::refused: {
      environment_.record(line("refused", attempt.outcome == StorageFaultAttempt::Outcome::busy
                                              ? "the database stayed busy for the whole window: " + attempt.detail
                                              : attempt.detail));
      return;
    }
  }
}

void ScenarioExecution::end_storage_fault() {
  if (!storage_fault_) return;
  const auto [kind, duration_ms] = *storage_fault_;
  storage_fault_.reset();
  environment_.end_storage_fault();
  environment_.record(history::StorageFaultChanged{std::string(storage_fault_name(kind)), "end", duration_ms, ""});
}

void ScenarioExecution::heal_phase() {
  if (finished_) return;
  environment_.record(history::PhaseChanged{"heal"});
  record_process_faults_not_fired();
  environment_.faults().heal_all();
  end_storage_fault();
  heal_cluster();
  if (environment_.controls_server() && !environment_.server_running()) environment_.start_server();
  for (auto& [name, chat_client] : clients_) {
    if (!chat_client->wants_connection()) chat_client->connect(environment_.now_ms());
    environment_.pump(*chat_client);
  }
  environment_.record(history::PhaseChanged{"converge"});
  converge_deadline_ms_ = environment_.now_ms() + scenario_.converge_within_ms;
  poll_convergence();
}

bool ScenarioExecution::converged() {
  if (environment_.server_holds_unsettled_writes()) return false;
  for (auto& [name, chat_client] : clients_) {
    if (!chat_client->settled()) return false;
    if (environment_.now_ms() - chat_client->last_chat_activity_ms() < scenario_.quiet_ms) return false;
  }
  if (const auto highest = environment_.committed_highest_id()) {
    for (auto& [name, chat_client] : clients_) {
      if (chat_client->server_offset() < *highest) return false;
    }
    return true;
  }
  return external_log_settled();
}

// Quiet clients do not prove an external server is done: a slow one may still be storing and
// broadcasting a burst it received (one fsync per insert), and ending the run then blames it
// for rows it was about to deliver. So the run also waits until every client has reached the
// log's end, or until that end has stood still for the quiet period: a server that stored
// rows it never delivers is then judged on them (lost), not left to time out.
bool ScenarioExecution::external_log_settled() {
  const auto end = environment_.external_log_end();
  if (!end) return true;  // nothing to read (the finish records why the log could not be read)
  const std::int64_t now = environment_.now_ms();
  if (end != external_log_end_) {
    external_log_end_ = end;
    external_log_end_since_ms_ = now;
  }
  const bool caught_up = std::all_of(clients_.begin(), clients_.end(),
                                     [&](const auto& entry) { return entry.second->server_offset() >= *end; });
  return caught_up || now - external_log_end_since_ms_ >= std::max<std::int64_t>(scenario_.quiet_ms, external_log_still_ms);
}

void ScenarioExecution::poll_convergence() {
  if (finished_) return;
  if (converged()) return finish(true, "");
  // No step runs after the heal, so a server that is down now (it crashed, or did not
  // restart) stays down: waiting out converge_within_ms would only delay the verdict.
  if (environment_.controls_server() && !environment_.server_running() && !environment_.server_start_pending()) {
    return finish(false, "the server under test is down during the converge phase (see its server_stopped or "
                         "server_failed line), so the clients cannot converge");
  }
  if (environment_.now_ms() >= converge_deadline_ms_) {
    std::string unsettled;
    for (auto& [name, chat_client] : clients_) {
      if (!chat_client->settled()) unsettled += (unsettled.empty() ? "" : ", ") + name;
    }
    return finish(false, "no convergence within converge_within_ms=" + std::to_string(scenario_.converge_within_ms) +
                             (unsettled.empty() ? std::string(": clients settled but traffic or offsets kept moving")
                                                : ": not settled: " + unsettled));
  }
  environment_.schedule(environment_.now_ms() + convergence_poll_interval_ms, [this] { poll_convergence(); });
}

// Runs inside the proxy's byte handling (TriggerListener's rules): it only records.
void ScenarioExecution::record_fault_fired(const fault_injector::TriggerFiring& firing) {
  if (finished_) return;
  const auto type = fault_types_.find(firing.toxic_name);
  history::FaultChanged fired{firing.toxic_name, "fired", type == fault_types_.end() ? std::string() : type->second,
                              fault_injector::describe(firing.trigger) + " on connection " +
                                  std::to_string(firing.connection_id) +
                                  (firing.tag ? " (" + *firing.tag + ")" : std::string())};
  // The firing says which connection, its place says which link and node that number counts on.
  if (const auto place = fault_places_.find(firing.toxic_name); place != fault_places_.end()) {
    fired.link = place->second.link;
    if (place->second.node) fired.node = *place->second.node;
  }
  environment_.record(std::move(fired));
}

void ScenarioExecution::finish(bool converged, const std::string& detail) {
  end_storage_fault();  // a lock or a file-size limit must not outlive the run
  heal_cluster();       // nor a partition; and the committed log is read from Redis
  finished_ = true;
  environment_.faults().set_fault_fired_listener({});
  environment_.record(history::PhaseChanged{"check"});
  environment_.finish();
  environment_.record(history::RunFinished{converged, detail});
}

}  // namespace resync::sim
