#pragma once
// The probe `resync run` makes once per external target before its scenarios: does the
// target speak Engine.IO v4 / Socket.IO v5 over WebSocket, does it broadcast the chat event
// back with an id, does it acknowledge an acked emit. A scenario that needs what the target
// lacks is then reported "not applicable" with the reason instead of running into
// `unknown` verdicts nobody can explain.
//
// The probe drives two ordinary ChatClient cores (one plain, one acked) over the runner's
// WebSocket connection code, so it speaks exactly as the scenarios' clients will.
#include <cstdint>
#include <string>

#include "sim/runner/target_findings.hpp"

namespace resync::sim {

// Probes the server listening on host:port (blocking, at most the sum of the waits above).
// The probe sends two messages, so they are in the target's log afterwards.
TargetFindings probe_target(const std::string& host, std::uint16_t port, const std::string& target,
                            const std::string& chat_event, const std::string& offset_auth_field);

}  // namespace resync::sim
