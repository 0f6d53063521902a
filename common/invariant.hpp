#pragma once
// Assertions for invariants: a broken one is a bug in this program, so it stops the program
// at once with file:line, the condition and why it must hold, instead of being clamped or
// ignored (TigerBeetle's style: assertions for programmer errors).
// Operating errors (bad network input, storage failing, a malformed scenario) are not
// invariants: they stay error values. Never assert on what a peer or a file sent.
//
// RESYNC_ASSERT is always on: keep its condition cheap (a comparison, a lookup already made).
// RESYNC_ASSERT_EXPENSIVE (a scan, a recount) runs only in builds without NDEBUG and under
// the sanitizers (RESYNC_EXPENSIVE_ASSERTIONS, set by -DRESYNC_SANITIZE=ON); elsewhere its
// condition is compiled but not evaluated.
#include <string_view>

namespace resync {

[[noreturn]] void invariant_failed(const char* file, int line, const char* condition, std::string_view message);

}  // namespace resync

#define RESYNC_ASSERT(condition, message) \
  ((condition) ? static_cast<void>(0) : ::resync::invariant_failed(__FILE__, __LINE__, #condition, (message)))

#if !defined(NDEBUG) || defined(RESYNC_EXPENSIVE_ASSERTIONS)
#define RESYNC_ASSERT_EXPENSIVE(condition, message) RESYNC_ASSERT(condition, message)
#else
#define RESYNC_ASSERT_EXPENSIVE(condition, message) static_cast<void>(sizeof((condition) ? 1 : 0))
#endif
