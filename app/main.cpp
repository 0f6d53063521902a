// resync: one executable, one subcommand per capability.
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/proxy_command.hpp"
#include "app/report_command.hpp"
#include "app/serve_command.hpp"
#include "app/check_command.hpp"
#include "app/fuzz_command.hpp"
#include "app/run_command.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "Resync: a testing harness and deterministic simulator for reconnect sync in realtime chat.\n"
      "Run `resync <command> --help` for the flags of each command."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "resync 0.1.0");

  int exit_code = 0;
  resync::server::register_serve_command(app, exit_code);
  resync::fault_injector::register_proxy_command(app, exit_code);
  resync::sim::register_run_command(app, exit_code);
  resync::checker::register_check_command(app, exit_code);
  resync::sim::register_fuzz_command(app, exit_code);
  resync::reports::register_report_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // Usage errors exit 2 (CLI11 returns 0 for --help/--version).
    int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }
  return exit_code;
}
