// slow_close: bytes pass untouched; the end of the stream is held back by `delay` ms.
#include "fault_injector/core/toxics/attribute_reader.hpp"
#include "fault_injector/core/toxics/builtin_toxic_types.hpp"

namespace resync::fault_injector {
namespace {

class SlowCloseToxic final : public Toxic {
 public:
  explicit SlowCloseToxic(std::int64_t delay_ms) : delay_(std::chrono::milliseconds(delay_ms)) {}

  void on_bytes(Direction direction, Chunk chunk, ToxicOutput& out) override {
    out.deliver(direction, chunk.at, std::move(chunk.bytes));
  }
  void on_end_of_stream(Direction direction, Instant at, ToxicOutput& out) override {
    out.end_stream(direction, at + delay_);
  }

 private:
  Instant delay_;
};

Result<nlohmann::json> normalize_slow_close(const nlohmann::json& attributes) {
  AttributeReader reader(attributes);
  reader.non_negative_integer("delay", 0);
  return reader.finish();
}

std::shared_ptr<Toxic> create_slow_close(const nlohmann::json& attributes, const ToxicPlacement& /*placement*/) {
  return std::make_shared<SlowCloseToxic>(attributes.at("delay").get<std::int64_t>());
}

}  // namespace

ToxicType slow_close_toxic_type() { return {"slow_close", &normalize_slow_close, &create_slow_close}; }

}  // namespace resync::fault_injector
