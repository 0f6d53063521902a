#pragma once
// Who may connect to the server: the admission policy, pure (counts, an Origin header value, a
// remote address and `now` in; allow or a refusal out), so every rule is tested without a
// socket and the Beast shell only asks it. Three rules:
//   - a cap on open TCP connections and, separately, on open Engine.IO sessions, both
//     `connections_max` (--max-connections): a WebSocket session is one of each, a
//     long-polling session counts as a session even while none of its requests is open;
//   - a rate of new Engine.IO sessions per remote address (--per-ip-connections-per-second-max,
//     off by default);
//   - the Origin of Engine.IO requests (--allowed-origins, any by default, as socket.io).
// A refusal is an Engine.IO-style error (JSON body {"code":4,"message":...}, engine.io's code
// for a request its allowRequest refuses) with the HTTP status that says why: 503 at the cap,
// 429 over the rate, 403 for an origin not listed.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/engineio_packet.hpp"

namespace resync::server::host {

// File descriptors the server needs besides its connections: stdio, the listener, two SQLite
// connections (database, WAL and shared-memory files each), epoll, the signal pipe, the
// commit thread's wake-ups, with room to spare.
inline constexpr std::size_t file_descriptors_reserved_for_the_process = 32;
// Connections accepted beyond the cap only to be told 503; each holds a descriptor for at
// most a second (see the shell's RefusedConnection). Beyond this many at once, further ones
// are closed without an answer, so a flood cannot use up the descriptors.
inline constexpr std::size_t refused_connections_open_max = 32;

struct AdmissionSettings {
  // Open TCP connections (HTTP or WebSocket) at most, and open Engine.IO sessions at most.
  // 16384: the benchmarks hold 10,000 idle WebSocket clients, with room for polling clients.
  std::size_t connections_max = 16384;
  // What --max-connections asked for when the open-file limit lowered connections_max (the
  // refusal says so); equal to connections_max otherwise.
  std::size_t connections_max_requested = 16384;
  // New Engine.IO sessions one remote address may open per second; 0 = no limit.
  std::size_t per_ip_connections_per_second_max = 0;
  // Allowed Origin header values, as parse_allowed_origins normalizes them; empty = any.
  std::vector<std::string> allowed_origins;
  // Remote addresses the rate rule remembers at once. When it is full, windows that have
  // ended are forgotten first, then the oldest one: more addresses than this in one second
  // weaken the per-address rate (the connection cap still holds) and never refuse an address
  // that has not opened too many sessions itself.
  std::size_t rate_table_addresses_max = 4096;
  // A refusal of one kind is logged at most once per this interval, with the count since.
  std::int64_t refusal_log_interval_ms = 10000;
};

struct AdmissionRefusal {
  // What the client is told: HTTP status and the Engine.IO JSON error.
  protocol::engineio::HandshakeError error;
  // A line for the server's log, empty when one about this kind of refusal was written less
  // than refusal_log_interval_ms ago (a flood of refusals must not flood the log).
  std::string log_line;
};

class AdmissionPolicy {
 public:
  explicit AdmissionPolicy(AdmissionSettings settings);

  const AdmissionSettings& settings() const { return settings_; }

  // A TCP connection was just accepted while `open_connections` others are open.
  std::optional<AdmissionRefusal> admit_connection(std::size_t open_connections, std::int64_t now_ms);
  // Any Engine.IO request. `origin`: its Origin header, nothing when it has none. Requests
  // without an Origin are allowed: non-browser clients send none (and could send any value),
  // so the rule protects browsers, which always send one with a WebSocket handshake and a
  // cross-origin request.
  std::optional<AdmissionRefusal> check_origin(std::optional<std::string_view> origin, std::int64_t now_ms);
  // A request that opens an Engine.IO session (a polling handshake, a WebSocket without a sid)
  // from `remote_address` while `open_sessions` are open. Every attempt counts toward its
  // address's rate, refused ones too: a client that keeps retrying stays refused until it
  // slows down.
  std::optional<AdmissionRefusal> admit_session(std::string_view remote_address, std::int64_t now_ms,
                                                std::size_t open_sessions);

  // How many addresses the rate rule remembers now (at most rate_table_addresses_max).
  std::size_t rate_table_size() const { return rate_windows_.size(); }

 private:
  enum class RefusalKind { connections, sessions, rate, origin };
  static constexpr std::size_t refusal_kind_count = 4;
  struct RefusalLogState {
    std::optional<std::int64_t> last_logged_ms;
    std::size_t refused_since_last_line = 0;
  };
  // The window of one address: it began at its first session after the previous one ended and
  // lasts a second.
  struct AddressWindow {
    std::int64_t started_ms = 0;
    std::size_t sessions_opened = 0;
  };

  AdmissionRefusal refuse(RefusalKind kind, int http_status, std::string client_message, std::string log_text,
                          std::int64_t now_ms);
  void make_room_in_rate_table(std::int64_t now_ms);
  std::string cap_description() const;

  AdmissionSettings settings_;
  RefusalLogState refusal_logs_[refusal_kind_count];
  // Ordered, so which window goes first when the table is full does not depend on hashing.
  std::map<std::string, AddressWindow, std::less<>> rate_windows_;
};

// Origins --allowed-origins may list at once; more is a mistake in a script, not a policy.
inline constexpr std::size_t allowed_origins_max = 256;

struct AllowedOriginsParse {
  std::vector<std::string> origins;  // normalized (normalize_origin)
  std::string error;                 // empty when the list is valid
};
// Parses --allowed-origins: origins separated by commas, e.g.
// "https://chat.example.com, http://127.0.0.1:3000". Each is scheme://host[:port] (no path)
// or `null` (the Origin of sandboxed frames and file: pages). An empty list is an error: to
// allow any origin, leave the flag out. Errors name the entry (CLI11 prefixes the flag).
AllowedOriginsParse parse_allowed_origins(std::string_view list);

// An origin as compared: ASCII lowercased, a trailing '/' dropped, the default port of http
// (80) and https (443) dropped, as browsers serialize it. Nothing when it is not an origin.
std::optional<std::string> normalize_origin(std::string_view origin);

// The connections a process can serve within `file_descriptors_max` (its RLIMIT_NOFILE),
// keeping what the process and the refusals need; at least 1. `requested` when it fits.
std::size_t connections_max_for_file_limit(std::size_t requested, std::uint64_t file_descriptors_max);

}  // namespace resync::server::host
