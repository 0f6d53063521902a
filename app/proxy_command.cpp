#include "app/proxy_command.hpp"

#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include <boost/asio/signal_set.hpp>

#include "fault_injector/shell/fault_injector.hpp"

namespace resync::fault_injector {
namespace {

struct ProxyCommandOptions {
  std::string api_address = "127.0.0.1:8474";
  bool api_allow_remote = false;
  bool listen_allow_remote = false;
  std::string config_path;
  std::optional<std::uint64_t> seed;
};

int run_proxy_command(const ProxyCommandOptions& options) {
  // Without --seed one is picked and printed, so any run can be replayed with the same faults.
  const std::uint64_t seed = options.seed.value_or(
      static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
  FaultInjector injector(seed);
  if (options.listen_allow_remote) injector.allow_remote_listeners();

  if (!options.config_path.empty()) {
    std::ifstream file(options.config_path);
    if (!file) {
      std::cerr << "resync proxy: cannot read config " << options.config_path << "\n";
      return 2;
    }
    std::stringstream text;
    text << file.rdbuf();
    const nlohmann::json config = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (config.is_discarded()) {
      std::cerr << "resync proxy: config " << options.config_path << " is not valid JSON\n";
      return 2;
    }
    Result<std::vector<ProxyState>> populated = injector.populate(config);
    if (!populated.ok()) {
      std::cerr << "resync proxy: config " << options.config_path << ": " << populated.error().message << "\n";
      return 2;
    }
    for (const ProxyState& proxy : populated.value()) {
      std::cout << "proxy " << proxy.definition.name << " listening on " << proxy.definition.listen << " -> "
                << proxy.definition.upstream << "\n";
    }
  }

  Result<std::string> api = injector.serve_http_api(options.api_address, options.api_allow_remote);
  if (!api.ok()) {
    std::cerr << "resync proxy: API: " << api.error().message << "\n";
    return 1;
  }
  std::cout << "resync proxy: seed " << seed << " (replay with --seed " << seed << ")\n";
  std::cout << "resync proxy: API listening on " << api.value() << std::endl;

  boost::asio::signal_set signals(injector.io_context(), SIGINT, SIGTERM);
  signals.async_wait([&injector](const boost::system::error_code& error, int) {
    if (!error) injector.stop();
  });
  injector.run();
  return 0;
}

}  // namespace

void register_proxy_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ProxyCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "proxy", "Run the fault-injecting TCP proxy with a Toxiproxy 2.x compatible HTTP API");
  command->add_option("--api", options->api_address, "HTTP API address (loopback unless --api-allow-remote)")
      ->capture_default_str();
  command->add_flag("--api-allow-remote", options->api_allow_remote,
                    "Allow the API on a non-loopback address (logs a warning: the API has no authentication)");
  command->add_flag("--listen-allow-remote", options->listen_allow_remote,
                    "Allow proxies (API or --config) to listen on non-loopback addresses such as 0.0.0.0; without "
                    "it such a proxy is refused with HTTP 403. Each non-loopback listener logs a warning. A listen "
                    "address with an empty host (\":8080\") is loopback");
  command->add_option("--config", options->config_path, "Proxies to create at start (POST /populate format)");
  command->add_option("--seed", options->seed, "Seed for every random choice (same seed + same traffic = same faults)");
  command->callback([options, &exit_code] { exit_code = run_proxy_command(*options); });
}

}  // namespace resync::fault_injector
