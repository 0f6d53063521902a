// noop (Toxiproxy's own): passes every byte on unchanged, at the instant it arrived. With a
// trigger it is a watch: nothing happens to the connection, but its trigger still fires
// and is reported (TriggerListener), which is how a runner acts on a protocol event, e.g.
// kills the server the moment the proxy sees its 5th ACK.
#include "fault_injector/core/toxics/attribute_reader.hpp"
#include "fault_injector/core/toxics/builtin_toxic_types.hpp"

namespace resync::fault_injector {
namespace {

class NoopToxic final : public Toxic {
 public:
  void on_bytes(Direction direction, Chunk chunk, ToxicOutput& out) override {
    out.deliver(direction, chunk.at, std::move(chunk.bytes));
  }
};

Result<nlohmann::json> normalize_noop(const nlohmann::json& attributes) {
  AttributeReader reader(attributes);
  return reader.finish();
}

std::shared_ptr<Toxic> create_noop(const nlohmann::json&, const ToxicPlacement&) { return std::make_shared<NoopToxic>(); }

}  // namespace

ToxicType noop_toxic_type() { return {"noop", &normalize_noop, &create_noop}; }

}  // namespace resync::fault_injector
