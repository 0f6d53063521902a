#pragma once
// Where a cluster node keeps the sockets that lost their transport, for connection state
// recovery on whichever node the client comes back to: the cluster's table (Redis live, the
// simulator's in-memory Redis), "submit, then be told" like the commit groups. A single
// server keeps them in its core instead (ConnectionStateRecovery) and has no directory.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "server/core/connection_state_recovery.hpp"

namespace resync::server::host {

class LostSocketDirectory {
 public:
  using Found = std::function<void(std::optional<DisconnectedSocket>)>;
  virtual ~LostSocketDirectory() = default;
  // Keeps `socket` under `private_id` for `window_ms`; best effort (a Redis that is down
  // loses it, and the client's return is then a fresh socket with its catch-up).
  virtual void remember(const std::string& private_id, const DisconnectedSocket& socket, std::int64_t window_ms) = 0;
  // Finds and forgets (at most once cluster-wide) the socket of `private_id`. `found` runs
  // later on the host's thread, exactly once: with nothing when there is none, it expired,
  // or the table could not be asked.
  virtual void take(const std::string& private_id, Found found) = 0;
};

}  // namespace resync::server::host
