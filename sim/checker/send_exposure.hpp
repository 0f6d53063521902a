#pragma once
// Whether a fault or a disconnect could have eaten one attempt of a send before the server
// read it (docs/HISTORY.md, "When a send counts as read"). An attempt at t on a connection
// counts as read when, for send_settle_ms after t (or until a converged run ended), the
// connection stayed up and the server did not start again, and from the connection's
// `connecting` line to t + send_settle_ms the server did not stop and no fault that can eat
// this client's upstream bytes was active.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/checker/client_connections.hpp"
#include "sim/checker/fault_windows.hpp"

namespace resync::checker {

// How long after writing an EVENT a healthy connection has to get it to the server. Far
// more than a loopback or simulated round trip, far less than the ping timeout.
inline constexpr std::int64_t send_settle_ms = 1000;

struct SendAttempt {
  std::int64_t t_ms = 0;
  std::optional<std::size_t> connection;  // into ClientConnections; nullopt: no open connection
  bool server_down = false;               // its connection's node: after a server_stopped, before the next server_started
};

// What the run looked like around sends, gathered in one pass over the history.
struct SendSurroundings {
  const ClientConnections& connections;
  const std::vector<FaultWindow>& faults;
  // Per node (a line without `node` is node 0, so a single server is all node 0): a send
  // reaches the node its connection went to, and only that node's stops and starts can eat it.
  const std::map<std::int64_t, std::vector<std::int64_t>>& server_stops_t_ms;   // every server_stopped
  const std::map<std::int64_t, std::vector<std::int64_t>>& server_starts_t_ms;  // every server_started (the first one included)
  std::int64_t history_end_t_ms = 0;                     // t_ms of the last line
  // A run that converged ended with every client settled on an open connection after
  // quiet_ms without a send: its end closed no connection a send was still crossing. Any
  // other end (killed, not converged) may have cut a send short.
  bool ended_converged = false;
};

// Why the attempt could have been lost on the way, e.g. "the connection ended 200 ms later
// (disconnected: transport close)"; nullopt when nothing could have eaten it.
std::optional<std::string> what_could_have_eaten(const std::string& client, const SendAttempt& attempt,
                                                 const SendSurroundings& surroundings);

// For an attempt nothing could have eaten: where it was written and why the server must
// have read it.
std::string why_it_counts_as_read(const std::string& client, const SendAttempt& attempt,
                                  const SendSurroundings& surroundings);

}  // namespace resync::checker
