// The cluster steps, the same in every environment that runs a cluster (docs/SCENARIOS.md,
// "Clusters"). Node processes are stopped and started through the environment, which writes
// their server_stopped / server_started lines with the node; Redis restarts, trims and
// partitions are cluster_fault lines written here, like storage faults.
#include <signal.h>

#include <algorithm>

#include "sim/execution/scenario_cluster_steps.hpp"
#include "sim/execution/scenario_execution.hpp"

namespace resync::sim {
namespace {

history::ClusterFault cluster_line(const char* kind, const char* action, std::optional<int> node, std::string detail) {
  history::ClusterFault line{kind, action, std::nullopt, std::move(detail)};
  if (node) line.node = *node;
  return line;
}

int signal_number(const std::string& name) { return name == "SIGTERM" ? SIGTERM : SIGKILL; }

}  // namespace

void ScenarioExecution::schedule_cluster_step(const Step& step, std::int64_t& last_ms,
                                              const std::function<void(std::int64_t, std::function<void()>)>& when) {
  const int nodes = scenario_.server.nodes;
  if (const auto* hop = std::get_if<HopStep>(&step.action)) {
    when(step.at_ms, [this, client = hop->client, node = hop->node] { environment_.hop_client(client, node); });
  } else if (const auto* fault = std::get_if<NodeFaultStep>(&step.action)) {
    for (int node = 0; node < nodes; ++node) {
      if (fault->node && *fault->node != node) continue;
      const std::int64_t signal_ms = step.at_ms + (fault->rolling_gap_ms ? node * *fault->rolling_gap_ms : 0);
      last_ms = std::max(last_ms, signal_ms);
      when(signal_ms, [this, node, signal = signal_number(fault->signal)] {
        if (auto refused = environment_.stop_node(node, signal)) {
          environment_.record(history::FaultChanged{"kill_node", "refused", "kill_node", *refused});
        }
      });
      if (fault->restart) {
        last_ms = std::max(last_ms, signal_ms + fault->restart_after_ms);
        when(signal_ms + fault->restart_after_ms, [this, node] {
          if (!environment_.node_running(node)) environment_.start_node(node);
        });
      }
    }
  } else if (const auto* restart = std::get_if<RestartNodeStep>(&step.action)) {
    when(step.at_ms, [this, only = restart->node, nodes] {
      for (int node = 0; node < nodes; ++node) {
        if ((!only || *only == node) && !environment_.node_running(node)) environment_.start_node(node);
      }
    });
  } else if (const auto* redis = std::get_if<RestartRedisStep>(&step.action)) {
    last_ms = std::max(last_ms, step.at_ms + redis->down_ms);
    when(step.at_ms, [this, signal = signal_number(redis->signal)] {
      std::string error;
      if (auto how = environment_.stop_redis(signal, error)) {
        redis_held_down_ = true;
        environment_.record(cluster_line("restart_redis", "start", std::nullopt, *how));
      } else {
        environment_.record(cluster_line("restart_redis", "refused", std::nullopt, error));
      }
    });
    when(step.at_ms + redis->down_ms, [this] { start_held_down_redis(); });
  } else if (const auto* trim = std::get_if<TrimStreamStep>(&step.action)) {
    when(step.at_ms, [this, keep_last = trim->keep_last] {
      std::string error;
      if (auto how = environment_.trim_stream(keep_last, error)) {
        environment_.record(cluster_line("trim_stream", "done", std::nullopt, *how));
      } else {
        environment_.record(cluster_line("trim_stream", "refused", std::nullopt, error));
      }
    });
  } else if (const auto* partition = std::get_if<PartitionNodeStep>(&step.action)) {
    last_ms = std::max(last_ms, step.at_ms + partition->duration_ms);
    when(step.at_ms, [this, node = partition->node, mode = partition->mode] {
      std::string error;
      if (auto how = environment_.partition_node(node, mode, error)) {
        partitioned_nodes_.insert(node);
        environment_.record(cluster_line("partition_node", "start", node, *how));
      } else {
        environment_.record(cluster_line("partition_node", "refused", node, error));
      }
    });
    when(step.at_ms + partition->duration_ms, [this, node = partition->node] { heal_partition(node); });
  }
}

void ScenarioExecution::start_held_down_redis() {
  if (!redis_held_down_) return;
  redis_held_down_ = false;
  std::string error;
  if (auto how = environment_.start_redis(error)) {
    environment_.record(cluster_line("restart_redis", "end", std::nullopt, *how));
  } else {
    environment_.record(history::ServerFailed{"Redis did not start again: " + error});
  }
}

void ScenarioExecution::heal_partition(int node) {
  if (partitioned_nodes_.erase(node) == 0) return;
  environment_.heal_partition(node);
  environment_.record(cluster_line("partition_node", "end", node, ""));
}

// The heal phase lifts what the cluster steps left in force; nodes still down are started
// with the server (start_server starts every node that is down).
void ScenarioExecution::heal_cluster() {
  start_held_down_redis();
  const std::set<int> partitioned = partitioned_nodes_;
  for (int node : partitioned) heal_partition(node);
}

}  // namespace resync::sim
