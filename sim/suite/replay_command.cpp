#include "sim/suite/replay_command.hpp"

namespace resync::sim {

namespace {

std::string shell_quote(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=@") == std::string::npos) {
    return text;
  }
  std::string quoted = "'";
  for (char character : text) {
    if (character == '\'') quoted += "'\\''";
    else quoted += character;
  }
  return quoted + "'";
}

}  // namespace

std::string replay_command(const std::string& file, const std::string& mode, std::uint64_t seed,
                           const ReplayTarget& target) {
  std::string command = "resync run " + shell_quote(file);
  if (mode == "sim") command += " --mode sim";
  command += " --seed " + std::to_string(seed);
  if (target.planted_bug) command += " --planted-bug " + shell_quote(*target.planted_bug);
  if (mode == "sim") return command;
  if (target.url) command += " --target " + shell_quote(*target.url);
  if (target.command) command += " --target-cmd " + shell_quote(*target.command);
  if (target.database) command += " --target-db " + shell_quote(*target.database);
  if (target.cluster && target.command) command += " --target-cluster";
  return command;
}

}  // namespace resync::sim
