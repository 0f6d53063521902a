#include "sim/checker/send_exposure.hpp"

#include <algorithm>

namespace resync::checker {

std::optional<std::string> what_could_have_eaten(const std::string& client, const SendAttempt& attempt,
                                                 const SendSurroundings& surroundings) {
  if (!attempt.connection) return "it was written while " + client + " had no open connection";
  if (attempt.server_down) return "the server was not running when it was written";
  const ClientConnection& connection = surroundings.connections.at(*attempt.connection);
  const std::int64_t settled_t_ms = attempt.t_ms + send_settle_ms;
  if (connection.ended_t_ms && *connection.ended_t_ms <= settled_t_ms) {
    return "its connection ended " + std::to_string(*connection.ended_t_ms - attempt.t_ms) + " ms later (" +
           connection.end_reason + ")";
  }
  if (!surroundings.ended_converged && surroundings.history_end_t_ms < settled_t_ms) {
    return "the history ended " + std::to_string(surroundings.history_end_t_ms - attempt.t_ms) +
           " ms later, without a converged run_finished, before send_settle_ms (" + std::to_string(send_settle_ms) +
           " ms) had passed";
  }
  const auto first_within = [&](const std::map<std::int64_t, std::vector<std::int64_t>>& by_node, std::int64_t from_t_ms,
                                std::int64_t to_t_ms) -> std::optional<std::int64_t> {
    const auto node = by_node.find(connection.node);
    if (node == by_node.end()) return std::nullopt;
    const std::vector<std::int64_t>& times = node->second;
    const auto found = std::find_if(times.begin(), times.end(),
                                    [&](std::int64_t t_ms) { return t_ms >= from_t_ms && t_ms <= to_t_ms; });
    return found != times.end() ? std::optional(*found) : std::nullopt;
  };
  // From the connection's start, not from t: a connection made to a server incarnation that
  // has since stopped reaches no server, even while a fault hides the close from the client.
  if (const auto stop = first_within(surroundings.server_stops_t_ms, connection.opened_t_ms, settled_t_ms)) {
    return "the server stopped at " + std::to_string(*stop) + " ms, after " + connection.description() +
           " opened (" + std::to_string(connection.opened_t_ms) + " ms)";
  }
  if (const auto start = first_within(surroundings.server_starts_t_ms, attempt.t_ms, settled_t_ms)) {
    return "the server started again " + std::to_string(*start - attempt.t_ms) + " ms later";
  }
  if (const FaultWindow* fault =
          fault_that_could_eat(surroundings.faults, client, connection.opened_t_ms, settled_t_ms, connection.node)) {
    return "fault " + fault->description() + " could eat " + client + "'s upstream on " + connection.description();
  }
  return std::nullopt;
}

std::string why_it_counts_as_read(const std::string& client, const SendAttempt& attempt,
                                  const SendSurroundings& surroundings) {
  if (!attempt.connection) return "written with no open connection";  // not reached: such attempts could be eaten
  const ClientConnection& connection = surroundings.connections.at(*attempt.connection);
  const std::int64_t settled_t_ms = attempt.t_ms + send_settle_ms;
  const std::string stayed_up =
      surroundings.history_end_t_ms < settled_t_ms
          ? "stayed up until the converged run ended " +
                std::to_string(surroundings.history_end_t_ms - attempt.t_ms) + " ms later"
          : "stayed up for send_settle_ms (" + std::to_string(send_settle_ms) + " ms)";
  return "written at " + std::to_string(attempt.t_ms) + " ms on " + connection.description() + ", which " +
         stayed_up + " with the same server running and no fault on " + client + "'s upstream since it opened at " +
         std::to_string(connection.opened_t_ms) + " ms, so the server must have read it";
}

}  // namespace resync::checker
