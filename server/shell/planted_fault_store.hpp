#pragma once
// The live-only planted bugs (planted_bug.hpp), for testing Resync itself: a MessageStore
// in front of the real one that counts the rows it has committed and, once
// planted_fault_after_stored_messages of them are stored, makes the server process fail
// the way the bug says (a SIGSEGV, or a read of freed heap memory that only a sanitizer
// build reports). It lives in the shell because it needs a real process to break; the
// core's planted bugs behave the same in the simulator.
#include <cstdint>

#include "server/core/message_store.hpp"
#include "server/core/planted_bug.hpp"

namespace resync::server::shell {

class PlantedFaultStore final : public MessageStore {
 public:
  PlantedFaultStore(MessageStore& store, PlantedBug bug) : store_(store), bug_(bug) {}

  InsertResult insert(std::string_view content, std::optional<std::string_view> client_offset) override;
  void commit() override;
  void rollback() override;
  bool has_uncommitted_writes() const override { return store_.has_uncommitted_writes(); }
  std::vector<StoredMessage> read_range(std::int64_t after_id, std::int64_t up_to_id, std::size_t limit) override {
    return store_.read_range(after_id, up_to_id, limit);
  }
  std::int64_t last_committed_id() override { return store_.last_committed_id(); }

 private:
  void strike();

  MessageStore& store_;
  PlantedBug bug_;
  std::int64_t uncommitted_rows_ = 0;
  std::int64_t stored_rows_ = 0;
  bool struck_ = false;
};

}  // namespace resync::server::shell
