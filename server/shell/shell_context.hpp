#pragma once
// What every connection of the shell shares. Lives as long as the server; connections
// hold a reference and must not use it from their destructors (they may outlive it while
// the io_context is torn down).
#include "server/host/admission_policy.hpp"
#include "server/host/server_host.hpp"
#include "server/shell/static_pages.hpp"
#include "server/shell/websocket_server.hpp"

namespace resync::server::shell {

struct ShellContext {
  host::ServerHost& host;
  const ShellLimits& limits;
  const ClientBundle& client_bundle;
  // Who may connect (origin, session cap, rate); asked by the HTTP sessions.
  host::AdmissionPolicy& admission;
};

}  // namespace resync::server::shell
