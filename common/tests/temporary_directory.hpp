#pragma once
// A fresh directory under the system's temporary directory for one test, removed with
// everything in it when the test ends. Unique per process and object, so tests of one binary
// (and parallel ctest runs) never share one.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include <unistd.h>

namespace resync::test_support {

class TemporaryDirectory {
 public:
  explicit TemporaryDirectory(const std::string& prefix = "resync-test") {
    path_ = std::filesystem::temp_directory_path() /
            (prefix + "-" + std::to_string(::getpid()) + "-" + std::to_string(next_number_++));
    std::filesystem::create_directories(path_);
  }
  ~TemporaryDirectory() {
    std::error_code ignored;  // a test that failed half-way must not also throw here
    std::filesystem::remove_all(path_, ignored);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  // Writes `text` to `relative` (creating its parent directories).
  void write(const std::string& relative, const std::string& text) const {
    std::filesystem::create_directories((path_ / relative).parent_path());
    std::ofstream(path_ / relative, std::ios::binary) << text;
  }

 private:
  static inline std::atomic<int> next_number_ = 0;
  std::filesystem::path path_;
};

}  // namespace resync::test_support
