#pragma once
// Helpers for driving a ConnectionPipeline in tests, on virtual time.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "fault_injector/core/connection_pipeline.hpp"

namespace resync::fault_injector::testing {

inline constexpr Direction kDown = Direction::downstream;
inline constexpr Direction kUp = Direction::upstream;

using namespace std::chrono_literals;

inline ToxicSpec toxic_from_json(const nlohmann::json& body) {
  Result<ToxicSpec> spec = parse_toxic_spec(body);
  EXPECT_TRUE(spec.ok()) << (spec.ok() ? "" : spec.error().message);
  return spec.ok() ? spec.value() : ToxicSpec{};
}

inline std::span<const std::uint8_t> as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Everything written out in one direction, in order.
struct Delivered {
  std::vector<OutboxEntry> entries;
  std::string bytes() const {
    std::string all;
    for (const OutboxEntry& entry : entries) all += entry.bytes;
    return all;
  }
  bool ended() const { return !entries.empty() && entries.back().end_of_stream; }
};

// Feeds bytes and collects what would be written, whether the pipeline queued them or
// asked for a direct write.
class PipelineDriver {
 public:
  explicit PipelineDriver(std::uint64_t seed = 42, std::uint64_t connection_id = 1)
      : pipeline(seed, "test_proxy", connection_id) {}

  void send(Direction direction, std::string_view text, Instant now) {
    if (pipeline.on_bytes(direction, as_bytes(text), now) == ConnectionPipeline::Forwarding::write_directly) {
      delivered[index_of(direction)].entries.push_back({now, std::string(text), false});
    }
    drain_all();
  }
  void drain(Direction direction) {
    Outbox& outbox = pipeline.outbox(direction);
    while (!outbox.empty()) {
      delivered[index_of(direction)].entries.push_back(outbox.front());
      outbox.pop_front();
    }
  }
  void drain_all() {
    drain(Direction::upstream);
    drain(Direction::downstream);
  }
  Delivered& down() { return delivered[1]; }
  Delivered& up() { return delivered[0]; }

  ConnectionPipeline pipeline;
  Delivered delivered[2];
};

}  // namespace resync::fault_injector::testing
