// limit_data: the first `bytes` bytes pass, then the stream ends (FIN); the rest is dropped,
// which is this toxic's job. Attached to both directions, the budget is shared.
#include <algorithm>

#include "common/invariant.hpp"
#include "fault_injector/core/toxics/attribute_reader.hpp"
#include "fault_injector/core/toxics/builtin_toxic_types.hpp"

namespace resync::fault_injector {
namespace {

class LimitDataToxic final : public Toxic {
 public:
  LimitDataToxic(std::int64_t bytes_max, ToxicPlacement placement)
      : bytes_max_(static_cast<std::uint64_t>(bytes_max)), placement_(placement) {}

  void on_bytes(Direction direction, Chunk chunk, ToxicOutput& out) override {
    if (ended_) return;
    RESYNC_ASSERT(bytes_transmitted_ <= bytes_max_, "the stream ends once the budget is spent");
    const std::uint64_t remaining = bytes_max_ - bytes_transmitted_;
    if (chunk.bytes.size() > remaining) chunk.bytes.resize(static_cast<std::size_t>(remaining));
    bytes_transmitted_ += chunk.bytes.size();
    out.deliver(direction, chunk.at, std::move(chunk.bytes));
    if (bytes_transmitted_ >= bytes_max_) {
      ended_ = true;
      for (Direction each : kBothDirections) {
        if (placement_.in(each)) out.end_stream(each, chunk.at);
      }
    }
  }

 private:
  std::uint64_t bytes_max_;
  ToxicPlacement placement_;
  std::uint64_t bytes_transmitted_ = 0;
  bool ended_ = false;
};

Result<nlohmann::json> normalize_limit_data(const nlohmann::json& attributes) {
  AttributeReader reader(attributes);
  reader.non_negative_integer("bytes", 0);
  return reader.finish();
}

std::shared_ptr<Toxic> create_limit_data(const nlohmann::json& attributes, const ToxicPlacement& placement) {
  return std::make_shared<LimitDataToxic>(attributes.at("bytes").get<std::int64_t>(), placement);
}

}  // namespace

ToxicType limit_data_toxic_type() { return {"limit_data", &normalize_limit_data, &create_limit_data}; }

}  // namespace resync::fault_injector
