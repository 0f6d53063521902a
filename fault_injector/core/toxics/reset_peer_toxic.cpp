// reset_peer: the connection is reset (TCP RST, SO_LINGER 0) `timeout` ms after the toxic
// starts; 0 = at once. Like Toxiproxy, bytes reaching it are not forwarded any more: a reset
// discards unsent data, so losing them is its job.
#include "fault_injector/core/toxics/attribute_reader.hpp"
#include "fault_injector/core/toxics/builtin_toxic_types.hpp"

namespace resync::fault_injector {
namespace {

class ResetPeerToxic final : public Toxic {
 public:
  explicit ResetPeerToxic(std::int64_t timeout_ms) : timeout_(std::chrono::milliseconds(timeout_ms)) {}

  void on_attached(Instant now, ToxicOutput& out) override { out.reset_connection(now + timeout_); }
  void on_bytes(Direction, Chunk, ToxicOutput&) override {}

 private:
  Instant timeout_;
};

Result<nlohmann::json> normalize_reset_peer(const nlohmann::json& attributes) {
  AttributeReader reader(attributes);
  reader.non_negative_integer("timeout", 0);
  return reader.finish();
}

std::shared_ptr<Toxic> create_reset_peer(const nlohmann::json& attributes, const ToxicPlacement& /*placement*/) {
  return std::make_shared<ResetPeerToxic>(attributes.at("timeout").get<std::int64_t>());
}

}  // namespace

ToxicType reset_peer_toxic_type() { return {"reset_peer", &normalize_reset_peer, &create_reset_peer}; }

}  // namespace resync::fault_injector
