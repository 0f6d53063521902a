// Idle memory: many connected, silent clients; the server's resident memory growth per
// connection. At most `handshakes_in_flight_max` connections handshake at once, so the
// server's accept queue, not the generator, sets the pace.
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "bench/load/load_loop.hpp"
#include "bench/load/load_modes.hpp"

namespace resync::bench {

namespace {

std::optional<std::int64_t> resident_kib(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    std::int64_t kib = 0;
    if (fields >> kib) return kib;
  }
  return std::nullopt;
}

}  // namespace

nlohmann::json run_idle(const LoadTarget& target, const IdleOptions& options) {
  const auto before = resident_kib(options.server_pid);
  if (!before) return {{"completed", false}, {"error", "no process " + std::to_string(options.server_pid) + " to measure (/proc/<pid>/status)"}};
  LoadLoop loop(options.timeout_s);
  std::vector<std::unique_ptr<LoadClient>> clients;
  clients.reserve(static_cast<std::size_t>(options.connections));
  int connected = 0;
  boost::asio::steady_timer settle(loop.io());
  std::optional<std::int64_t> after;
  std::function<void()> open_more = [&] {
    while (static_cast<int>(clients.size()) < options.connections &&
           static_cast<int>(clients.size()) - connected < options.handshakes_in_flight_max) {
      const std::size_t index = clients.size();
      LoadClientEvents events;
      events.on_connected = [&] {
        if (++connected < options.connections) return open_more();
        settle.expires_after(std::chrono::milliseconds(options.settle_ms));
        settle.async_wait([&](boost::system::error_code error) {
          if (error) return;
          after = resident_kib(options.server_pid);
          loop.finish(after ? "" : "the server process went away while the clients were connected");
        });
      };
      events.on_lost = [&loop, index](const std::string& reason) {
        loop.finish("connection " + std::to_string(index) + " was lost: " + reason);
      };
      clients.push_back(std::make_unique<LoadClient>(loop.io(), target, "", std::move(events)));
    }
  };
  open_more();
  const std::string error = loop.run();
  for (auto& client : clients) client->close();
  nlohmann::json figures = {{"completed", error.empty()}, {"connections", connected}, {"rss_before_kib", *before}};
  if (after) {
    figures["rss_after_kib"] = *after;
    figures["kib_per_connection"] = static_cast<double>(*after - *before) / static_cast<double>(options.connections);
  }
  if (!error.empty()) figures["error"] = error;
  return figures;
}

}  // namespace resync::bench
