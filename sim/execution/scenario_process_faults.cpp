// kill_server / stop_server on a protocol trigger, the same in every environment. At the
// step's at_ms a watch (the fault injector's `noop` toxic with the step's trigger and target)
// goes on the proxy, so counting starts then, on each connection the target selects. The
// first connection whose trigger fires wins: the firing is recorded (process_fault `fired`:
// connection, tag, what matched), the environment signals the server delay_us later, and a
// restart follows restart_after_ms after the signal. A trigger that has not fired when the
// heal phase starts never will: a `not_fired` line says so, and nothing was stopped.
#include <signal.h>

#include "fault_injector/core/toxic_spec.hpp"
#include "sim/execution/scenario_execution.hpp"

namespace resync::sim {

namespace {

std::string watch_name(const Step& step) { return "process-fault@" + step.json_path; }

nlohmann::json process_fault_line(const std::string& action, const std::string& step_path, const KillServerStep& kill) {
  return {{"type", "process_fault"}, {"name", step_path},         {"action", action},
          {"signal", kill.signal},   {"trigger", kill.on->trigger}, {"delay_us", kill.on->delay_us}};
}

}  // namespace

void ScenarioExecution::arm_process_fault(const Step& step, const KillServerStep& kill) {
  if (!environment_.controls_server()) {
    environment_.record({{"type", "fault"}, {"name", "kill_server"}, {"action", "refused"}, {"toxic", "kill_server"},
                         {"detail", "kill_server needs the embedded server or --target-cmd"}});
    return;
  }
  const std::string name = watch_name(step);
  const nlohmann::json& trigger = kill.on->trigger;
  nlohmann::json toxic = {{"trigger", trigger}, {"target", kill.on->target}};
  // The noop watches the stream it counts, so the other direction keeps its fast path.
  if (trigger.contains("direction")) toxic["stream"] = trigger.at("direction");
  armed_process_faults_[name] = ArmedProcessFault{kill, step.json_path, environment_.now_ms()};
  environment_.record(process_fault_line("armed", step.json_path, kill));
  const auto error = environment_.faults().add_watch(
      name, toxic, [this, name](const fault_injector::TriggerFiring& firing) { on_process_fault_fired(name, firing); });
  if (error) {
    armed_process_faults_.erase(name);
    nlohmann::json line = process_fault_line("not_fired", step.json_path, kill);
    line["detail"] = "the fault proxy refused the watch for this trigger: " + *error;
    environment_.record(std::move(line));
  }
}

// Runs inside the proxy's handling of the packet that matched (TriggerListener's rules):
// the stop goes through the environment, everything else is scheduled.
void ScenarioExecution::on_process_fault_fired(const std::string& name, const fault_injector::TriggerFiring& firing) {
  const auto found = armed_process_faults_.find(name);
  if (finished_ || found == armed_process_faults_.end()) return;
  const ArmedProcessFault armed = found->second;
  armed_process_faults_.erase(found);
  const auto fired_line = [armed, firing](const std::string& postscript) {
    nlohmann::json line = process_fault_line("fired", armed.step_path, armed.kill);
    line["connection"] = firing.connection_id;
    line["tag"] = firing.tag ? nlohmann::json(*firing.tag) : nlohmann::json(nullptr);
    line["detail"] = fault_injector::describe(firing.trigger) + " on connection " + std::to_string(firing.connection_id) +
                     (firing.tag ? " (" + *firing.tag + ")" : std::string()) + "; " + armed.kill.signal + " " +
                     (armed.kill.on->delay_us == 0 ? std::string("at once")
                                                   : "after " + std::to_string(armed.kill.on->delay_us) + " us") +
                     postscript;
    return line;
  };
  if (!environment_.server_running()) {
    environment_.record(fired_line("; the server was already stopped: nothing was signalled"));
    environment_.schedule(environment_.now_ms(), [this, name] { environment_.faults().remove_watch(name); });
    return;
  }
  // With no delay the signal goes first and the line right after it (building and writing a
  // history line costs microseconds the server could use to commit); with a delay the line
  // is written now, at the firing, and the signal follows.
  const bool at_once = armed.kill.on->delay_us == 0;
  if (!at_once) environment_.record(fired_line(""));

  const int signal = armed.kill.signal == "SIGTERM" ? SIGTERM : SIGKILL;
  const bool restart = armed.kill.restart;
  const std::int64_t restart_after_ms = armed.kill.restart_after_ms;
  environment_.stop_server_on_trigger(signal, armed.kill.on->delay_us,
                                      [this, at_once, fired_line, restart, restart_after_ms] {
                                        if (at_once) environment_.record(fired_line(""));
                                        if (!restart || finished_) return;
                                        environment_.schedule(environment_.now_ms() + restart_after_ms, [this] {
                                          if (!finished_ && environment_.controls_server() &&
                                              !environment_.server_running()) {
                                            environment_.start_server();
                                          }
                                        });
                                      });
  environment_.schedule(environment_.now_ms(), [this, name] { environment_.faults().remove_watch(name); });
}

void ScenarioExecution::record_process_faults_not_fired() {
  for (const auto& [name, armed] : armed_process_faults_) {
    nlohmann::json line = process_fault_line("not_fired", armed.step_path, armed.kill);
    const fault_injector::Result<fault_injector::ToxicSpec> spec =
        fault_injector::parse_toxic_spec({{"type", "noop"}, {"trigger", armed.kill.on->trigger}});
    const std::string what = spec.ok() && spec.value().trigger ? fault_injector::describe(*spec.value().trigger)
                                                               : armed.kill.on->trigger.dump();
    line["detail"] = "the trigger (" + what + ") did not fire between its arming at " +
                     std::to_string(armed.armed_at_ms) + " ms and the heal phase: the server was not stopped";
    environment_.record(std::move(line));
    environment_.faults().remove_watch(name);
  }
  armed_process_faults_.clear();
}

}  // namespace resync::sim
