// close (Resync extension): a clean close (FIN) of the stream the moment the toxic starts,
// after the bytes already on their way. Bytes arriving later cannot follow a FIN, so they
// are dropped: that is the job. Attached to both directions it closes both ways.
#include "fault_injector/core/toxics/attribute_reader.hpp"
#include "fault_injector/core/toxics/builtin_toxic_types.hpp"

namespace resync::fault_injector {
namespace {

class CloseToxic final : public Toxic {
 public:
  explicit CloseToxic(ToxicPlacement placement) : placement_(placement) {}

  void on_attached(Instant now, ToxicOutput& out) override {
    for (Direction direction : kBothDirections) {
      if (placement_.in(direction)) out.end_stream(direction, now);
    }
  }
  void on_bytes(Direction, Chunk, ToxicOutput&) override {}

 private:
  ToxicPlacement placement_;
};

Result<nlohmann::json> normalize_close(const nlohmann::json& attributes) {
  AttributeReader reader(attributes);
  return reader.finish();
}

std::shared_ptr<Toxic> create_close(const nlohmann::json&, const ToxicPlacement& placement) {
  return std::make_shared<CloseToxic>(placement);
}

}  // namespace

ToxicType close_toxic_type() { return {"close", &normalize_close, &create_close}; }

}  // namespace resync::fault_injector
