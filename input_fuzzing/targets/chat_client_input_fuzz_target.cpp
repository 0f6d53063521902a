// The simulated ChatClient against a server under test that sends anything: after a
// connect, every line of the input is one text frame from the server (an Engine.IO packet),
// or one of a few directives that move time or the app along, so reconnects, acked retries
// and the CONNECT reply's receive buffer are reached. Properties: no crash, no exception
// escapes, the client's own RESYNC_ASSERTs hold, and what it holds for the server stays
// within its named limits.
//
// Input: an optional first line "#spec" with any of the words acked, dedupe, recovery,
// polling; then lines: a frame, or "#timer" (run the next deadline), "#send TEXT",
// "#close" (the transport drops), "#open" (the newest transport opens), "#reload",
// "#disconnect", "#connect".
#include <exception>
#include <string>
#include <variant>

#include "common/invariant.hpp"
#include "input_fuzzing/fuzz_targets.hpp"
#include "sim/client/chat_client.hpp"

namespace resync::input_fuzzing {

namespace {

// Directives and frames per input: each one is cheap, the limit keeps a run short.
constexpr std::size_t lines_per_input_max = 512;
constexpr std::int64_t milliseconds_per_line = 10;

struct Driver {
  sim::ChatClient client;
  sim::TransportId newest_transport = 0;
  std::int64_t now_ms = 0;

  void take_actions() {
    for (sim::ClientAction& action : client.take_actions()) {
      if (const auto* open = std::get_if<sim::OpenTransport>(&action)) {
        RESYNC_ASSERT(open->transport > newest_transport, "every transport the client opens is new");
        newest_transport = open->transport;
      }
    }
  }
};

sim::ClientSpec spec_from(std::string_view first_line) {
  sim::ClientSpec spec;
  spec.name = "alice";
  if (!first_line.starts_with("#spec")) return spec;
  if (first_line.find("acked") != std::string_view::npos) {
    spec.send_mode = sim::SendMode::acked;
    spec.retries = 3;
  }
  if (first_line.find("dedupe") != std::string_view::npos) spec.policy = sim::ClientPolicy::dedupe;
  if (first_line.find("recovery") != std::string_view::npos) spec.connection_state_recovery = true;
  if (first_line.find("polling") != std::string_view::npos) spec.transport = sim::ClientTransport::polling;
  return spec;
}

void run_line(Driver& driver, std::string_view line) {
  sim::ChatClient& client = driver.client;
  driver.now_ms += milliseconds_per_line;
  if (line == "#timer") {
    if (const std::optional<std::int64_t> deadline = client.next_deadline_ms()) {
      RESYNC_ASSERT(*deadline >= 0, "a deadline is a time of the client's clock");
      driver.now_ms = std::max(driver.now_ms, *deadline);
    }
    client.on_timer(driver.now_ms);
  } else if (line.starts_with("#send ")) {
    client.send(std::string(line.substr(6)), driver.now_ms);
  } else if (line == "#close") {
    client.on_transport_closed(driver.newest_transport, "transport close", driver.now_ms);
  } else if (line == "#open") {
    client.on_transport_open(driver.newest_transport, driver.now_ms);
  } else if (line == "#reload") {
    client.reload(driver.now_ms);
  } else if (line == "#disconnect") {
    client.disconnect(driver.now_ms);
  } else if (line == "#connect") {
    client.connect(driver.now_ms);
  } else {
    client.on_text_frame(driver.newest_transport, line, driver.now_ms);
  }
  driver.take_actions();
  RESYNC_ASSERT(client.buffered_receive_events() <= sim::ChatClient::receive_buffer_events_max,
                "the events held for the CONNECT reply stay within receive_buffer_events_max");
  RESYNC_ASSERT(!client.connected() || client.wants_connection(), "a connected client wants its connection");
}

}  // namespace

void fuzz_chat_client_input(std::string_view input) {
  const std::string_view first_line = input.substr(0, input.find('\n'));
  Driver driver{sim::ChatClient(spec_from(first_line), sim::ClientProtocolNames{}, /*seed=*/7)};
  if (first_line.starts_with("#spec")) input.remove_prefix(std::min(input.size(), first_line.size() + 1));
  try {
    driver.client.connect(driver.now_ms);
    driver.take_actions();
    driver.client.on_transport_open(driver.newest_transport, driver.now_ms);
    for (std::size_t line_index = 0; line_index < lines_per_input_max && !input.empty(); ++line_index) {
      const std::size_t line_end = input.find('\n');
      run_line(driver, input.substr(0, line_end));
      input.remove_prefix(line_end == std::string_view::npos ? input.size() : line_end + 1);
    }
  } catch (const std::exception& error) {
    RESYNC_ASSERT(false, std::string("an exception escaped the client: ") + error.what());
  }
}

}  // namespace resync::input_fuzzing
