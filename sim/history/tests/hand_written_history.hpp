#pragma once
// Test builders (checker, report) write a history as text and read it back through the real
// reader, so a builder cannot make a history the reader would refuse.
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "sim/history/history_reader.hpp"

namespace resync::history::testing {

inline History parse_hand_written(const std::string& text) {
  HistoryReadResult read = parse_history_text(text, "hand-written.jsonl");
  EXPECT_TRUE(read.ok()) << read.error_text();
  return read.ok() ? std::move(*read.history) : History{};
}

}  // namespace resync::history::testing
