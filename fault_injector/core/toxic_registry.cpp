#include "fault_injector/core/toxic_registry.hpp"

#include "fault_injector/core/toxics/builtin_toxic_types.hpp"

namespace resync::fault_injector {

const std::vector<ToxicType>& all_toxic_types() {
  static const std::vector<ToxicType> types = {
      latency_toxic_type(), bandwidth_toxic_type(),  slow_close_toxic_type(),
      timeout_toxic_type(), reset_peer_toxic_type(), slicer_toxic_type(),
      limit_data_toxic_type(), pause_toxic_type(),   close_toxic_type(),
      noop_toxic_type(),
  };
  return types;
}

const ToxicType* find_toxic_type(std::string_view name) {
  for (const ToxicType& type : all_toxic_types()) {
    if (type.name == name) return &type;
  }
  return nullptr;
}

}  // namespace resync::fault_injector
