#include "sim/runner/stderr_drain.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string_view>
#include <thread>

namespace resync::sim {

struct StderrDrain::Shared {
  int read_fd = -1;
  std::string path;
  StderrDrain::LineHandler on_line;
  std::string partial_line;  // bytes after the last newline, for on_line
  std::mutex mutex;
  std::condition_variable done_changed;
  bool done = false;
};

namespace {

void hand_out_lines(StderrDrain::Shared& shared, std::string_view bytes) {
  if (!shared.on_line) return;
  for (char byte : bytes) {
    if (byte == '\n') {
      shared.on_line(std::move(shared.partial_line));
      shared.partial_line.clear();
      continue;
    }
    shared.partial_line.push_back(byte);
    if (shared.partial_line.size() >= stderr_line_bytes_max) {
      shared.on_line(std::move(shared.partial_line));
      shared.partial_line.clear();
    }
  }
}

// Runs on its own thread until EOF; owns the read end. The shared state outlives a drain
// that gave up waiting for it.
void copy_until_end(std::shared_ptr<StderrDrain::Shared> shared) {
  const int file = ::open(shared->path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  char buffer[8192];
  while (true) {
    const ssize_t count = ::read(shared->read_fd, buffer, sizeof(buffer));
    if (count < 0 && errno == EINTR) continue;
    if (count <= 0) break;
    hand_out_lines(*shared, std::string_view(buffer, static_cast<std::size_t>(count)));
    for (ssize_t written = 0; file >= 0 && written < count;) {
      const ssize_t step = ::write(file, buffer + written, static_cast<std::size_t>(count - written));
      if (step < 0 && errno == EINTR) continue;
      if (step <= 0) break;
      written += step;
    }
  }
  if (file >= 0) ::close(file);
  ::close(shared->read_fd);
  if (shared->on_line && !shared->partial_line.empty()) shared->on_line(std::move(shared->partial_line));
  std::lock_guard lock(shared->mutex);
  shared->done = true;
  shared->done_changed.notify_all();
}

}  // namespace

std::unique_ptr<StderrDrain> StderrDrain::start(const std::string& path, std::string& error, LineHandler on_line) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    error = std::string("cannot make a pipe for the server's stderr: ") + std::strerror(errno);
    return nullptr;
  }
  std::unique_ptr<StderrDrain> drain(new StderrDrain());
  drain->shared_ = std::make_shared<Shared>();
  drain->shared_->read_fd = ends[0];
  drain->shared_->path = path;
  drain->shared_->on_line = std::move(on_line);
  drain->write_fd_ = ends[1];
  try {
    std::thread(copy_until_end, drain->shared_).detach();
  } catch (const std::system_error& thread_error) {
    ::close(ends[0]);
    ::close(ends[1]);
    error = std::string("cannot start the thread that copies the server's stderr: ") + thread_error.what();
    return nullptr;
  }
  return drain;
}

void StderrDrain::close_write_end() {
  if (write_fd_ >= 0) ::close(write_fd_);
  write_fd_ = -1;
}

bool StderrDrain::finish(std::int64_t wait_ms_max) {
  close_write_end();
  std::unique_lock lock(shared_->mutex);
  return shared_->done_changed.wait_for(lock, std::chrono::milliseconds(wait_ms_max), [this] { return shared_->done; });
}

StderrDrain::~StderrDrain() {
  // Not waiting here: finish() already did where it matters (after a reap); a drain still
  // copying keeps its shared state and ends at the pipe's EOF.
  close_write_end();
}

}  // namespace resync::sim
