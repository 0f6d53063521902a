// libFuzzer's entry point for one target: compiled once per target with
// RESYNC_FUZZ_TARGET_FUNCTION naming its function (input_fuzzing/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "input_fuzzing/fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  RESYNC_FUZZ_TARGET_FUNCTION(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
