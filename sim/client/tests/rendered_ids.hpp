#pragma once
// The ids a client rendered, in its order.
#include <cstdint>
#include <vector>

#include "sim/client/chat_client.hpp"

namespace resync::sim::testing {

inline std::vector<std::int64_t> rendered_ids(const ChatClient& client) {
  std::vector<std::int64_t> ids;
  for (const auto& message : client.rendered()) ids.push_back(message.id);
  return ids;
}

}  // namespace resync::sim::testing
