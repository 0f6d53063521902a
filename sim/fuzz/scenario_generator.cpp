#include "sim/fuzz/scenario_generator.hpp"

#include <algorithm>

#include "sim/scenario/storage_fault_kind.hpp"

namespace resync::sim {

namespace {

nlohmann::json generate_attributes(const std::string& type) {
  using rc::gen::inRange;
  if (type == "latency") return {{"latency", *inRange(0, 2001)}, {"jitter", *inRange(0, 501)}};
  if (type == "bandwidth") return {{"rate", *inRange(1, 200)}};
  if (type == "slow_close") return {{"delay", *inRange(0, 2001)}};
  if (type == "timeout") return {{"timeout", *inRange(1, 3001)}};
  if (type == "reset_peer") return {{"timeout", *inRange(0, 1001)}};
  if (type == "slicer") {
    const int average = *inRange(1, 65);
    return {{"average_size", average}, {"size_variation", *inRange(0, average)}, {"delay", *inRange(0, 2001)}};
  }
  if (type == "limit_data") return {{"bytes", *inRange(0, 5001)}};
  return nlohmann::json::object();  // pause, close
}

nlohmann::json generate_target(const std::vector<std::string>& client_names) {
  switch (*rc::gen::inRange(0, 3)) {
    case 0: return "all";
    case 1: return {{"tag", *rc::gen::elementOf(client_names)}};
    default: return {{"nth_connection", *rc::gen::inRange(1, 6)}};
  }
}

nlohmann::json generate_trigger(const std::vector<std::string>& client_names) {
  using rc::gen::inRange;
  nlohmann::json trigger;
  switch (*inRange(0, 6)) {
    case 0: return nullptr;  // acts as soon as it is added
    case 1: trigger = {{"after_ms", *inRange(0, 2001)}}; break;
    case 2: trigger = {{"after_bytes", *inRange(0, 5001)}}; break;
    case 3: trigger = {{"after_frames", *inRange(1, 51)}}; break;
    case 4: trigger = {{"after_events", *inRange(1, 21)}}; break;
    default: trigger = {{"frame_contains", *rc::gen::element(std::string("chat message"), *rc::gen::elementOf(client_names) + "-")}}; break;
  }
  trigger["direction"] = *rc::gen::element(std::string("upstream"), std::string("downstream"));
  return trigger;
}

nlohmann::json generate_toxic(const std::vector<std::string>& client_names) {
  static const std::vector<std::string> types = {"latency", "bandwidth", "slow_close", "timeout", "reset_peer",
                                                 "slicer",  "limit_data", "pause",     "close"};
  const std::string type = *rc::gen::elementOf(types);
  nlohmann::json toxic = {{"type", type},
                          {"stream", *rc::gen::element(std::string("downstream"), std::string("upstream"), std::string("both"))},
                          {"attributes", generate_attributes(type)},
                          {"target", generate_target(client_names)}};
  if (*rc::gen::inRange(0, 10) == 0) toxic["toxicity"] = *rc::gen::element(0.0, 0.5);
  if (nlohmann::json trigger = generate_trigger(client_names); !trigger.is_null()) toxic["trigger"] = trigger;
  return toxic;
}

// Where a cluster's fault acts: every node's client link (as a single server's fault), one
// node's, or the nodes' links to Redis (one node's or all). A Redis link carries RESP, with
// no client tag and no Socket.IO events (the loader's rules): a tag target becomes "all",
// an event count a RESP message count, a text match a Redis command or reply word.
FaultPlace generate_fault_place(int nodes, nlohmann::json& toxic) {
  using rc::gen::inRange;
  FaultPlace place;
  switch (*rc::gen::element(0, 1, 2, 3)) {
    case 0:
    case 1: return place;
    case 2: place.node = *inRange(0, nodes); return place;
    default: break;
  }
  place.link = FaultLink::redis;
  if (*rc::gen::arbitrary<bool>()) place.node = *inRange(0, nodes);
  if (toxic["target"].is_object() && toxic["target"].contains("tag")) toxic["target"] = "all";
  if (toxic.contains("trigger")) {
    nlohmann::json& trigger = toxic["trigger"];
    if (trigger.contains("after_events")) {
      trigger["after_frames"] = trigger["after_events"];
      trigger.erase("after_events");
    }
    if (trigger.contains("frame_contains")) {
      trigger["frame_contains"] = *rc::gen::element(std::string("EVAL"), std::string("XREAD"), std::string("inserted"));
    }
  }
  return place;
}

// A process fault on a protocol trigger: the server's Nth ACK, the Nth EVENT to a client, or
// a client's Nth message seen going upstream; at once or a few microseconds later, which is
// where an ack sent before its row is committed is caught.
ProcessFaultTrigger generate_process_trigger(const std::vector<std::string>& client_names) {
  using rc::gen::inRange;
  ProcessFaultTrigger on;
  // element, not inRange: RapidCheck scales inRange with the size, which would starve the last kind.
  switch (*rc::gen::element(0, 1, 2)) {
    case 0: on.trigger = {{"after_acks", *inRange(1, 21)}, {"direction", "downstream"}}; break;
    case 1: on.trigger = {{"after_events", *inRange(1, 31)}, {"direction", "downstream"}}; break;
    default: {
      const std::string message = "\"" + *rc::gen::elementOf(client_names) + "-" + std::to_string(*inRange(1, 11)) + "\"";
      on.trigger = {{"frame_contains", message}, {"direction", "upstream"}};
      break;
    }
  }
  if (*inRange(0, 3) == 0) on.target = {{"tag", *rc::gen::elementOf(client_names)}};
  on.delay_us = *rc::gen::element<std::int64_t>(0, *inRange<std::int64_t>(1, 5001));
  return on;
}

// A window in which the server's database refuses writes. Up to 8 s: live, a held lock
// only turns into SQLITE_BUSY past the embedded server's 5 s busy_timeout (shorter ones
// stall it); the simulator fails at once.
StorageFaultStep generate_storage_fault(const std::vector<StorageFaultKind>& kinds) {
  StorageFaultStep storage;
  storage.kind = *rc::gen::elementOf(kinds);
  storage.duration_ms = *rc::gen::inRange<std::int64_t>(100, 8001);
  return storage;
}

// Storage faults run one at a time: a new window may not overlap an accepted one.
bool overlaps_storage_fault(const std::vector<std::pair<std::int64_t, std::int64_t>>& accepted, std::int64_t from_ms,
                            std::int64_t to_ms) {
  return std::any_of(accepted.begin(), accepted.end(),
                     [&](const auto& window) { return from_ms < window.second && window.first < to_ms; });
}

std::vector<std::string> pick_clients(const std::vector<std::string>& client_names) {
  if (*rc::gen::inRange(0, 4) == 0) return client_names;
  return {*rc::gen::elementOf(client_names)};
}

bool is_cluster_fault(const StepAction& action) {
  return std::holds_alternative<NodeFaultStep>(action) || std::holds_alternative<RestartRedisStep>(action) ||
         std::holds_alternative<PartitionNodeStep>(action);
}

// A cluster's fault: a node killed or stopped (one, or all in a rolling restart), Redis
// restarted, or a node partitioned from Redis.
Step generate_cluster_fault(int nodes, std::int64_t at_ms) {
  using rc::gen::inRange;
  switch (*inRange(0, 4)) {
    case 0: {
      NodeFaultStep fault;
      fault.node = *inRange(0, nodes);
      fault.signal = *rc::gen::element(std::string("SIGKILL"), std::string("SIGTERM"));
      fault.restart_after_ms = *inRange<std::int64_t>(0, 2001);
      return {at_ms, fault, ""};
    }
    case 1: {
      NodeFaultStep rolling;
      rolling.signal = *rc::gen::element(std::string("SIGKILL"), std::string("SIGTERM"));
      rolling.restart_after_ms = *inRange<std::int64_t>(0, 1001);
      rolling.rolling_gap_ms = *inRange<std::int64_t>(1, 1501);
      return {at_ms, rolling, ""};
    }
    case 2: {
      RestartRedisStep redis;
      redis.signal = *rc::gen::element(std::string("SIGKILL"), std::string("SIGTERM"));
      redis.down_ms = *inRange<std::int64_t>(0, 3001);
      return {at_ms, redis, ""};
    }
    default: {
      PartitionNodeStep partition;
      partition.node = *inRange(0, nodes);
      partition.duration_ms = *inRange<std::int64_t>(1, 6001);
      partition.mode = *rc::gen::element(PartitionMode::stall, PartitionMode::drop);
      return {at_ms, partition, ""};
    }
  }
}

// When a cluster step holds something down, and whether it may: restart_redis steps may not
// overlap, nor two partitions of one node (the loader's rules, docs/SCENARIOS.md).
struct ClusterWindow {
  int kind = 0;  // 0: Redis down, 1 + node: that node's partition
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;
};
std::optional<ClusterWindow> cluster_window(const Step& step) {
  if (const auto* redis = std::get_if<RestartRedisStep>(&step.action)) {
    return ClusterWindow{0, step.at_ms, step.at_ms + redis->down_ms};
  }
  if (const auto* partition = std::get_if<PartitionNodeStep>(&step.action)) {
    return ClusterWindow{1 + partition->node, step.at_ms, step.at_ms + partition->duration_ms};
  }
  return std::nullopt;
}

}  // namespace

rc::Gen<Scenario> scenario_generator(const FuzzProfile& profile) {
  return rc::gen::exec([profile] {
    using rc::gen::inRange;
    Scenario scenario;
    scenario.name = "fuzz";
    scenario.description = "Generated by resync fuzz.";
    if (profile.external_server) {
      scenario.server = *profile.external_server;
    } else {
      scenario.server.delivery = profile.delivery;
      scenario.server.ping_interval_ms = *inRange<std::int64_t>(100, 3001);
      scenario.server.ping_timeout_ms = *inRange<std::int64_t>(100, 3001);
      scenario.server.preload_messages = *rc::gen::element<std::int64_t>(0, *inRange<std::int64_t>(0, profile.preload_max + 1));
      // Often socket.io's 2-minute default; sometimes short enough for a fault to outlast it.
      scenario.server.recovery_window_ms = *rc::gen::element<std::int64_t>(120000, *inRange<std::int64_t>(100, 5001));
      if (profile.nodes > 1) {
        // A cluster's log starts empty: no preload (the loader's rule).
        scenario.server.preload_messages = 0;
        scenario.server.nodes = profile.nodes;
        scenario.server.redis = true;
        scenario.server.routing = *rc::gen::element(NodeRouting::sticky, NodeRouting::round_robin);
      }
    }

    const int client_count = *inRange(1, profile.clients_max + 1);
    std::vector<std::string> client_names;
    for (int index = 0; index < client_count; ++index) {
      ClientSpec client;
      client.name = "c" + std::to_string(index + 1);
      client.policy = *rc::gen::element(ClientPolicy::dedupe, ClientPolicy::tutorial);
      if (profile.acked_clients && *rc::gen::arbitrary<bool>()) {
        client.send_mode = SendMode::acked;
        client.ack_timeout_ms = *inRange<std::int64_t>(100, 2001);
        if (*inRange(0, 3) == 0) client.retries = *inRange(0, 6);
      }
      client.connect_at_start = *inRange(0, 10) != 0;
      // Connection state recovery as socket.io-client >= 4.6 does it (the server has it on).
      client.connection_state_recovery = *rc::gen::arbitrary<bool>();
      client_names.push_back(client.name);
      scenario.clients.push_back(client);
    }

    // The timeline is a list of independent steps, so shrinking can drop any one of them
    // (RapidCheck shrinks a container by removing elements, then by shrinking each element).
    // Without storage faults the step kinds and their weights are the ones from before they
    // existed, so a seed generates what it always did (reproducers and tests name seeds).
    const auto one_step = rc::gen::exec([profile, client_names] {
      std::vector<Step> expanded;
      const std::int64_t at_ms = *inRange<std::int64_t>(0, profile.timeline_ms_max + 1);
      const int step_kind = profile.storage_faults_max > 0 && !profile.storage_fault_kinds.empty()
                                ? *rc::gen::weightedElement<int>({{4, 0}, {4, 1}, {2, 2}, {1, 3}, {2, 4}, {1, 5}})
                                : *rc::gen::weightedElement<int>({{4, 0}, {4, 1}, {2, 2}, {1, 3}, {2, 4}});
      switch (step_kind) {
        case 5:
          expanded.push_back({at_ms, generate_storage_fault(profile.storage_fault_kinds), ""});
          break;
        case 4: {
          // A client (re)joins while another sends a burst: the catch-up races live traffic.
          SendStep send;
          send.clients = {*rc::gen::elementOf(client_names)};
          send.count = *inRange(5, 21);
          send.interval_ms = *inRange<std::int64_t>(0, 6);
          expanded.push_back({at_ms, send, ""});
          const std::vector<std::string> joining = {*rc::gen::elementOf(client_names)};
          const std::int64_t join_ms = at_ms + *inRange<std::int64_t>(0, 11);
          if (*rc::gen::arbitrary<bool>()) {
            expanded.push_back({join_ms, ReloadStep{joining}, ""});
          } else {
            expanded.push_back({join_ms, ConnectStep{joining}, ""});
          }
          break;
        }
        case 0: {
          SendStep send;
          send.clients = pick_clients(client_names);
          send.count = *inRange(1, 21);
          send.interval_ms = *inRange<std::int64_t>(0, 51);
          expanded.push_back({at_ms, send, ""});
          break;
        }
        case 1: {
          FaultStep fault;
          fault.toxic = generate_toxic(client_names);
          // Drawn only for clusters, so a single server's scenarios keep their draws.
          if (profile.nodes > 1) fault.place = generate_fault_place(profile.nodes, fault.toxic);
          expanded.push_back({at_ms, fault, ""});
          if (fault.toxic["type"] == "timeout") {
            // Toxiproxy's timeout toxic drops bytes and, once removed, lets the stream go on
            // with a hole in it: something TCP never does (a dead path either delivers
            // everything late or kills the connection). A hole can swallow a CONNECT reply or
            // one broadcast and blame the server. So generated blackholes always end by
            // closing their one connection, and nothing heals them before they have.
            const std::int64_t timeout_ms = fault.toxic["attributes"]["timeout"].get<std::int64_t>();
            fault.toxic["target"] = {{"nth_connection", *inRange(1, 6)}};
            fault.toxic.erase("trigger");
            fault.toxic.erase("toxicity");
            expanded.back().action = fault;
            expanded.push_back({at_ms + timeout_ms + 100, WaitStep{}, ""});
          } else if (*rc::gen::arbitrary<bool>()) {
            expanded.push_back({at_ms + *inRange<std::int64_t>(0, 3001), HealStep{std::string()}, ""});
          }
          break;
        }
        case 2: {
          const std::vector<std::string> clients = pick_clients(client_names);
          switch (*inRange(0, 3)) {
            case 0: expanded.push_back({at_ms, ConnectStep{clients}, ""}); break;
            case 1: expanded.push_back({at_ms, DisconnectStep{clients}, ""}); break;
            default: expanded.push_back({at_ms, ReloadStep{clients}, ""}); break;
          }
          break;
        }
        default: {
          if (profile.nodes > 1) {
            // A cluster's faults take the single server's kills' place, and a hop rides along
            // (the next session of a client goes to another node).
            expanded.push_back(generate_cluster_fault(profile.nodes, at_ms));
            if (*rc::gen::arbitrary<bool>()) {
              expanded.push_back({at_ms, HopStep{*rc::gen::elementOf(client_names), *inRange(0, profile.nodes)}, ""});
            }
            break;
          }
          KillServerStep kill;
          kill.signal = *rc::gen::element(std::string("SIGKILL"), std::string("SIGTERM"));
          kill.restart_after_ms = *inRange<std::int64_t>(0, 2001);
          if (*rc::gen::arbitrary<bool>()) kill.on = generate_process_trigger(client_names);
          expanded.push_back({at_ms, kill, ""});
          break;
        }
      }
      return expanded;
    });
    const auto raw_steps = *rc::gen::container<std::vector<std::vector<Step>>>(one_step);

    // Apply the profile's budgets in order, and name the faults f1, f2, ... so heals match.
    std::vector<Step> steps;
    int messages_left = profile.messages_max;
    int faults_left = profile.faults_max;
    int client_actions_left = profile.client_actions_max;
    int kills_left = profile.server_kills_max;
    int storage_faults_left = profile.storage_faults_max;
    int cluster_faults_left = profile.cluster_faults_max;
    std::vector<ClusterWindow> cluster_windows;
    std::vector<std::pair<std::int64_t, std::int64_t>> storage_windows;
    for (const std::vector<Step>& group : raw_steps) {
      const Step& first = group.front();
      if (const auto* send = std::get_if<SendStep>(&first.action)) {
        const int cost = send->count * static_cast<int>(send->clients.size());
        // A burst with a client joining also spends a client action (its reload or connect),
        // so --client-actions-max 0 leaves sends only.
        const bool joins = group.size() > 1;
        if (cost > messages_left || (joins && client_actions_left <= 0)) continue;
        messages_left -= cost;
        if (joins) --client_actions_left;
      } else if (std::holds_alternative<FaultStep>(first.action)) {
        if (faults_left-- <= 0) continue;
      } else if (std::holds_alternative<KillServerStep>(first.action)) {
        if (kills_left-- <= 0) continue;
      } else if (is_cluster_fault(first.action)) {
        const std::optional<ClusterWindow> window = cluster_window(first);
        const bool overlaps = window && std::any_of(cluster_windows.begin(), cluster_windows.end(), [&](const ClusterWindow& other) {
          return other.kind == window->kind && window->from_ms <= other.to_ms && other.from_ms <= window->to_ms;
        });
        if (cluster_faults_left <= 0 || overlaps) continue;
        --cluster_faults_left;
        if (window) cluster_windows.push_back(*window);
      } else if (const auto* storage = std::get_if<StorageFaultStep>(&first.action)) {
        const std::int64_t ends_ms = first.at_ms + storage->duration_ms;
        if (storage_faults_left <= 0 || overlaps_storage_fault(storage_windows, first.at_ms, ends_ms)) continue;
        --storage_faults_left;
        storage_windows.emplace_back(first.at_ms, ends_ms);
      } else if (client_actions_left-- <= 0) {
        continue;
      }
      for (Step step : group) {
        if (auto* fault = std::get_if<FaultStep>(&step.action)) fault->name = "f" + std::to_string(profile.faults_max - faults_left);
        if (auto* heal = std::get_if<HealStep>(&step.action)) heal->name = "f" + std::to_string(profile.faults_max - faults_left);
        steps.push_back(std::move(step));
      }
    }
    std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) { return a.at_ms < b.at_ms; });
    for (std::size_t index = 0; index < steps.size(); ++index) steps[index].json_path = "$.timeline[" + std::to_string(index) + "]";
    scenario.timeline = std::move(steps);
    scenario.converge_within_ms = profile.converge_within_ms;
    scenario.expect.verdict = Verdict::valid;
    return scenario;
  });
}

rc::Shrinkable<Scenario> generate_scenario(const FuzzProfile& profile, std::uint64_t seed, int size) {
  return scenario_generator(profile)(rc::Random(seed), size);
}

}  // namespace resync::sim
