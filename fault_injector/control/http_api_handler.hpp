#pragma once
// The Toxiproxy 2.x HTTP API as a pure function: method, path and body in; status, content
// type and body out. No sockets here (the Beast server in shell/ only moves bytes), so every
// route and every bad input is unit-testable.
#include <string>
#include <string_view>

#include "fault_injector/control/control_plane.hpp"

namespace resync::fault_injector {

struct HttpApiRequest {
  std::string_view method;
  std::string_view target;  // path, possibly with a query string
  std::string_view body;
  std::string_view user_agent;
};

struct HttpApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

// The version reported by GET /version: the Toxiproxy API level Resync implements.
inline constexpr std::string_view kToxiproxyCompatibleVersion = "2.12.0";

HttpApiResponse handle_http_api_request(ControlPlane& control_plane, const HttpApiRequest& request);

}  // namespace resync::fault_injector
