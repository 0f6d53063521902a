#include "server/core/polling_outbox.hpp"

#include <utility>

#include "common/invariant.hpp"
#include "protocol/engineio_packet.hpp"

namespace resync::server {

bool PollingOutbox::push(std::string packet) {
  if (bytes_ + packet.size() + 1 > bytes_max_) return false;
  bytes_ += packet.size() + 1;  // +1: the separator it costs in the payload
  packets_.push_back(std::move(packet));
  return true;
}

std::string PollingOutbox::take_payload() {
  std::string payload;
  payload.reserve(bytes_);
  for (std::size_t index = 0; index < packets_.size(); ++index) {
    if (index > 0) payload.push_back(protocol::engineio::record_separator);
    payload.append(packets_[index]);
  }
  // The limit is enforced on bytes_, so it must be exactly what the answer will carry.
  RESYNC_ASSERT(packets_.empty() ? bytes_ == 0 : payload.size() + 1 == bytes_,
                "bytes_ counts every queued packet plus one separator each");
  std::vector<std::string>().swap(packets_);
  bytes_ = 0;
  return payload;
}

std::vector<std::string> PollingOutbox::take_packets() {
  bytes_ = 0;
  return std::exchange(packets_, {});
}

}  // namespace resync::server
