#pragma once
#include <CLI/CLI.hpp>

namespace resync::fault_injector {

// Adds `resync proxy` (the fault injector with its Toxiproxy-compatible API) to the command
// line; its callback stores the process exit code.
void register_proxy_command(CLI::App& app, int& exit_code);

}  // namespace resync::fault_injector
