// slicer: each chunk is cut into pieces of about average_size (+/- size_variation) bytes,
// `delay` microseconds apart, like TCP segments arriving one by one. Same bytes, same order.
#include <algorithm>
#include <array>
#include <vector>

#include "common/invariant.hpp"
#include "common/portable_random.hpp"
#include "fault_injector/core/toxics/attribute_reader.hpp"
#include "fault_injector/core/toxics/builtin_toxic_types.hpp"

namespace resync::fault_injector {
namespace {

struct SlicerAttributes {
  std::int64_t average_size = 0;
  std::int64_t size_variation = 0;
  std::int64_t delay_us = 0;
};

class SlicerToxic final : public Toxic {
 public:
  SlicerToxic(SlicerAttributes attributes, std::uint64_t seed) : attributes_(attributes), random_(seed) {}

  void on_bytes(Direction direction, Chunk chunk, ToxicOutput& out) override {
    std::vector<std::size_t> cut_points;
    cut(0, chunk.bytes.size(), cut_points);
    Instant& next_free = next_free_[index_of(direction)];
    Instant release = std::max(chunk.at, next_free);
    std::size_t start = 0;
    for (std::size_t end : cut_points) {
      out.deliver(direction, release, chunk.bytes.substr(start, end - start));
      release += Instant(attributes_.delay_us);
      start = end;
    }
    next_free = release;
  }

 private:
  // Splits [start, end) roughly in half until pieces are within the variation of the
  // average, so no end of the chunk tends to get the small piece (Toxiproxy's scheme).
  // Recursion depth is log2(chunk size / average_size), so it stays small.
  void cut(std::size_t start, std::size_t end, std::vector<std::size_t>& cut_points) {
    const auto length = static_cast<std::int64_t>(end - start);
    if (length - attributes_.average_size <= attributes_.size_variation) {
      cut_points.push_back(end);
      return;
    }
    std::int64_t offset = length / 2;
    if (attributes_.size_variation > 0) {
      offset += random_.uniform_int(-attributes_.size_variation, attributes_.size_variation - 1);
    }
    // normalize_slicer() guarantees size_variation < average_size, so length >= 2 * size_variation + 2
    // here and the offset always leaves both halves non-empty.
    RESYNC_ASSERT(offset >= 1 && offset <= length - 1, "a cut leaves both pieces non-empty");
    const std::size_t middle = start + static_cast<std::size_t>(offset);
    cut(start, middle, cut_points);
    cut(middle, end, cut_points);
  }

  SlicerAttributes attributes_;
  SeededRandom random_;
  std::array<Instant, 2> next_free_{};
};

Result<nlohmann::json> normalize_slicer(const nlohmann::json& attributes) {
  AttributeReader reader(attributes);
  const std::int64_t average_size = reader.non_negative_integer("average_size", 0);
  const std::int64_t size_variation = reader.non_negative_integer("size_variation", 0);
  reader.non_negative_integer("delay", 0);
  Result<nlohmann::json> normalized = reader.finish();
  if (!normalized.ok()) return normalized;
  if (average_size < 1) return bad_request("attribute average_size must be at least 1");
  if (size_variation >= average_size) return bad_request("attribute size_variation must be less than average_size");
  return normalized;
}

std::shared_ptr<Toxic> create_slicer(const nlohmann::json& attributes, const ToxicPlacement& placement) {
  return std::make_shared<SlicerToxic>(
      SlicerAttributes{attributes.at("average_size").get<std::int64_t>(),
                       attributes.at("size_variation").get<std::int64_t>(), attributes.at("delay").get<std::int64_t>()},
      placement.seed);
}

}  // namespace

ToxicType slicer_toxic_type() { return {"slicer", &normalize_slicer, &create_slicer}; }

}  // namespace resync::fault_injector
