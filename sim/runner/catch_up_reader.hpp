#pragma once
// Learns where a running server's log ends by reading it as a page does: one client connects
// with offset 0 and takes its catch-up until it goes quiet. For a target the harness cannot
// restart or empty (`--target URL`), so a run starts from the server's current end
// (docs/HISTORY.md, `start_offset`). Real sockets, blocking: it runs before the timeline.
#include <cstdint>
#include <string>
#include <variant>

#include "sim/client/chat_client.hpp"

namespace resync::sim {

struct CatchUpLimits {
  // The catch-up is over when no message came for this long after the CONNECT reply.
  std::int64_t quiet_ms = 500;
  // A server that keeps sending (other writers, or a catch-up too long to read) gives up.
  std::int64_t duration_max_ms = 30000;
};

struct CatchUpEnd {
  std::int64_t highest_id = 0;       // 0: the log is empty
  std::int64_t message_count = 0;    // messages the catch-up carried
};

// The highest id the server sent in its catch-up, or why it could not be read.
std::variant<CatchUpEnd, std::string> read_catch_up_end(const std::string& host, std::uint16_t port,
                                                        const ClientProtocolNames& names, const CatchUpLimits& limits = {});

}  // namespace resync::sim
