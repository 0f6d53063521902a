// The proxy's Toxiproxy-compatible HTTP API: several requests per input against one control
// plane (so create, update and delete sequences are reached), over an in-memory
// ProxyRuntime that opens no socket. Properties: no exception escapes; every status is one
// the API uses; an error with a JSON body carries {"error": non-empty, "status": status};
// a success's JSON body parses; a refused request leaves the state exactly as it was.
//
// Input: requests separated by a line "===". Each request is a first line "METHOD TARGET"
// and a body (the lines after it).
#include <cstdint>
#include <exception>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/invariant.hpp"
#include "fault_injector/control/control_plane.hpp"
#include "fault_injector/control/http_api_handler.hpp"
#include "input_fuzzing/fuzz_targets.hpp"

namespace resync::input_fuzzing {

namespace fi = fault_injector;

namespace {

constexpr std::string_view request_separator = "\n===\n";
// Each request is cheap; the limit keeps one input's run short.
constexpr std::size_t requests_per_input_max = 64;

// A runtime that "listens" in memory: one address is taken, port 0 picks one.
class InMemoryProxyRuntime final : public fi::ProxyRuntime {
 public:
  static constexpr std::string_view busy_address = "127.0.0.1:1";

  fi::Result<std::string> start(const fi::ProxyDefinition& proxy, const std::vector<fi::ToxicSpec>& toxics) override {
    if (proxy.listen == busy_address) return fi::ApiError{500, "listen tcp " + proxy.listen + ": address already in use"};
    running_[proxy.name] = {};
    for (const fi::ToxicSpec& toxic : toxics) running_[proxy.name].insert(toxic.name);
    return proxy.listen.ends_with(":0") ? proxy.listen.substr(0, proxy.listen.size() - 2) + ":40000" : proxy.listen;
  }
  void stop(const std::string& proxy_name) override { running_.erase(proxy_name); }
  void forget(const std::string& proxy_name) override { accepted_.erase(proxy_name); }
  void toxic_added(const std::string& proxy_name, const fi::ToxicSpec& toxic) override {
    running_[proxy_name].insert(toxic.name);
  }
  void toxic_updated(const std::string&, const fi::ToxicSpec&) override {}
  void toxic_removed(const std::string& proxy_name, const std::string& toxic_name) override {
    running_[proxy_name].erase(toxic_name);
  }
  std::uint64_t connections_accepted(const std::string& proxy_name) const override {
    const auto found = accepted_.find(proxy_name);
    return found == accepted_.end() ? 0 : found->second;
  }
  std::vector<fi::ConnectionInfo> connections(const std::string& proxy_name) const override {
    if (!running_.contains(proxy_name)) return {};
    return {{1, "alice", "127.0.0.1:5555", 10, 20, {}}};
  }
  void set_trigger_listener(fi::TriggerListener) override {}

 private:
  std::map<std::string, std::set<std::string>> running_;  // proxy -> its toxics
  std::map<std::string, std::uint64_t> accepted_;
};

bool is_known_status(int status) {
  static const std::set<int> statuses{200, 201, 204, 400, 403, 404, 405, 409, 500};
  return statuses.contains(status);
}

fi::HttpApiResponse call(fi::ControlPlane& control_plane, std::string_view method, std::string_view target,
                         std::string_view body) {
  try {
    return fi::handle_http_api_request(control_plane, {method, target, body, "resync-fuzz"});
  } catch (const std::exception& error) {
    RESYNC_ASSERT(false, (std::string("an exception escaped the API handler: ") + error.what()).c_str());
  }
  return {};
}

void check_response(const fi::HttpApiResponse& response) {
  RESYNC_ASSERT(is_known_status(response.status), "every response has a status the API uses");
  RESYNC_ASSERT(!response.content_type.empty(), "every response has a content type");
  const bool is_json = response.content_type.starts_with("application/json");
  if (response.status >= 400) {
    if (!is_json) {
      // The router's own plain-text answers, as Toxiproxy's (gorilla/mux) gives them.
      RESYNC_ASSERT(response.status == 403 || response.status == 404 || response.status == 405,
                    "only the router's refusals are plain text");
      return;
    }
    const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    RESYNC_ASSERT(body.is_object(), "a JSON error body is an object");
    RESYNC_ASSERT(body.contains("error") && body["error"].is_string() && !body["error"].get<std::string>().empty(),
                  "a JSON error says why");
    RESYNC_ASSERT(body.contains("status") && body["status"] == response.status, "a JSON error repeats its status");
  } else if (is_json && !response.body.empty()) {
    RESYNC_ASSERT(!nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false).is_discarded(),
                  "a success's JSON body is JSON");
  }
}

}  // namespace

void fuzz_toxiproxy_api(std::string_view input) {
  InMemoryProxyRuntime runtime;
  fi::ControlPlane control_plane(runtime);
  for (std::size_t request_index = 0; request_index < requests_per_input_max && !input.empty(); ++request_index) {
    const std::size_t separator = input.find(request_separator);
    std::string_view request = input.substr(0, separator);
    input = separator == std::string_view::npos ? std::string_view{} : input.substr(separator + request_separator.size());

    const std::size_t line_end = request.find('\n');
    const std::string_view first_line = request.substr(0, line_end);
    const std::string_view body = line_end == std::string_view::npos ? std::string_view{} : request.substr(line_end + 1);
    const std::size_t space = first_line.find(' ');
    const std::string_view method = first_line.substr(0, space);
    const std::string_view target = space == std::string_view::npos ? std::string_view{} : first_line.substr(space + 1);

    const std::string state_before = call(control_plane, "GET", "/proxies", "").body;
    const fi::HttpApiResponse response = call(control_plane, method, target, body);
    check_response(response);
    if (response.status >= 400) {
      RESYNC_ASSERT(call(control_plane, "GET", "/proxies", "").body == state_before,
                    "a refused request leaves the state exactly as it was");
    }
  }
}

}  // namespace resync::input_fuzzing
