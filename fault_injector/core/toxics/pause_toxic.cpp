// pause (Resync extension): the cable is unplugged. Every byte, and an end of stream, is held
// in order; nothing is lost. When the toxic is removed (healed) everything is released at
// once, as a network that comes back delivers its backlog. The proxy stops reading while the
// held backlog is above its buffer limit, so TCP flow control pushes back on the sender.
#include <algorithm>
#include <array>
#include <deque>

#include "fault_injector/core/toxics/attribute_reader.hpp"
#include "fault_injector/core/toxics/builtin_toxic_types.hpp"

namespace resync::fault_injector {
namespace {

class PauseToxic final : public Toxic {
 public:
  void on_bytes(Direction direction, Chunk chunk, ToxicOutput&) override {
    held_bytes_[index_of(direction)] += chunk.bytes.size();
    held_.push_back({Emission::Kind::bytes, direction, chunk.at, std::move(chunk.bytes)});
  }
  void on_end_of_stream(Direction direction, Instant at, ToxicOutput&) override {
    held_.push_back({Emission::Kind::end_of_stream, direction, at, {}});
  }
  void on_detached(Instant now, ToxicOutput& out) override {
    for (Emission& emission : held_) {
      const Instant release = std::max(now, emission.at);
      if (emission.kind == Emission::Kind::bytes) {
        out.deliver(emission.direction, release, std::move(emission.bytes));
      } else {
        out.end_stream(emission.direction, release);
      }
    }
    held_.clear();
    held_bytes_ = {0, 0};
  }
  std::size_t held_bytes(Direction direction) const override { return held_bytes_[index_of(direction)]; }

 private:
  std::deque<Emission> held_;
  std::array<std::size_t, 2> held_bytes_{0, 0};
};

Result<nlohmann::json> normalize_pause(const nlohmann::json& attributes) {
  AttributeReader reader(attributes);
  return reader.finish();
}

std::shared_ptr<Toxic> create_pause(const nlohmann::json&, const ToxicPlacement&) { return std::make_shared<PauseToxic>(); }

}  // namespace

ToxicType pause_toxic_type() { return {"pause", &normalize_pause, &create_pause}; }

}  // namespace resync::fault_injector
