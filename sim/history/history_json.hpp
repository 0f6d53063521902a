#pragma once
// The JSON form of one history line (docs/HISTORY.md), both ways. Decoding is where the
// format is enforced: every field a consumer relies on is checked here once, with an error
// that names the line type, the field and what it must be. Unknown fields are ignored and
// unknown types come back as UnrecognizedEvent (forward compatible).
#include <cstdint>
#include <variant>

#include <nlohmann/json.hpp>

#include "protocol/parse_result.hpp"
#include "sim/history/history_event.hpp"

namespace resync::history {

// Keys come out sorted (nlohmann::json's std::map), as every runner has written them: the
// same run gives the same bytes. Which optional fields a line carries is decided here once.
nlohmann::json encode_run_started(std::int64_t t_ms, const RunStarted& run);
nlohmann::json encode_event(const HistoryEvent& event);

struct DecodedLine {
  std::int64_t t_ms = 0;
  std::variant<RunStarted, EventPayload> content;
};

// `line` is one parsed JSON line. The error does not include file:line (the reader adds it).
protocol::ParseResult<DecodedLine> decode_history_line(const nlohmann::json& line);

}  // namespace resync::history
