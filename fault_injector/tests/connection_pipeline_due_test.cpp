// What is due when: next_deadline() and take_due() are the pipeline's whole answer to a
// shell (the TCP proxy and the simulator ask nothing else), on virtual time.
#include <gtest/gtest.h>

#include "fault_injector/core/connection_pipeline.hpp"
#include "fault_injector/tests/pipeline_test_support.hpp"

namespace resync::fault_injector::testing {
namespace {


ConnectionPipeline make_pipeline() { return ConnectionPipeline(42, "test_proxy", 1); }

void feed(ConnectionPipeline& pipeline, Direction direction, std::string_view text, Instant now) {
  ASSERT_EQ(pipeline.on_bytes(direction, as_bytes(text), now), ConnectionPipeline::Forwarding::queued);
}

std::string written_bytes(const ConnectionPipeline::Due& due, Direction direction) {
  std::string all;
  for (const auto& write : due.writes) {
    if (write.direction == direction) all += write.bytes;
  }
  return all;
}

TEST(PipelineDue, AnIdlePipelineHasNoDeadlineAndNothingDue) {
  ConnectionPipeline pipeline = make_pipeline();
  EXPECT_EQ(pipeline.next_deadline(), std::nullopt);
  const ConnectionPipeline::Due due = pipeline.take_due(1000us);
  EXPECT_TRUE(due.writes.empty());
  EXPECT_FALSE(due.reset);
}

TEST(PipelineDue, DelayedBytesAreDueAtTheirInstantAndNotBefore) {
  ConnectionPipeline pipeline = make_pipeline();
  pipeline.attach(toxic_from_json({{"type", "latency"}, {"attributes", {{"latency", 100}}}}), 0us);
  feed(pipeline, kDown, "hello", 5000us);
  EXPECT_EQ(pipeline.next_deadline(), 105000us);
  EXPECT_EQ(pipeline.next_write_deadline(kDown), 105000us);
  EXPECT_EQ(pipeline.next_write_deadline(kUp), std::nullopt);
  EXPECT_TRUE(pipeline.take_due(104999us).writes.empty());
  const ConnectionPipeline::Due due = pipeline.take_due(105000us);
  ASSERT_EQ(due.writes.size(), 1u);
  EXPECT_EQ(due.writes[0].direction, kDown);
  EXPECT_EQ(due.writes[0].bytes, "hello");
  EXPECT_FALSE(due.writes[0].end_of_stream);
  EXPECT_EQ(pipeline.next_deadline(), std::nullopt);
}

TEST(PipelineDue, TakeDueHandsOutUpstreamThenDownstreamEachInStreamOrderWithTheEndLast) {
  ConnectionPipeline pipeline = make_pipeline();
  pipeline.attach(toxic_from_json({{"name", "down"}, {"type", "latency"}, {"attributes", {{"latency", 10}}}}), 0us);
  pipeline.attach(toxic_from_json(
                      {{"name", "up"}, {"type", "latency"}, {"stream", "upstream"}, {"attributes", {{"latency", 10}}}}),
                  0us);
  feed(pipeline, kDown, "d1", 0us);
  feed(pipeline, kUp, "u1", 1000us);
  feed(pipeline, kDown, "d2", 2000us);
  pipeline.on_end_of_stream(kDown, 3000us);
  const ConnectionPipeline::Due due = pipeline.take_due(20000us);
  ASSERT_EQ(due.writes.size(), 4u);
  EXPECT_EQ(due.writes[0].direction, kUp);
  EXPECT_EQ(due.writes[0].bytes, "u1");
  EXPECT_EQ(due.writes[1].bytes, "d1");
  EXPECT_EQ(due.writes[2].bytes, "d2");
  EXPECT_EQ(due.writes[3].direction, kDown);
  EXPECT_TRUE(due.writes[3].end_of_stream);
  EXPECT_TRUE(due.writes[3].bytes.empty());
}

TEST(PipelineDue, NextDeadlineAfterNowSkipsWhatIsAlreadyDue) {
  ConnectionPipeline pipeline = make_pipeline();
  pipeline.attach(toxic_from_json({{"type", "latency"}, {"attributes", {{"latency", 10}}}}), 0us);
  feed(pipeline, kDown, "a", 0us);
  feed(pipeline, kDown, "b", 5000us);
  // "a" is due at 10 ms but (say) the socket is full: the timer is for "b" only.
  EXPECT_EQ(pipeline.next_deadline(), 10000us);
  EXPECT_EQ(pipeline.next_deadline_after(12000us), std::nullopt);
  EXPECT_EQ(pipeline.next_write_deadline(kDown), 10000us);
  ASSERT_TRUE(pipeline.take_due(12000us, kDown).has_value());
  EXPECT_EQ(pipeline.next_deadline_after(12000us), 15000us);
}

TEST(PipelineDue, APartialWriteLeavesTheRestDueAtTheFront) {
  ConnectionPipeline pipeline = make_pipeline();
  pipeline.attach(toxic_from_json({{"type", "latency"}, {"attributes", {{"latency", 1}}}}), 0us);
  feed(pipeline, kDown, "abcdef", 0us);
  feed(pipeline, kDown, "gh", 0us);
  auto due = pipeline.peek_due(1000us, kDown);
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(due->bytes, "abcdef");
  pipeline.consume_due(kDown, 4);
  due = pipeline.peek_due(1000us, kDown);
  ASSERT_TRUE(due.has_value());
  EXPECT_EQ(due->bytes, "ef");
  EXPECT_EQ(pipeline.buffered_bytes(kDown), 4u);
  pipeline.consume_due(kDown, 2);
  const auto taken = pipeline.take_due(1000us, kDown);
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->bytes, "gh");
  EXPECT_FALSE(pipeline.peek_due(1000us, kDown).has_value());
}

TEST(PipelineDue, AnAfterMsTriggerIsADeadlineAndTakeDueRunsIt) {
  ConnectionPipeline pipeline = make_pipeline();
  std::vector<TriggerFiring> firings;
  pipeline.set_trigger_listener([&firings](const TriggerFiring& firing) { firings.push_back(firing); });
  pipeline.attach(toxic_from_json({{"type", "reset_peer"}, {"trigger", {{"after_ms", 250}}}}), 1000us);
  EXPECT_EQ(pipeline.next_deadline(), 251000us);
  EXPECT_EQ(pipeline.next_trigger_deadline(), 251000us);
  EXPECT_FALSE(pipeline.take_due(250999us).reset);
  EXPECT_TRUE(firings.empty());
  const ConnectionPipeline::Due due = pipeline.take_due(251000us);
  ASSERT_EQ(firings.size(), 1u);
  EXPECT_EQ(firings[0].at, 251000us);
  EXPECT_TRUE(due.reset);
  EXPECT_EQ(pipeline.next_trigger_deadline(), std::nullopt);
}

TEST(PipelineDue, BytesDueBeforeAResetGoOutFirstAndBytesAfterItNever) {
  ConnectionPipeline pipeline = make_pipeline();
  pipeline.attach(toxic_from_json({{"name", "slow"}, {"type", "latency"}, {"attributes", {{"latency", 10}}}}), 0us);
  // The reset acts upstream, so downstream bytes keep flowing through the latency until it.
  pipeline.attach(toxic_from_json(
                      {{"name", "cut"}, {"type", "reset_peer"}, {"stream", "upstream"}, {"attributes", {{"timeout", 20}}}}),
                  0us);
  EXPECT_EQ(pipeline.reset_at(), 20000us);
  feed(pipeline, kDown, "before", 5000us);  // due at 15 ms
  feed(pipeline, kDown, "after", 15000us);  // due at 25 ms, after the reset
  EXPECT_EQ(pipeline.next_deadline(), 15000us);
  // The reset's time has come, but "before" (due at 15 ms) has not been written yet.
  EXPECT_FALSE(pipeline.reset_due(30000us));
  const auto due_first = pipeline.peek_due(30000us, kDown);
  ASSERT_TRUE(due_first.has_value());
  EXPECT_EQ(due_first->bytes, "before");
  const ConnectionPipeline::Due due = pipeline.take_due(30000us);
  EXPECT_EQ(written_bytes(due, kDown), "before");
  EXPECT_TRUE(due.reset);
}

TEST(PipelineDue, TheResetFollowsTheWritesDueBeforeIt) {
  ConnectionPipeline pipeline = make_pipeline();
  pipeline.attach(toxic_from_json({{"name", "slow"}, {"type", "latency"}, {"attributes", {{"latency", 10}}}}), 0us);
  feed(pipeline, kDown, "before", 5000us);  // due at 15 ms
  pipeline.attach(toxic_from_json({{"name", "cut"}, {"type", "reset_peer"}, {"attributes", {{"timeout", 20}}}}),
                  5000us);                   // resets at 25 ms
  feed(pipeline, kDown, "after", 15000us);  // reaches the reset_peer toxic: never forwarded
  const ConnectionPipeline::Due due = pipeline.take_due(30000us);
  EXPECT_EQ(written_bytes(due, kDown), "before");
  EXPECT_TRUE(due.reset);
}

TEST(PipelineDue, AWriteDueAfterThePendingResetIsNeverHandedOut) {
  ConnectionPipeline pipeline = make_pipeline();
  pipeline.attach(toxic_from_json({{"name", "slow"}, {"type", "latency"}, {"attributes", {{"latency", 50}}}}), 0us);
  feed(pipeline, kDown, "late", 0us);  // due at 50 ms
  pipeline.attach(toxic_from_json(
                      {{"name", "cut"}, {"type", "reset_peer"}, {"stream", "upstream"}, {"attributes", {{"timeout", 20}}}}),
                  0us);
  EXPECT_EQ(pipeline.next_deadline(), 20000us);
  EXPECT_FALSE(pipeline.peek_due(60000us, kDown).has_value());
  EXPECT_TRUE(pipeline.reset_due(60000us));
  const ConnectionPipeline::Due due = pipeline.take_due(60000us);
  EXPECT_TRUE(due.writes.empty());
  EXPECT_TRUE(due.reset);
}

TEST(PipelineDue, BytesAWriterCouldNotWriteDirectlyAreDueBeforeLaterOnes) {
  ConnectionPipeline pipeline = make_pipeline();
  ASSERT_EQ(pipeline.on_bytes(kUp, as_bytes("first"), 0us), ConnectionPipeline::Forwarding::write_directly);
  pipeline.queue_unwritten(kUp, "rst", 0us);  // "fi" was written, "rst" was not
  EXPECT_EQ(pipeline.next_deadline(), 0us);
  EXPECT_EQ(pipeline.buffered_bytes(kUp), 3u);
  // Queued bytes make the direction busy: the next read goes through the outbox too.
  EXPECT_EQ(pipeline.on_bytes(kUp, as_bytes("second"), 1000us), ConnectionPipeline::Forwarding::queued);
  const ConnectionPipeline::Due due = pipeline.take_due(1000us);
  EXPECT_EQ(written_bytes(due, kUp), "rstsecond");
  pipeline.discard_unwritten();
  EXPECT_EQ(pipeline.next_deadline(), std::nullopt);
}

TEST(PipelineDue, DiscardUnwrittenDropsEverythingQueued) {
  ConnectionPipeline pipeline = make_pipeline();
  pipeline.attach(toxic_from_json({{"type", "latency"}, {"attributes", {{"latency", 10}}}}), 0us);
  feed(pipeline, kDown, "x", 0us);
  pipeline.on_end_of_stream(kDown, 0us);
  pipeline.discard_unwritten();
  EXPECT_EQ(pipeline.next_write_deadline(kDown), std::nullopt);
  EXPECT_TRUE(pipeline.take_due(100000us).writes.empty());
}

}  // namespace
}  // namespace resync::fault_injector::testing
