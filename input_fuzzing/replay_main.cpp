// resync_fuzz_replay: runs the fuzz targets on files, the way libFuzzer runs one input, in a
// build without libFuzzer (ctest's release and asan presets). `--all ROOT` replays every
// target's committed seed corpus (ROOT/corpus/<target>/) and the inputs of its past findings
// (ROOT/regressions/<target>/); a crash, a sanitizer report or a broken property stops the
// process, and the input being run is named on stderr first.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <unistd.h>

#include "input_fuzzing/fuzz_targets.hpp"

namespace fs = std::filesystem;
using resync::input_fuzzing::FuzzTarget;
using resync::input_fuzzing::fuzz_targets;

namespace {

// The input being run, for the signal handler (a crash names the file that caused it).
constexpr std::size_t input_path_bytes_max = 4096;
char current_input_path[input_path_bytes_max] = {};

extern "C" void name_input_and_reraise(int signal_number) {
  static constexpr char prefix[] = "\nresync_fuzz_replay: the input that stopped the process: ";
  [[maybe_unused]] ssize_t ignored = write(STDERR_FILENO, prefix, sizeof(prefix) - 1);
  ignored = write(STDERR_FILENO, current_input_path, std::strlen(current_input_path));
  ignored = write(STDERR_FILENO, "\n", 1);
  std::signal(signal_number, SIG_DFL);
  std::raise(signal_number);
}

const FuzzTarget* find_target(std::string_view name) {
  for (const FuzzTarget& target : fuzz_targets()) {
    if (target.name == name) return &target;
  }
  return nullptr;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The files of `path` (itself when it is a file), sorted, so every run is in the same order.
std::vector<fs::path> input_files(const fs::path& path) {
  std::vector<fs::path> files;
  if (fs::is_directory(path)) {
    for (const fs::directory_entry& entry : fs::directory_iterator(path)) {
      if (entry.is_regular_file()) files.push_back(entry.path());
    }
  } else if (fs::is_regular_file(path)) {
    files.push_back(path);
  } else {
    throw std::runtime_error(path.string() + " is neither a file nor a folder");
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::size_t run_inputs(const FuzzTarget& target, const fs::path& path) {
  std::vector<fs::path> files = input_files(path);
  for (const fs::path& file : files) {
    std::string text = file.string();
    std::snprintf(current_input_path, sizeof(current_input_path), "%s", text.c_str());
    target.run(read_file(file));
  }
  current_input_path[0] = '\0';
  return files.size();
}

// Every folder under ROOT/corpus and ROOT/regressions must name a target, and every target
// must have a seed corpus: a renamed target must not leave its inputs unreplayed.
int replay_all(const fs::path& root) {
  std::set<std::string> known;
  for (const FuzzTarget& target : fuzz_targets()) known.emplace(target.name);
  for (const char* kind : {"corpus", "regressions"}) {
    if (!fs::is_directory(root / kind)) continue;
    for (const fs::directory_entry& entry : fs::directory_iterator(root / kind)) {
      if (!known.contains(entry.path().filename().string())) {
        std::cerr << "resync_fuzz_replay: " << entry.path().string()
                  << " names no fuzz target; rename it to one of --list's names or remove it\n";
        return 2;
      }
    }
  }
  for (const FuzzTarget& target : fuzz_targets()) {
    fs::path corpus = root / "corpus" / std::string(target.name);
    if (!fs::is_directory(corpus) || fs::is_empty(corpus)) {
      std::cerr << "resync_fuzz_replay: target " << target.name << " has no seed corpus in " << corpus.string()
                << "; commit at least one input there\n";
      return 2;
    }
    std::size_t corpus_inputs = run_inputs(target, corpus);
    std::size_t regression_inputs = 0;
    fs::path regressions = root / "regressions" / std::string(target.name);
    if (fs::is_directory(regressions)) regression_inputs = run_inputs(target, regressions);
    std::cout << target.name << ": " << corpus_inputs << " corpus inputs, " << regression_inputs
              << " regression inputs, all passed\n";
  }
  return 0;
}

int usage(std::ostream& out, int status) {
  out << "usage: resync_fuzz_replay --all INPUT_FUZZING_DIR   every target on its corpus and regressions\n"
         "       resync_fuzz_replay TARGET FILE_OR_DIR...    one target on the given inputs\n"
         "       resync_fuzz_replay --list                   the targets\n";
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::signal(SIGABRT, name_input_and_reraise);
  std::signal(SIGSEGV, name_input_and_reraise);
  std::signal(SIGBUS, name_input_and_reraise);
  std::signal(SIGFPE, name_input_and_reraise);
  try {
    if (args.empty()) return usage(std::cerr, 2);
    if (args[0] == "--help" || args[0] == "-h") return usage(std::cout, 0);
    if (args[0] == "--list") {
      for (const FuzzTarget& target : fuzz_targets()) std::cout << target.name << "\t" << target.reads << "\n";
      return 0;
    }
    if (args[0] == "--all") {
      if (args.size() != 2) return usage(std::cerr, 2);
      return replay_all(args[1]);
    }
    const FuzzTarget* target = find_target(args[0]);
    if (target == nullptr) {
      std::cerr << "resync_fuzz_replay: no fuzz target named '" << args[0] << "'; --list shows them\n";
      return 2;
    }
    if (args.size() < 2) return usage(std::cerr, 2);
    std::size_t inputs = 0;
    for (std::size_t i = 1; i < args.size(); ++i) inputs += run_inputs(*target, args[i]);
    std::cout << target->name << ": " << inputs << " inputs, all passed\n";
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "resync_fuzz_replay: " << error.what() << "\n";
    return 2;
  }
}
