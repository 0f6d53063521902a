#pragma once
// RapidCheck generators for whole scenarios: clients and their policies, send patterns,
// faults (every toxic, every trigger kind, targets, timing down to the millisecond), server
// kills and restarts, reloads. Shrinking comes with the generators: a failing scenario
// shrinks towards fewer clients, fewer steps and smaller numbers.
#include <cstdint>
#include <optional>
#include <string>

#include <rapidcheck.h>

#include "sim/scenario/scenario.hpp"

namespace resync::sim {

struct FuzzProfile {
  int clients_max = 5;
  int messages_max = 100;
  int faults_max = 10;
  int client_actions_max = 4;        // connects, disconnects and reloads
  int server_kills_max = 2;
  // lock_database, storage_read_only, storage_full (one at a time). 0 by default: a target
  // must be able to take them (live: a reachable database, a started process).
  int storage_faults_max = 0;
  // The kinds a target can take (a lock and a full disk need its database file; a read-only
  // window and a full disk need a process the harness started). Empty: storage faults off.
  std::vector<StorageFaultKind> storage_fault_kinds = {StorageFaultKind::lock_database, StorageFaultKind::read_only,
                                                       StorageFaultKind::full};
  std::int64_t timeline_ms_max = 5000;
  std::int64_t preload_max = 2000;
  std::string delivery = "strict";   // the server's --delivery
  std::int64_t converge_within_ms = 60000;
  // An external target (`resync fuzz --target-cmd/--target`): scenarios take this server as
  // is and draw none of the embedded server's settings (delivery, ping, preload, recovery
  // window), which such a target would ignore and shrinking would waste runs on.
  std::optional<ServerSpec> external_server;
  // False when the probe found the target does not acknowledge: plain clients only.
  bool acked_clients = true;
  // 2..8: clusters of this many nodes on one Redis (`resync fuzz --nodes`), with hops and the
  // cluster's faults (node kills and rolling restarts, Redis restarts, partitions) in place
  // of the single server's kills; 1: a single server, and the generator draws exactly what
  // it drew before clusters existed (seeds keep their scenarios).
  int nodes = 1;
  int cluster_faults_max = 3;
};

rc::Gen<Scenario> scenario_generator(const FuzzProfile& profile);

// Generates one scenario (with its shrinks) from a seed, outside rc::check, so a campaign
// can drive generation and shrinking with its own seed and its own property.
rc::Shrinkable<Scenario> generate_scenario(const FuzzProfile& profile, std::uint64_t seed, int size);

}  // namespace resync::sim
