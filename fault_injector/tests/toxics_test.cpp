// Each toxic on virtual time, through a ConnectionPipeline: exact bytes, exact instants.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "fault_injector/core/toxic_registry.hpp"
#include "fault_injector/tests/pipeline_test_support.hpp"

namespace resync::fault_injector::testing {
namespace {


TEST(ToxicRegistry, KnowsEveryToxicBySnakeCaseName) {
  for (const char* name : {"latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data",
                           "pause", "close"}) {
    EXPECT_NE(find_toxic_type(name), nullptr) << name;
  }
  EXPECT_EQ(find_toxic_type("nope"), nullptr);
}

TEST(PassThrough, WithoutToxicsBytesAreWrittenDirectly) {
  PipelineDriver driver;
  EXPECT_EQ(driver.pipeline.on_bytes(kDown, as_bytes("hello"), 5us), ConnectionPipeline::Forwarding::write_directly);
}

TEST(LatencyToxic, DelaysEveryChunkByTheLatency) {
  PipelineDriver driver;
  driver.pipeline.attach(toxic_from_json({{"type", "latency"}, {"attributes", {{"latency", 100}}}}), 0us);
  driver.send(kDown, "abc", 1000us);
  driver.send(kDown, "def", 2000us);
  ASSERT_EQ(driver.down().entries.size(), 2u);
  EXPECT_EQ(driver.down().entries[0].at, 101000us);
  EXPECT_EQ(driver.down().entries[1].at, 102000us);
  EXPECT_EQ(driver.down().bytes(), "abcdef");
  // Only downstream is affected.
  driver.send(kUp, "x", 3000us);
  EXPECT_EQ(driver.up().entries.at(0).at, 3000us);
}

RC_GTEST_PROP(LatencyToxic, JitterNeverReordersBytesOrDeliversEarly, ()) {
  const auto latency_ms = *rc::gen::inRange<int>(0, 50);
  const auto jitter_ms = *rc::gen::inRange<int>(0, 50);
  const auto chunks = *rc::gen::container<std::vector<std::string>>(rc::gen::nonEmpty<std::string>());
  PipelineDriver driver(*rc::gen::arbitrary<std::uint64_t>());
  driver.pipeline.attach(
      toxic_from_json({{"type", "latency"}, {"attributes", {{"latency", latency_ms}, {"jitter", jitter_ms}}}}), 0us);
  std::string sent;
  Instant now = 0us;
  for (const std::string& chunk : chunks) {
    now += 100us;
    driver.send(kDown, chunk, now);
    sent += chunk;
    RC_ASSERT(driver.down().entries.back().at >= now);
  }
  RC_ASSERT(driver.down().bytes() == sent);
  for (std::size_t i = 1; i < driver.down().entries.size(); ++i) {
    RC_ASSERT(driver.down().entries[i].at >= driver.down().entries[i - 1].at);
  }
}

TEST(LatencyToxic, SameSeedGivesTheSameJitterAndAnotherSeedDoesNot) {
  auto schedule = [](std::uint64_t seed) {
    PipelineDriver driver(seed);
    driver.pipeline.attach(
        toxic_from_json({{"type", "latency"}, {"attributes", {{"latency", 10}, {"jitter", 10}}}}), 0us);
    for (int i = 0; i < 20; ++i) driver.send(kDown, "x", Instant(i * 1'000'000));
    std::vector<Instant> instants;
    for (const OutboxEntry& entry : driver.down().entries) instants.push_back(entry.at);
    return instants;
  };
  EXPECT_EQ(schedule(7), schedule(7));
  EXPECT_NE(schedule(7), schedule(8));
}

TEST(BandwidthToxic, BytesLeaveAtTheConfiguredRate) {
  PipelineDriver driver;
  // 10 KB/s = 10 bytes per millisecond; pieces of at most 100 ms worth (1000 bytes).
  driver.pipeline.attach(toxic_from_json({{"type", "bandwidth"}, {"attributes", {{"rate", 10}}}}), 0us);
  driver.send(kDown, std::string(2500, 'b'), 0us);
  ASSERT_EQ(driver.down().entries.size(), 3u);
  EXPECT_EQ(driver.down().entries[0].at, 100ms);
  EXPECT_EQ(driver.down().entries[1].at, 200ms);
  EXPECT_EQ(driver.down().entries[2].at, 250ms);
  EXPECT_EQ(driver.down().bytes(), std::string(2500, 'b'));
}

TEST(SlowCloseToxic, DelaysOnlyTheEndOfStream) {
  PipelineDriver driver;
  driver.pipeline.attach(toxic_from_json({{"type", "slow_close"}, {"attributes", {{"delay", 300}}}}), 0us);
  driver.send(kDown, "data", 10us);
  driver.pipeline.on_end_of_stream(kDown, 20us);
  driver.drain_all();
  ASSERT_EQ(driver.down().entries.size(), 2u);
  EXPECT_EQ(driver.down().entries[0].at, 10us);
  EXPECT_TRUE(driver.down().entries[1].end_of_stream);
  EXPECT_EQ(driver.down().entries[1].at, 20us + 300ms);
}

TEST(TimeoutToxic, DropsBytesAndEndsTheStreamAfterTheTimeout) {
  PipelineDriver driver;
  driver.pipeline.attach(toxic_from_json({{"type", "timeout"}, {"attributes", {{"timeout", 50}}}}), 1000us);
  driver.send(kDown, "lost", 2000us);
  driver.drain_all();
  ASSERT_EQ(driver.down().entries.size(), 1u);
  EXPECT_TRUE(driver.down().entries[0].end_of_stream);
  EXPECT_EQ(driver.down().entries[0].at, 1000us + 50ms);
}

TEST(TimeoutToxic, ZeroNeverClosesAndDataFlowsAgainWhenRemoved) {
  PipelineDriver driver;
  driver.pipeline.attach(toxic_from_json({{"type", "timeout"}, {"attributes", {{"timeout", 0}}}}), 0us);
  driver.send(kDown, "lost", 10us);
  EXPECT_TRUE(driver.down().entries.empty());
  driver.pipeline.detach("timeout_downstream", 20us);
  driver.send(kDown, "kept", 30us);
  EXPECT_EQ(driver.down().bytes(), "kept");
}

TEST(ResetPeerToxic, ResetsTheConnectionAfterTheTimeoutAndForwardsNothingMore) {
  PipelineDriver driver;
  driver.send(kDown, "before", 5us);
  driver.pipeline.attach(toxic_from_json({{"type", "reset_peer"}, {"attributes", {{"timeout", 20}}}}), 10us);
  ASSERT_TRUE(driver.pipeline.reset_at().has_value());
  EXPECT_EQ(*driver.pipeline.reset_at(), 10us + 20ms);
  driver.send(kDown, "after", 15us);
  EXPECT_EQ(driver.down().bytes(), "before");
}

TEST(SlicerToxic, CutsChunksIntoSpacedPiecesWithoutChangingTheBytes) {
  PipelineDriver driver;
  driver.pipeline.attach(
      toxic_from_json(
          {{"type", "slicer"}, {"attributes", {{"average_size", 10}, {"size_variation", 3}, {"delay", 100}}}}),
      0us);
  std::string payload;
  for (int i = 0; i < 200; ++i) payload.push_back(static_cast<char>('a' + i % 26));
  driver.send(kDown, payload, 0us);
  EXPECT_EQ(driver.down().bytes(), payload);
  ASSERT_GT(driver.down().entries.size(), 10u);
  for (std::size_t i = 0; i < driver.down().entries.size(); ++i) {
    EXPECT_LE(driver.down().entries[i].bytes.size(), 13u);
    EXPECT_EQ(driver.down().entries[i].at, Instant(static_cast<std::int64_t>(i) * 100));
  }
}

TEST(LimitDataToxic, PassesExactlyTheLimitThenEndsTheStream) {
  PipelineDriver driver;
  driver.pipeline.attach(toxic_from_json({{"type", "limit_data"}, {"attributes", {{"bytes", 7}}}}), 0us);
  driver.send(kDown, "12345", 1us);
  driver.send(kDown, "67890", 2us);
  driver.send(kDown, "more", 3us);
  EXPECT_EQ(driver.down().bytes(), "1234567");
  EXPECT_TRUE(driver.down().ended());
}

TEST(LimitDataToxic, OnBothDirectionsTheBudgetIsShared) {
  PipelineDriver driver;
  driver.pipeline.attach(
      toxic_from_json({{"type", "limit_data"}, {"stream", "both"}, {"attributes", {{"bytes", 6}}}}), 0us);
  driver.send(kUp, "abcd", 1us);
  driver.send(kDown, "efgh", 2us);
  EXPECT_EQ(driver.up().bytes(), "abcd");
  EXPECT_EQ(driver.down().bytes(), "ef");
  EXPECT_TRUE(driver.up().ended());
  EXPECT_TRUE(driver.down().ended());
}

TEST(PauseToxic, HoldsEverythingAndReleasesItInOrderWhenHealed) {
  PipelineDriver driver;
  driver.pipeline.attach(toxic_from_json({{"type", "pause"}, {"stream", "both"}}), 0us);
  driver.send(kDown, "one", 1us);
  driver.send(kUp, "up", 2us);
  driver.send(kDown, "two", 3us);
  driver.pipeline.on_end_of_stream(kDown, 4us);
  driver.drain_all();
  EXPECT_TRUE(driver.down().entries.empty());
  EXPECT_EQ(driver.pipeline.buffered_bytes(kDown), 6u);
  driver.pipeline.detach("pause_both", 1000us);
  driver.drain_all();
  EXPECT_EQ(driver.down().bytes(), "onetwo");
  EXPECT_EQ(driver.up().bytes(), "up");
  EXPECT_TRUE(driver.down().ended());
  EXPECT_EQ(driver.down().entries.front().at, 1000us);
  EXPECT_EQ(driver.pipeline.buffered_bytes(kDown), 0u);
}

TEST(CloseToxic, EndsTheStreamAtOnceAfterBytesAlreadyQueued) {
  PipelineDriver driver;
  driver.pipeline.attach(toxic_from_json({{"type", "latency"}, {"attributes", {{"latency", 10}}}}), 0us);
  driver.send(kDown, "queued", 0us);
  driver.pipeline.attach(toxic_from_json({{"type", "close"}}), 1us);
  driver.send(kDown, "dropped", 2us);
  driver.drain_all();
  EXPECT_EQ(driver.down().bytes(), "queued");
  EXPECT_TRUE(driver.down().ended());
  // The FIN never overtakes bytes already scheduled.
  EXPECT_GE(driver.down().entries.back().at, 10ms);
}

TEST(Toxicity, ZeroNeverAppliesAndOneAlwaysApplies) {
  for (std::uint64_t connection = 1; connection <= 20; ++connection) {
    PipelineDriver never(1, connection);
    never.pipeline.attach(toxic_from_json({{"type", "close"}, {"toxicity", 0.0}}), 0us);
    never.send(kDown, "x", 1us);
    EXPECT_FALSE(never.down().ended());
    PipelineDriver always(1, connection);
    always.pipeline.attach(toxic_from_json({{"type", "close"}, {"toxicity", 1.0}}), 0us);
    always.drain_all();
    EXPECT_TRUE(always.down().ended());
  }
}

TEST(Toxicity, TheSameSeedPicksTheSameConnections) {
  auto picked = [](std::uint64_t seed) {
    std::vector<bool> applied;
    for (std::uint64_t connection = 1; connection <= 64; ++connection) {
      PipelineDriver driver(seed, connection);
      driver.pipeline.attach(toxic_from_json({{"type", "close"}, {"toxicity", 0.5}}), 0us);
      driver.drain_all();
      applied.push_back(driver.down().ended());
    }
    return applied;
  };
  EXPECT_EQ(picked(3), picked(3));
  EXPECT_NE(picked(3), picked(4));
  const auto applied = picked(3);
  const auto count = std::count(applied.begin(), applied.end(), true);
  EXPECT_GT(count, 16);
  EXPECT_LT(count, 48);
}

}  // namespace
}  // namespace resync::fault_injector::testing
