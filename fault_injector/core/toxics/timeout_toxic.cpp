// timeout: a black hole. Bytes are dropped (losing them is this toxic's job) and, when
// timeout > 0, the stream is ended `timeout` ms after the toxic starts; 0 = never closes,
// data flows again once the toxic is removed.
#include "fault_injector/core/toxics/attribute_reader.hpp"
#include "fault_injector/core/toxics/builtin_toxic_types.hpp"

namespace resync::fault_injector {
namespace {

class TimeoutToxic final : public Toxic {
 public:
  TimeoutToxic(std::int64_t timeout_ms, ToxicPlacement placement)
      : timeout_(std::chrono::milliseconds(timeout_ms)), placement_(placement) {}

  void on_attached(Instant now, ToxicOutput& out) override {
    if (timeout_.count() == 0) return;
    for (Direction direction : kBothDirections) {
      if (placement_.in(direction)) out.end_stream(direction, now + timeout_);
    }
  }
  void on_bytes(Direction, Chunk, ToxicOutput&) override {}

 private:
  Instant timeout_;
  ToxicPlacement placement_;
};

Result<nlohmann::json> normalize_timeout(const nlohmann::json& attributes) {
  AttributeReader reader(attributes);
  reader.non_negative_integer("timeout", 0);
  return reader.finish();
}

std::shared_ptr<Toxic> create_timeout(const nlohmann::json& attributes, const ToxicPlacement& placement) {
  return std::make_shared<TimeoutToxic>(attributes.at("timeout").get<std::int64_t>(), placement);
}

}  // namespace

ToxicType timeout_toxic_type() { return {"timeout", &normalize_timeout, &create_timeout}; }

}  // namespace resync::fault_injector
