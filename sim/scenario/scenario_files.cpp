// find_scenario_files: which files `resync run PATH` loads.
#include <algorithm>
#include <filesystem>
#include <system_error>

#include "sim/scenario/scenario_loader.hpp"

namespace resync::sim {

std::vector<std::string> find_scenario_files(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code error;
  if (!fs::is_directory(path, error)) return {path};  // loading it reports a missing or bad file

  std::vector<std::string> files;
  fs::recursive_directory_iterator it(path, fs::directory_options::skip_permission_denied, error);
  for (; !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    const fs::path& entry = it->path();
    if (entry.extension() != ".json" || entry.filename() == "schema.json") continue;
    std::error_code type_error;
    if (it->is_regular_file(type_error)) files.push_back(entry.string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace resync::sim
