#include "sim/runner/live_storage_faults.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace resync::sim {

StorageFaultAttempt DatabaseWriteLock::try_acquire(const std::string& database_path) {
  using Outcome = StorageFaultAttempt::Outcome;
  if (held()) return {Outcome::refused, "the write lock is held already"};
  std::error_code error;
  if (!std::filesystem::is_regular_file(database_path, error)) {
    return {Outcome::refused, "no database file at " + database_path + " (the server has not created it yet?)"};
  }
  // No SQLITE_OPEN_CREATE: a missing file is the caller's mistake, not an empty database.
  if (sqlite3_open_v2(database_path.c_str(), &database_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    const std::string reason = database_ ? sqlite3_errmsg(database_) : "out of memory";
    release();
    return {Outcome::refused, "cannot open " + database_path + ": " + reason};
  }
  sqlite3_busy_timeout(database_, 0);  // never wait on the runner's io thread; the caller retries
  char* message = nullptr;
  const int status = sqlite3_exec(database_, "BEGIN IMMEDIATE;", nullptr, nullptr, &message);
  const std::string reason = message ? message : sqlite3_errstr(status);
  sqlite3_free(message);
  if (status == SQLITE_OK) {
    return {Outcome::started, "the harness holds BEGIN IMMEDIATE on " + database_path +
                                  " (the server waits its busy_timeout, then gets SQLITE_BUSY)"};
  }
  sqlite3_close(database_);
  database_ = nullptr;
  if (status == SQLITE_BUSY || status == SQLITE_LOCKED) return {Outcome::busy, reason};
  return {Outcome::refused, "cannot take the write lock of " + database_path + ": " + reason};
}

void DatabaseWriteLock::release() {
  if (!database_) return;
  sqlite3_exec(database_, "ROLLBACK;", nullptr, nullptr, nullptr);  // it wrote nothing
  sqlite3_close(database_);
  database_ = nullptr;
}

std::optional<std::string> FileSizeLimit::apply(const std::vector<pid_t>& processes, std::uint64_t limit_bytes) {
  restore();
  if (processes.empty()) return std::string("no server process to limit");
  for (pid_t process : processes) {
    rlimit old_limit{};
    if (::prlimit(process, RLIMIT_FSIZE, nullptr, &old_limit) != 0) {
      if (errno == ESRCH) continue;  // it exited meanwhile
      const std::string reason = std::strerror(errno);
      restore();
      return "cannot read RLIMIT_FSIZE of process " + std::to_string(process) + ": " + reason;
    }
    rlimit lowered = old_limit;
    lowered.rlim_cur = std::min<rlim_t>(static_cast<rlim_t>(limit_bytes), old_limit.rlim_max);
    if (::prlimit(process, RLIMIT_FSIZE, &lowered, nullptr) != 0) {
      if (errno == ESRCH) continue;
      const std::string reason = std::strerror(errno);
      restore();
      return "cannot set RLIMIT_FSIZE of process " + std::to_string(process) + ": " + reason;
    }
    previous_.emplace_back(process, old_limit);
  }
  if (previous_.empty()) return std::string("every server process exited before it could be limited");
  return std::nullopt;
}

void FileSizeLimit::restore() {
  for (const auto& [process, old_limit] : previous_) ::prlimit(process, RLIMIT_FSIZE, &old_limit, nullptr);
  previous_.clear();
}

std::vector<pid_t> processes_in_group(pid_t group) {
  std::vector<pid_t> members;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    std::ifstream stat_file(entry.path() / "stat");
    std::string text;
    if (!std::getline(stat_file, text)) continue;
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so read after the last ')'.
    const auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream fields(text.substr(close + 1));
    std::string state;
    long parent = 0, process_group = 0;
    if (!(fields >> state >> parent >> process_group)) continue;
    if (process_group == group && state != "Z") members.push_back(static_cast<pid_t>(std::stol(name)));
  }
  std::sort(members.begin(), members.end());
  std::stable_partition(members.begin(), members.end(), [group](pid_t member) { return member == group; });
  return members;
}

std::optional<std::uint64_t> smallest_database_file_bytes(const std::string& database_path, std::string& sizes_text) {
  std::optional<std::uint64_t> smallest;
  for (const std::string suffix : {"", "-wal", "-journal"}) {
    std::error_code error;
    const std::string path = database_path + suffix;
    const auto size = std::filesystem::file_size(path, error);
    if (error) {
      if (suffix.empty()) return std::nullopt;
      continue;
    }
    sizes_text += (sizes_text.empty() ? "" : ", ") + std::filesystem::path(path).filename().string() + " " +
                  std::to_string(size) + " bytes";
    smallest = std::min<std::uint64_t>(smallest.value_or(size), size);
  }
  return smallest;
}

}  // namespace resync::sim
