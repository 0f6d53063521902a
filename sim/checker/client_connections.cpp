#include "sim/checker/client_connections.hpp"

#include <utility>

#include "sim/checker/quoted_text.hpp"

namespace resync::checker {

std::string ClientConnection::description() const {
  return "connection " + std::to_string(number) + " of " + client + " (socket id " + quote_text(socket_id) + ")";
}

void ClientConnections::end_current(const std::string& client, std::int64_t t_ms, std::string reason) {
  const auto found = current_.find(client);
  if (found == current_.end()) return;
  ClientConnection& connection = connections_[found->second];
  if (!connection.ended_t_ms) {
    connection.ended_t_ms = t_ms;
    connection.end_reason = std::move(reason);
  }
}

void ClientConnections::observe(const history::HistoryEvent& event) {
  if (const auto* connecting = event.as<history::ClientConnecting>()) {
    end_current(connecting->client, event.t_ms, "a new connection opened");
    current_[connecting->client] = connections_.size();
    connections_.push_back(ClientConnection{connecting->client, event.t_ms, std::nullopt, "", 0, std::nullopt, ""});
    connections_.back().node = connecting->node.value_or(0);
  } else if (const auto* connected = event.as<history::ClientConnected>()) {
    const auto found = current_.find(connected->client);
    if (found == current_.end() || connections_[found->second].connected_t_ms ||
        connections_[found->second].ended_t_ms) {
      // No `connecting` line opened this one (or it was used up): it opened now.
      end_current(connected->client, event.t_ms, "a new connection opened");
      current_[connected->client] = connections_.size();
      connections_.push_back(ClientConnection{connected->client, event.t_ms, std::nullopt, "", 0, std::nullopt, ""});
      connections_.back().node = connected->node.value_or(0);
    }
    ClientConnection& connection = connections_[current_[connected->client]];
    connection.connected_t_ms = event.t_ms;
    connection.socket_id = connected->socket_id;
    connection.number = ++connected_counts_[connected->client];
  } else if (const auto* disconnected = event.as<history::ClientDisconnected>()) {
    end_current(disconnected->client, event.t_ms, "disconnected: " + first_line_of(disconnected->reason));
  } else if (const auto* reloaded = event.as<history::ClientReloaded>()) {
    end_current(reloaded->client, event.t_ms, "the page reloaded");
  } else if (const auto* failed = event.as<history::ClientConnectError>()) {
    end_current(failed->client, event.t_ms, "connect_error: " + first_line_of(failed->message));
  }
}

std::optional<std::size_t> ClientConnections::open_connection_of(std::string_view client) const {
  const auto found = current_.find(client);
  if (found == current_.end()) return std::nullopt;
  const ClientConnection& connection = connections_[found->second];
  if (!connection.connected_t_ms || connection.ended_t_ms) return std::nullopt;
  return found->second;
}

}  // namespace resync::checker
