#pragma once
// The readers of each part of a scenario file (internal to the loader). Each one reads its
// part at its JSON path, reports every problem to ScenarioErrors and returns what it could
// read; the loader only builds a Scenario when no reader reported anything.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fault_injector/core/result.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/scenario/scenario_bounds.hpp"
#include "sim/scenario/scenario_error.hpp"
#include "sim/scenario/scenario_json_reader.hpp"

namespace resync::sim::scenario_parts {

// A delay or timeout that must be positive.
inline constexpr scenario_json::IntegerRule kPositiveMilliseconds{1, scenario_bounds::kDurationMsMax, "milliseconds"};

// The fault injector's parser error as a scenario error's text, without its HTTP framing
// ("bad request body: ") since a scenario file is not a request (scenario_toxic_reader.cpp).
std::string injector_message(const fault_injector::ApiError& error);

// $.server (absent: the embedded server with its defaults).
ServerSpec read_server(const nlohmann::json* value, ScenarioErrors& errors);

// $.clients, expanded: a spec with count N > 1 becomes name-1 .. name-N.
class ClientRoster {
 public:
  std::vector<ClientSpec> clients;
  std::map<std::string, std::vector<std::string>, std::less<>> groups;  // spec name -> expanded names

  bool is_client(std::string_view name) const;
  std::vector<std::string> client_names() const;
  // A step's client selector: "all", a name (a client or a group), or an array of names.
  // nullopt (with an error at `path`) when it names nobody known.
  std::optional<std::vector<std::string>> resolve(const nlohmann::json& selector, const std::string& path,
                                                  ScenarioErrors& errors) const;
};

ClientRoster read_clients(const nlohmann::json* value, ScenarioErrors& errors);

// The toxic JSON of a fault step, checked by the fault injector's own parser; returns it with
// `name` set to the fault's name, ready for the injector's API. On a Redis link a target tag
// is check_toxic_fits_link's to refuse, not a client name to look up.
std::optional<nlohmann::json> read_toxic(const nlohmann::json& toxic, const std::string& path,
                                         const std::string& fault_name, FaultLink link, const ClientRoster& roster,
                                         ScenarioErrors& errors);

// A fault step's "link" and "node" (scenario_fault_place_reader.cpp); nullopt when an error
// was reported.
std::optional<FaultPlace> read_fault_place(scenario_json::ObjectReader& reader, const ServerSpec& server);
// What a Redis link cannot carry out: a target tag, a trigger on Socket.IO EVENTs or ACKs.
void check_toxic_fits_link(const nlohmann::json& toxic, const std::string& toxic_path, const FaultPlace& place,
                           ScenarioErrors& errors);
// "from 0 to 2 (server.nodes is 3; nodes count from 0)", for errors about a node index.
std::string node_range_text(const ServerSpec& server);

// The `on` object of a kill_server / stop_server step (scenario_process_trigger_reader.cpp).
std::optional<ProcessFaultTrigger> read_process_trigger(const nlohmann::json& value, const std::string& path,
                                                        const ClientRoster& roster, ScenarioErrors& errors);

// $.timeline, sorted by at_ms (stable), with the checks that need the whole order: heal of a
// fault that is not active, a fault name reused while active, a restart_server with no
// server held down, the total number of messages. `server` decides which steps fit (a
// cluster's node steps, or the single server's).
std::vector<Step> read_timeline(const nlohmann::json* value, const ClientRoster& roster, const ServerSpec& server,
                                ScenarioErrors& errors);

// The cluster steps' action keys (scenario_cluster_step_reader.cpp).
const std::vector<std::string_view>& cluster_actions();
// False (with an error at `path`) when the step does not fit the server: a cluster step
// without a cluster, or kill_server / stop_server / restart_server in a cluster.
bool check_action_fits_server(std::string_view action, const std::string& path, const ServerSpec& server,
                              ScenarioErrors& errors);
// One cluster step's value, its node indices checked against server.nodes.
std::optional<StepAction> read_cluster_step(std::string_view action, const nlohmann::json& value, const std::string& path,
                                            std::int64_t at_ms, const ClientRoster& roster, const ServerSpec& server,
                                            ScenarioErrors& errors);

// A storage fault step's value ({"duration_ms": N}); the kind comes from the action's key.
std::optional<StorageFaultStep> read_storage_fault(StorageFaultKind kind, const nlohmann::json& value,
                                                   const std::string& path, std::int64_t at_ms, ScenarioErrors& errors);

// $.expect
Expectation read_expectation(const nlohmann::json* value, ScenarioErrors& errors);

// $.only_mode (absent: both modes): sets scenario.only_mode and only_mode_reason. `server` is
// the scenario's server (an external server cannot be "sim"-only).
void read_only_mode(const nlohmann::json* value, const ServerSpec& server, Scenario& scenario, ScenarioErrors& errors);

}  // namespace resync::sim::scenario_parts
