// bandwidth: bytes leave no faster than `rate` KB/s (1 KB = 1000 bytes, as in Toxiproxy),
// store-and-forward, in pieces of at most 100 ms worth so slow links still trickle.
// rate 0 means unlimited.
#include <algorithm>
#include <array>

#include "fault_injector/core/toxics/attribute_reader.hpp"
#include "fault_injector/core/toxics/builtin_toxic_types.hpp"

namespace resync::fault_injector {
namespace {

// The link is modelled as pieces of 100 ms of traffic, so a big chunk arrives gradually.
constexpr std::int64_t piece_duration_ms = 100;
// A piece stays a sane allocation at any rate (the rate attribute goes up to 2^40 KB/s).
constexpr std::int64_t piece_bytes_max_at_any_rate = std::int64_t{1} << 30;

class BandwidthToxic final : public Toxic {
 public:
  explicit BandwidthToxic(std::int64_t rate_kilobytes_per_second) : rate_bytes_per_ms_(rate_kilobytes_per_second) {}

  void on_bytes(Direction direction, Chunk chunk, ToxicOutput& out) override {
    if (rate_bytes_per_ms_ == 0) {
      out.deliver(direction, chunk.at, std::move(chunk.bytes));
      return;
    }
    // Nanoseconds keep the schedule exact over many small chunks (no rounding drift).
    std::int64_t& link_free_at_ns = link_free_at_ns_[index_of(direction)];
    link_free_at_ns = std::max(link_free_at_ns, static_cast<std::int64_t>(chunk.at.count()) * 1000);
    const std::size_t piece_bytes_max = static_cast<std::size_t>(
        std::min<std::int64_t>(rate_bytes_per_ms_ * piece_duration_ms, piece_bytes_max_at_any_rate));
    std::size_t offset = 0;
    while (offset < chunk.bytes.size()) {
      const std::size_t piece = std::min(piece_bytes_max, chunk.bytes.size() - offset);
      link_free_at_ns += static_cast<std::int64_t>(piece) * 1'000'000 / rate_bytes_per_ms_;
      const Instant release((link_free_at_ns + 999) / 1000);
      out.deliver(direction, release, chunk.bytes.substr(offset, piece));
      offset += piece;
    }
  }

 private:
  std::int64_t rate_bytes_per_ms_;
  std::array<std::int64_t, 2> link_free_at_ns_{};
};

Result<nlohmann::json> normalize_bandwidth(const nlohmann::json& attributes) {
  AttributeReader reader(attributes);
  reader.non_negative_integer("rate", 0);
  return reader.finish();
}

std::shared_ptr<Toxic> create_bandwidth(const nlohmann::json& attributes, const ToxicPlacement& /*placement*/) {
  return std::make_shared<BandwidthToxic>(attributes.at("rate").get<std::int64_t>());
}

}  // namespace

ToxicType bandwidth_toxic_type() { return {"bandwidth", &normalize_bandwidth, &create_bandwidth}; }

}  // namespace resync::fault_injector
