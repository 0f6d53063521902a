#pragma once
// Each client's connections as its lines tell them: a `connecting` line opens one, a
// `connected` line gives it a socket id and the client's connection number, and a
// `disconnected`, `reloaded` or `connect_error` line ends it. Fed the history's events in
// order, so a caller can ask which connection a line was written on.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/history/history.hpp"

namespace resync::checker {

struct ClientConnection {
  std::string client;
  std::int64_t opened_t_ms = 0;  // its `connecting` line (its `connected` line when none came first)
  std::optional<std::int64_t> connected_t_ms;
  std::string socket_id;
  std::size_t number = 0;  // 1 = the client's first connection that connected; 0 = it never did
  std::optional<std::int64_t> ended_t_ms;
  std::string end_reason;  // e.g. "disconnected: transport close"; "" while it is open
  std::int64_t node = 0;   // the cluster node its session went to; 0 for a single server

  // "connection 2 of bob (socket id \"x7\")".
  std::string description() const;
};

class ClientConnections {
 public:
  // Takes one history line; lines that are not about connections are ignored.
  void observe(const history::HistoryEvent& event);

  // The client's connection that has connected and not ended, if any: where its sends go.
  std::optional<std::size_t> open_connection_of(std::string_view client) const;
  const ClientConnection& at(std::size_t index) const { return connections_[index]; }

 private:
  void end_current(const std::string& client, std::int64_t t_ms, std::string reason);

  std::vector<ClientConnection> connections_;
  std::map<std::string, std::size_t, std::less<>> current_;            // client -> its latest connection
  std::map<std::string, std::size_t, std::less<>> connected_counts_;  // client -> connections that connected
};

}  // namespace resync::checker
