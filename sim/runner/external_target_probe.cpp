#include "sim/runner/external_target_probe.hpp"

#include <signal.h>

#include <filesystem>

#include "sim/runner/redis_process.hpp"
#include "sim/runner/server_process.hpp"
#include "sim/runner/target_address.hpp"
#include "sim/runner/target_probe.hpp"

namespace resync::sim {

ExternalTargetProbe probe_external_target(const ExternalTarget& target, const std::string& scratch_directory) {
  ExternalTargetProbe result;
  if (target.command.empty()) {
    const auto address = parse_target_url(target.url);
    if (!address) {
      result.start_failure = "cannot read the target URL '" + target.url + "': expected http://HOST:PORT";
      return result;
    }
    result.findings = probe_target(address->host, address->port, target.url, target.chat_event, target.offset_auth_field);
    return result;
  }
  // The probe's target gets a run directory of its own, as every scenario's does, so a
  // target that keeps its database in RESYNC_RUN_DIR stores the probe's messages apart.
  std::error_code ignored;
  const std::filesystem::path run_directory = std::filesystem::path(scratch_directory) / "target";
  std::filesystem::create_directories(run_directory, ignored);
  ServerLaunch launch;
  launch.shell_command = target.command;
  launch.run_directory = std::filesystem::absolute(run_directory, ignored).string();
  launch.stderr_path = (std::filesystem::path(scratch_directory) / "server.stderr").string();
  std::filesystem::remove(launch.stderr_path, ignored);
  // Declared before the node, so it is stopped after it on every path.
  std::optional<RedisProcess> redis;
  if (target.cluster_node) {
    redis.emplace(RedisLaunch{(std::filesystem::path(scratch_directory) / "redis").string(),
                              (std::filesystem::path(scratch_directory) / "redis.log").string()});
    if (auto error = redis->start()) {
      result.start_failure = "the Redis for probing the cluster node '" + target.command + "' did not start: " + *error;
      return result;
    }
    launch.extra_environment = {"NODE_INDEX=0", "REDIS_URL=redis://127.0.0.1:" + std::to_string(redis->port())};
  }
  ServerProcess server(launch);
  if (auto error = server.start(0)) {
    result.start_failure = "the target command '" + target.command + "' did not start: " + *error;
    return result;
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  result.findings = probe_target("127.0.0.1", server.port(), url, target.chat_event, target.offset_auth_field);
  server.stop(SIGTERM);
  return result;
}

}  // namespace resync::sim
