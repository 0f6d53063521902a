#pragma once
// Reads a running server's log as a page does: one client connects with an offset and takes
// its catch-up until it goes quiet. Two uses: where a `--target URL`'s log ends before a run
// (offset 0, only the highest id is kept: docs/HISTORY.md, `start_offset`), and the audit
// after convergence, whose rows are an external target's committed log (`committed_log`
// with source `catch_up_audit`). Real sockets, blocking: it runs outside the timeline.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "sim/client/chat_client.hpp"

namespace resync::sim {

struct CatchUpLimits {
  // The catch-up is over when no message came for this long after the CONNECT reply.
  std::int64_t quiet_ms = 500;
  // A server that keeps sending (other writers, or a catch-up too long to read) gives up.
  std::int64_t duration_max_ms = 30000;
  // Rows kept by read_catch_up_rows: more is an error, not a silently shortened log.
  std::size_t rows_max = 1000000;
};

struct CatchUpEnd {
  std::int64_t highest_id = 0;       // 0: the log is empty
  std::int64_t message_count = 0;    // messages the catch-up carried
};

struct CatchUpRow {
  std::int64_t id = 0;
  std::string content;
};

struct CatchUpRows {
  std::int64_t from_offset = 0;   // the serverOffset the reader connected with
  std::vector<CatchUpRow> rows;   // by id, each id once (the content it first came with)
  std::int64_t message_count = 0;  // messages the catch-up carried, repeats included
};

// The highest id the server sent in its catch-up from offset 0, or why it could not be read.
std::variant<CatchUpEnd, std::string> read_catch_up_end(const std::string& host, std::uint16_t port,
                                                        const ClientProtocolNames& names, const CatchUpLimits& limits = {});

// Every row the server sent in its catch-up to a client that connected with `from_offset`,
// or why it could not be read (no connection, refused, cut off, not quiet in time, more
// than rows_max rows).
std::variant<CatchUpRows, std::string> read_catch_up_rows(const std::string& host, std::uint16_t port,
                                                          const ClientProtocolNames& names, std::int64_t from_offset,
                                                          const CatchUpLimits& limits = {});

}  // namespace resync::sim
