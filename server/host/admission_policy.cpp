#include "server/host/admission_policy.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace resync::server::host {

namespace {

namespace engineio = protocol::engineio;

// The length of a rate window: the rule is "per second".
constexpr std::int64_t rate_window_ms = 1000;
// How much of a client's Origin a refusal quotes back; a real origin is far shorter.
constexpr std::size_t quoted_origin_bytes_max = 200;

// Text from the network quoted in a JSON body and a log line: printable ASCII stays, every
// other byte becomes \xNN (the JSON encoder would throw on invalid UTF-8), cut at `length_max`.
std::string quote_untrusted(std::string_view untrusted, std::size_t length_max) {
  static constexpr char hex_digits[] = "0123456789abcdef";
  std::string text;
  for (std::size_t index = 0; index < untrusted.size() && index < length_max; ++index) {
    const auto byte = static_cast<unsigned char>(untrusted[index]);
    if (byte >= 0x20 && byte < 0x7f) {
      text.push_back(static_cast<char>(byte));
    } else {
      text.append("\\x").push_back(hex_digits[byte >> 4]);
      text.push_back(hex_digits[byte & 0x0f]);
    }
  }
  if (untrusted.size() > length_max) text.append("...");
  return text;
}

char ascii_lower(char character) {
  return character >= 'A' && character <= 'Z' ? static_cast<char>(character - 'A' + 'a') : character;
}

bool is_scheme_character(char character, bool first) {
  const bool letter = character >= 'a' && character <= 'z';
  if (first) return letter;
  return letter || (character >= '0' && character <= '9') || character == '+' || character == '-' || character == '.';
}

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::optional<std::string> normalize_origin(std::string_view origin) {
  std::string text;
  text.reserve(origin.size());
  for (char character : origin) text.push_back(ascii_lower(character));
  if (text == "null") return text;
  if (!text.empty() && text.back() == '/') text.pop_back();
  const std::size_t separator = text.find("://");
  if (separator == std::string::npos || separator == 0) return std::nullopt;
  for (std::size_t index = 0; index < separator; ++index) {
    if (!is_scheme_character(text[index], index == 0)) return std::nullopt;
  }
  const std::string_view scheme = std::string_view(text).substr(0, separator);
  std::string_view authority = std::string_view(text).substr(separator + 3);
  // An origin is scheme, host and port only: no path, query, fragment, user info or spaces.
  if (authority.empty() || authority.find_first_of("/?#@ \t\\") != std::string_view::npos) return std::nullopt;
  for (char character : authority) {
    if (static_cast<unsigned char>(character) < 0x21 || static_cast<unsigned char>(character) > 0x7e) {
      return std::nullopt;
    }
  }
  // The port follows the last ':' unless that ':' is inside an IPv6 literal ("[::1]").
  const std::size_t closing_bracket = authority.rfind(']');
  const std::size_t colon = authority.rfind(':');
  std::string_view host = authority;
  if (colon != std::string_view::npos && (closing_bracket == std::string_view::npos || colon > closing_bracket)) {
    host = authority.substr(0, colon);
    const std::string_view port_text = authority.substr(colon + 1);
    unsigned port = 0;
    const auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (port_text.empty() || error != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return std::nullopt;
    }
    const bool default_port = (scheme == "http" && port == 80) || (scheme == "https" && port == 443);
    if (default_port) text.resize(separator + 3 + colon);
  }
  if (host.empty()) return std::nullopt;
  return text;
}

AllowedOriginsParse parse_allowed_origins(std::string_view list) {
  AllowedOriginsParse parse;
  auto fail = [&parse](std::string error) {
    parse.origins.clear();
    parse.error = std::move(error);
    return parse;
  };
  if (trim_spaces(list).empty()) {
    return fail("the list is empty; list origins such as https://chat.example.com (separated by commas), or leave "
                "--allowed-origins out to allow any origin");
  }
  std::size_t start = 0;
  for (std::size_t position = 0; position <= list.size(); ++position) {
    if (position != list.size() && list[position] != ',') continue;
    const std::string_view entry = trim_spaces(list.substr(start, position - start));
    start = position + 1;
    const std::string where = "entry " + std::to_string(parse.origins.size() + 1);
    if (entry.empty()) return fail(where + " is empty (two commas in a row, or a comma at an end)");
    if (entry == "*") return fail(where + " is '*'; leave --allowed-origins out to allow any origin");
    std::optional<std::string> origin = normalize_origin(entry);
    if (!origin) {
      return fail(where + " '" + quote_untrusted(entry, quoted_origin_bytes_max) +
                  "' is not an origin: write scheme://host[:port] without a path, e.g. https://chat.example.com or "
                  "http://127.0.0.1:3000 (or null)");
    }
    if (parse.origins.size() == allowed_origins_max) {
      return fail("the list has more than " + std::to_string(allowed_origins_max) + " origins");
    }
    if (std::find(parse.origins.begin(), parse.origins.end(), *origin) == parse.origins.end()) {
      parse.origins.push_back(std::move(*origin));
    }
  }
  return parse;
}

std::size_t connections_max_for_file_limit(std::size_t requested, std::uint64_t file_descriptors_max) {
  const std::uint64_t reserved = file_descriptors_reserved_for_the_process + refused_connections_open_max;
  if (file_descriptors_max <= reserved) return 1;
  const std::uint64_t available = file_descriptors_max - reserved;
  return available < requested ? static_cast<std::size_t>(available) : requested;
}

AdmissionPolicy::AdmissionPolicy(AdmissionSettings settings) : settings_(std::move(settings)) {}

std::string AdmissionPolicy::cap_description() const {
  std::string text = "--max-connections " + std::to_string(settings_.connections_max_requested);
  if (settings_.connections_max != settings_.connections_max_requested) {
    text += ", lowered to " + std::to_string(settings_.connections_max) + " by the open-file limit";
  }
  return text;
}

AdmissionRefusal AdmissionPolicy::refuse(RefusalKind kind, int http_status, std::string client_message,
                                         std::string log_text, std::int64_t now_ms) {
  AdmissionRefusal refusal{engineio::make_handshake_error(engineio::ErrorCode::forbidden), {}};
  refusal.error.http_status = http_status;
  refusal.error.message = std::move(client_message);
  RefusalLogState& log = refusal_logs_[static_cast<std::size_t>(kind)];
  const bool due = !log.last_logged_ms || now_ms - *log.last_logged_ms >= settings_.refusal_log_interval_ms;
  if (due) {
    refusal.log_line = "refused (" + std::to_string(http_status) + "): " + log_text;
    if (log.refused_since_last_line > 0) {
      refusal.log_line += " (" + std::to_string(log.refused_since_last_line) + " more like it since the last line)";
    }
    log.last_logged_ms = now_ms;
    log.refused_since_last_line = 0;
  } else {
    ++log.refused_since_last_line;
  }
  return refusal;
}

std::optional<AdmissionRefusal> AdmissionPolicy::admit_connection(std::size_t open_connections, std::int64_t now_ms) {
  if (open_connections < settings_.connections_max) return std::nullopt;
  std::string message = "Server at its connection limit: " + std::to_string(open_connections) +
                        " connections are open (" + cap_description() +
                        "); retry later, or raise --max-connections on the server";
  std::string log_text = "a new connection: " + std::to_string(open_connections) + " are open (" + cap_description() + ")";
  return refuse(RefusalKind::connections, 503, std::move(message), std::move(log_text), now_ms);
}

std::optional<AdmissionRefusal> AdmissionPolicy::check_origin(std::optional<std::string_view> origin,
                                                              std::int64_t now_ms) {
  if (settings_.allowed_origins.empty() || !origin) return std::nullopt;
  const std::optional<std::string> normalized = normalize_origin(*origin);
  if (normalized && std::find(settings_.allowed_origins.begin(), settings_.allowed_origins.end(), *normalized) !=
                        settings_.allowed_origins.end()) {
    return std::nullopt;
  }
  const std::string quoted = quote_untrusted(*origin, quoted_origin_bytes_max);
  std::string message = "Origin '" + quoted +
                        "' is not allowed: the server accepts only the origins in its --allowed-origins list; "
                        "add this origin there to allow pages from it";
  std::string log_text = "a request from Origin '" + quoted + "', which is not in --allowed-origins";
  return refuse(RefusalKind::origin, 403, std::move(message), std::move(log_text), now_ms);
}

void AdmissionPolicy::make_room_in_rate_table(std::int64_t now_ms) {
  if (rate_windows_.size() < settings_.rate_table_addresses_max) return;
  std::erase_if(rate_windows_, [now_ms](const auto& entry) { return now_ms - entry.second.started_ms >= rate_window_ms; });
  if (rate_windows_.size() < settings_.rate_table_addresses_max) return;
  auto oldest = std::min_element(rate_windows_.begin(), rate_windows_.end(), [](const auto& left, const auto& right) {
    return left.second.started_ms < right.second.started_ms;
  });
  rate_windows_.erase(oldest);
}

std::optional<AdmissionRefusal> AdmissionPolicy::admit_session(std::string_view remote_address, std::int64_t now_ms,
                                                               std::size_t open_sessions) {
  const std::size_t rate_max = settings_.per_ip_connections_per_second_max;
  if (rate_max > 0 && settings_.rate_table_addresses_max > 0) {
    auto found = rate_windows_.find(remote_address);
    if (found == rate_windows_.end()) {
      make_room_in_rate_table(now_ms);
      found = rate_windows_.emplace(std::string(remote_address), AddressWindow{now_ms, 0}).first;
    } else if (now_ms - found->second.started_ms >= rate_window_ms) {
      found->second = AddressWindow{now_ms, 0};
    }
    ++found->second.sessions_opened;
    if (found->second.sessions_opened > rate_max) {
      const std::string limit = std::to_string(rate_max);
      std::string message = "Too many new connections from " + std::string(remote_address) + ": at most " + limit +
                            " per second (--per-ip-connections-per-second-max " + limit +
                            "); retry in a second, or raise the limit on the server";
      std::string log_text = "a new session from " + std::string(remote_address) + ", over " + limit +
                             " per second (--per-ip-connections-per-second-max)";
      return refuse(RefusalKind::rate, 429, std::move(message), std::move(log_text), now_ms);
    }
  }
  if (open_sessions >= settings_.connections_max) {
    std::string message = "Server at its session limit: " + std::to_string(open_sessions) +
                          " Engine.IO sessions are open (" + cap_description() +
                          "); retry later, or raise --max-connections on the server";
    std::string log_text =
        "a new session: " + std::to_string(open_sessions) + " sessions are open (" + cap_description() + ")";
    return refuse(RefusalKind::sessions, 503, std::move(message), std::move(log_text), now_ms);
  }
  return std::nullopt;
}

}  // namespace resync::server::host
