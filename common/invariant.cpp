#include "common/invariant.hpp"

#include <cstdio>
#include <cstdlib>

namespace resync {

void invariant_failed(const char* file, int line, const char* condition, std::string_view message) {
  // stdio, not iostreams: this may run while the program's state is already broken, and
  // one unbuffered write to stderr is the least that can go wrong.
  std::fprintf(stderr, "%s:%d: invariant broken: %s: %.*s\n", file, line, condition, static_cast<int>(message.size()),
               message.data());
  std::fflush(stderr);
  std::abort();
}

}  // namespace resync
