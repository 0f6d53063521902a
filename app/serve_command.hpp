#pragma once
#include <CLI/CLI.hpp>

namespace resync::server {

// Adds `resync serve` to the command line; its callback stores the process exit code.
void register_serve_command(CLI::App& app, int& exit_code);

}  // namespace resync::server
