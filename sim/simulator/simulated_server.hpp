#pragma once
// The simulated server node: the shared ServerHost (the same policy as the live server) on a
// virtual-time scheduler, one SimServerSocket per accepted connection, and its log lines as
// server_log history events. Several nodes can share one SimWorld and network: nothing here
// is global.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "server/core/log_replica.hpp"
#include "server/core/message_store.hpp"
#include "server/host/server_host.hpp"
#include "sim/history/history_event.hpp"
#include "sim/scenario/scenario.hpp"
#include "sim/simulator/simulated_network.hpp"
#include "sim/simulator/simulated_redis.hpp"
#include "sim/simulator/simulated_shared_log.hpp"
#include "sim/simulator/virtual_scheduler.hpp"

namespace resync::sim {

class SimServerSocket;

// A live proxy stops reading the server while its pipeline holds this much in one direction
// (fault_injector/shell/proxied_connection.hpp, kBufferedBytesMax); the simulated server's
// socket then keeps what it cannot write, and the host's write queue fills behind it.
inline constexpr std::size_t simulated_proxy_buffered_bytes_max = 4 * 1024 * 1024;

class SimulatedServer final : public server::host::LogSink {
 public:
  using Record = std::function<void(history::EventPayload)>;
  SimulatedServer(SimWorld& world, SimulatedNetwork& network, const Scenario& scenario, server::MessageStore& store,
                  Record record);
  // Node `node` of a cluster on `redis`: its commits go to the shared log and its catch-up
  // reads its own copy of the log, empty at every start (server::InMemoryLogReplica).
  SimulatedServer(SimWorld& world, SimulatedNetwork& network, const Scenario& scenario, SimulatedRedis& redis, int node,
                  Record record);
  ~SimulatedServer() override;

  bool running() const { return host_ != nullptr; }
  int incarnation() const { return incarnation_; }
  // Starts a new incarnation (a fresh core and host over the same store).
  void start();
  // SIGTERM commits what the host holds first; SIGKILL does not (the caller rolls back).
  void commit_for_graceful_stop();
  // The process is gone: the host and its timers go, the kernel closes every socket.
  void stop();

  // The proxy dialled the server for a new client connection.
  void accept(SimConnection& connection);
  void arrive(SimConnection& connection, const std::string& bytes, bool end_of_stream);
  void connection_reset(SimConnection& connection);
  void downstream_room(SimConnection& connection);

  // server::host::LogSink: one server_log event per line.
  void log(server::host::LogLevel level, std::string_view text) override;

  SimWorld& world() { return world_; }
  SimulatedNetwork& network() { return network_; }
  server::host::ServerHost& host() { return *host_; }
  const server::host::ServerHost& host() const { return *host_; }

 private:
  // A cluster node's link to the log, which the host owns as its committer and asks as its
  // table of lost sockets (set in `options`).
  std::unique_ptr<SimulatedSharedLog> make_shared_log(server::host::HostOptions& options);

  SimWorld& world_;
  SimulatedNetwork& network_;
  const Scenario& scenario_;
  server::MessageStore* store_ = nullptr;  // a single server's
  SimulatedRedis* redis_ = nullptr;        // a cluster node's
  std::optional<int> node_;
  Record record_;
  VirtualScheduler scheduler_;
  int incarnation_ = 0;
  // A cluster node's copy of the log, one per incarnation, before the host that reads it.
  std::unique_ptr<server::InMemoryLogReplica> replica_;
  std::unique_ptr<server::host::ServerHost> host_;
  std::map<std::uint64_t, std::shared_ptr<SimServerSocket>> sockets_;  // by connection id
};

}  // namespace resync::sim
