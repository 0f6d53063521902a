// Catch-up: one client that has seen nothing connects to a server that stores `rows`
// messages and reads them all; timed from its connection's start to the last row.
#include <memory>

#include "bench/load/chat_frame.hpp"
#include "bench/load/load_loop.hpp"
#include "bench/load/load_modes.hpp"

namespace resync::bench {

nlohmann::json run_catch_up(const LoadTarget& target, const CatchUpOptions& options) {
  LoadLoop loop(options.timeout_s);
  std::int64_t rows = 0;
  std::int64_t last_id = 0;
  bool increasing = true;
  const auto started_at = LoadClock::now();
  LoadClientEvents events;
  events.on_event = [&](const std::string& frame) {
    if (!is_chat_message(frame)) return;
    const auto id = chat_message_id(frame);
    if (!id || *id <= last_id) increasing = false;
    if (id) last_id = *id;
    if (++rows >= options.rows) loop.finish();
  };
  events.on_lost = [&](const std::string& reason) { loop.finish("the reader lost its connection: " + reason); };
  LoadClient reader(loop.io(), target, R"({"serverOffset":0})", std::move(events));
  const std::string error = loop.run();
  reader.close();
  const double seconds = std::chrono::duration<double>(loop.finished_at() - started_at).count();
  nlohmann::json figures = {{"completed", error.empty() && increasing}, {"rows", rows}, {"seconds", seconds},
                            {"ids_increasing", increasing}, {"last_id", last_id}};
  if (seconds > 0) figures["rows_per_second"] = static_cast<double>(rows) / seconds;
  if (!error.empty()) figures["error"] = error;
  else if (!increasing) figures["error"] = "the rows' ids did not keep increasing";
  return figures;
}

}  // namespace resync::bench
