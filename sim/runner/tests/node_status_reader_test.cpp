// The convergence check's question to a live node (GET /resync/status) against a real
// `resync serve` process: an idle node answers that it holds nothing, and a port where no
// node listens is an error that names the request, never a silent "nothing pending".
#include "sim/runner/node_status_reader.hpp"

#include <signal.h>

#include <filesystem>
#include <string>
#include <variant>

#include <gtest/gtest.h>

#include "sim/runner/server_process.hpp"

namespace resync::sim {
namespace {

std::string resync_executable;  // argv[1]: the resync binary under test

TEST(NodeStatusReader, AnIdleResyncServeNodeHoldsNoPendingCommit) {
  const std::filesystem::path directory = std::filesystem::temp_directory_path() / ("node-status-" + std::to_string(getpid()));
  std::filesystem::create_directories(directory);
  ServerLaunch launch;
  launch.serve_arguments = {resync_executable, "serve", "--host", "127.0.0.1", "--db", (directory / "chat.db").string()};
  launch.stderr_path = (directory / "server.stderr").string();
  ServerProcess server(launch);
  const auto started = server.start();
  ASSERT_FALSE(started.has_value()) << *started;

  const auto status = read_node_status("127.0.0.1", server.port(), std::chrono::milliseconds(2000));
  server.stop(SIGTERM);
  std::filesystem::remove_all(directory);
  ASSERT_TRUE(std::holds_alternative<NodeStatus>(status)) << std::get<NodeStatusError>(status).message;
  EXPECT_FALSE(std::get<NodeStatus>(status).pending_commit);
}

TEST(NodeStatusReader, APortWithoutANodeIsAnErrorNamingTheRequest) {
  const std::uint16_t port = pick_free_port();
  const auto status = read_node_status("127.0.0.1", port, std::chrono::milliseconds(2000));
  ASSERT_TRUE(std::holds_alternative<NodeStatusError>(status));
  const std::string& message = std::get<NodeStatusError>(status).message;
  EXPECT_NE(message.find("GET http://127.0.0.1:" + std::to_string(port) + "/resync/status"), std::string::npos) << message;
}

}  // namespace
}  // namespace resync::sim

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s RESYNC_EXECUTABLE\n", argv[0]);
    return 2;
  }
  resync::sim::resync_executable = argv[1];
  return RUN_ALL_TESTS();
}
