// The live timeline's order: work due at one instant runs in the order it was scheduled
// (Asio alone does not keep it), work scheduled from work runs after what was queued, and
// cancel_all stops everything.
#include "sim/runner/ordered_timer_queue.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace resync::sim {
namespace {

using Clock = OrderedTimerQueue::Clock;

TEST(OrderedTimerQueue, WorkDueAtOneInstantRunsInTheOrderItWasScheduled) {
  boost::asio::io_context io;
  OrderedTimerQueue queue(io);
  std::vector<std::string> ran;
  const Clock::time_point instant = Clock::now() + std::chrono::milliseconds(5);
  // Many at one instant, so an order kept by chance is unlikely.
  for (int index = 0; index < 200; ++index) {
    queue.schedule(instant, [&ran, index] { ran.push_back(std::to_string(index)); });
  }
  queue.schedule(instant - std::chrono::milliseconds(2), [&ran] { ran.push_back("earlier"); });
  io.run();
  ASSERT_EQ(ran.size(), 201u);
  EXPECT_EQ(ran.front(), "earlier");
  for (int index = 0; index < 200; ++index) EXPECT_EQ(ran[static_cast<std::size_t>(index) + 1], std::to_string(index));
}

TEST(OrderedTimerQueue, WorkScheduledFromWorkAtTheSameInstantRunsAfterWhatWasQueued) {
  boost::asio::io_context io;
  OrderedTimerQueue queue(io);
  std::vector<std::string> ran;
  const Clock::time_point instant = Clock::now() + std::chrono::milliseconds(2);
  queue.schedule(instant, [&] {
    ran.push_back("stop");
    queue.schedule(instant, [&ran] { ran.push_back("restart, scheduled by stop"); });
  });
  queue.schedule(instant, [&ran] { ran.push_back("next step"); });
  io.run();
  EXPECT_EQ(ran, (std::vector<std::string>{"stop", "next step", "restart, scheduled by stop"}));
}

TEST(OrderedTimerQueue, CancelAllRunsNothingMore) {
  boost::asio::io_context io;
  OrderedTimerQueue queue(io);
  int ran = 0;
  queue.schedule(Clock::now() + std::chrono::milliseconds(1), [&] {
    ++ran;
    queue.cancel_all();
  });
  queue.schedule(Clock::now() + std::chrono::milliseconds(3), [&] { ++ran; });
  io.run();
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(queue.pending(), 0u);
}

}  // namespace
}  // namespace resync::sim
