// latency: every chunk waits latency_ms +/- jitter_ms before it goes on. Bytes are never
// reordered: a chunk whose jitter would let it overtake the previous one waits for it.
#include <algorithm>
#include <array>
#include "common/portable_random.hpp"
#include "fault_injector/core/toxics/attribute_reader.hpp"
#include "fault_injector/core/toxics/builtin_toxic_types.hpp"

namespace resync::fault_injector {
namespace {

struct LatencyAttributes {
  std::int64_t latency_ms = 0;
  std::int64_t jitter_ms = 0;
};

class LatencyToxic final : public Toxic {
 public:
  LatencyToxic(LatencyAttributes attributes, std::uint64_t seed) : attributes_(attributes), random_(seed) {}

  void on_bytes(Direction direction, Chunk chunk, ToxicOutput& out) override {
    Instant delay = std::chrono::milliseconds(attributes_.latency_ms);
    if (attributes_.jitter_ms > 0) {
      const std::int64_t jitter_us = attributes_.jitter_ms * 1000;
      delay += Instant(random_.uniform_int(-jitter_us, jitter_us));
    }
    Instant& previous_release = previous_release_[index_of(direction)];
    const Instant release = std::max({chunk.at + delay, chunk.at, previous_release});
    previous_release = release;
    out.deliver(direction, release, std::move(chunk.bytes));
  }

 private:
  LatencyAttributes attributes_;
  SeededRandom random_;
  std::array<Instant, 2> previous_release_{};
};

Result<nlohmann::json> normalize_latency(const nlohmann::json& attributes) {
  AttributeReader reader(attributes);
  reader.non_negative_integer("latency", 0);
  reader.non_negative_integer("jitter", 0);
  return reader.finish();
}

std::shared_ptr<Toxic> create_latency(const nlohmann::json& attributes, const ToxicPlacement& placement) {
  return std::make_shared<LatencyToxic>(
      LatencyAttributes{attributes.at("latency").get<std::int64_t>(), attributes.at("jitter").get<std::int64_t>()},
      placement.seed);
}

}  // namespace

ToxicType latency_toxic_type() { return {"latency", &normalize_latency, &create_latency}; }

}  // namespace resync::fault_injector
