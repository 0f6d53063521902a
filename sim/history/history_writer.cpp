#include "sim/history/history_writer.hpp"

#include <sstream>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <utility>

#include "sim/history/history_json.hpp"

namespace resync::history {
namespace {

// Message content comes from servers under test and may be invalid UTF-8; replacing the bad
// bytes with U+FFFD keeps the line valid JSON instead of throwing mid-run.
std::string to_line(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

HistoryWriter::HistoryWriter(std::ostream& output, Flush flush) : output_(&output), flush_(flush) {}

HistoryWriter::HistoryWriter(std::unique_ptr<std::ofstream> file, Flush flush)
    : owned_file_(std::move(file)), output_(owned_file_.get()), flush_(flush) {}

HistoryWriter::HistoryWriter(HistoryWriter&& other) noexcept
    : owned_file_(std::move(other.owned_file_)), output_(std::exchange(other.output_, nullptr)), flush_(other.flush_) {}

HistoryWriter& HistoryWriter::operator=(HistoryWriter&& other) noexcept {
  if (this != &other) {
    if (output_ != nullptr) output_->flush();
    owned_file_ = std::move(other.owned_file_);
    output_ = std::exchange(other.output_, nullptr);
    flush_ = other.flush_;
  }
  return *this;
}

HistoryWriter::~HistoryWriter() {
  if (output_ != nullptr) output_->flush();
}

std::optional<HistoryWriter> HistoryWriter::create_file(const std::filesystem::path& path, std::string& error,
                                                        Flush flush) {
  auto file = std::make_unique<std::ofstream>(path, std::ios::out | std::ios::trunc | std::ios::binary);
  if (!file->is_open()) {
    const int open_errno = errno;
    error = path.string() + ": cannot create the history file: " +
            (open_errno != 0 ? std::strerror(open_errno) : "unknown error");
    return std::nullopt;
  }
  return HistoryWriter(std::move(file), flush);
}

void HistoryWriter::write_run_started(std::int64_t t_ms, const RunStarted& run) {
  write_line(to_line(encode_run_started(t_ms, run)));
}

void HistoryWriter::write(const HistoryEvent& event) { write_line(to_line(encode_event(event))); }

void HistoryWriter::write(std::int64_t t_ms, EventPayload payload) {
  write(HistoryEvent{t_ms, std::move(payload), 0});
}

void HistoryWriter::write_line(const std::string& line) {
  assert(output_ != nullptr && "writing through a moved-from HistoryWriter");
  *output_ << line << '\n';
  if (flush_ == Flush::every_line) output_->flush();
}

bool HistoryWriter::good() const { return output_ != nullptr && output_->good(); }

std::string history_line(const HistoryEvent& event) { return to_line(encode_event(event)); }

std::string history_text(const History& history) {
  std::string text = to_line(encode_run_started(history.run_started_t_ms, history.run));
  text += '\n';
  for (const HistoryEvent& event : history.events) {
    text += history_line(event);
    text += '\n';
  }
  return text;
}

std::string history_text(const RunStarted& run, const std::vector<HistoryEvent>& events) {
  std::ostringstream output;
  HistoryWriter writer(output);
  writer.write_run_started(0, run);
  for (const HistoryEvent& event : events) writer.write(event);
  return output.str();
}

}  // namespace resync::history
