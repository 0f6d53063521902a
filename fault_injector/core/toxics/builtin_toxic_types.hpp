#pragma once
// One function per toxic file; the registry lists them explicitly (static self-registration
// would be silently dropped by the linker when the library is static).
#include "fault_injector/core/toxic_registry.hpp"

namespace resync::fault_injector {

ToxicType latency_toxic_type();
ToxicType bandwidth_toxic_type();
ToxicType slow_close_toxic_type();
ToxicType timeout_toxic_type();
ToxicType reset_peer_toxic_type();
ToxicType slicer_toxic_type();
ToxicType limit_data_toxic_type();
ToxicType pause_toxic_type();
ToxicType close_toxic_type();
ToxicType noop_toxic_type();

}  // namespace resync::fault_injector
