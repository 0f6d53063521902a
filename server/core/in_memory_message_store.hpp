#pragma once
// The simulator's MessageStore: the messages table held in memory, with the SQLite store's
// semantics exactly (the tutorial's schema: AUTOINCREMENT ids, a UNIQUE client_offset, one
// write transaction at a time). Opening an in-memory SQLite database per run and stepping
// its statements was a fifth of a simulated fuzz run. A property test runs the same random
// operations on both stores and requires the same answers (in_memory_message_store_test).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/core/message_store.hpp"

namespace resync::server {

class InMemoryMessageStore final : public MessageStore {
 public:
  InsertResult insert(std::string_view content, std::optional<std::string_view> client_offset) override;
  void commit() override;
  void rollback() override;
  // As SQLite's: true from the first insert (a duplicate too opens the transaction) to the commit.
  bool has_uncommitted_writes() const override { return in_transaction_; }

  std::vector<StoredMessage> read_range(std::int64_t after_id, std::int64_t up_to_id, std::size_t limit) override;
  std::int64_t last_committed_id() override { return committed_.empty() ? 0 : committed_.back().id; }

 private:
  // What read_range sees: committed rows, and (as SQLite's own connection does) the open
  // transaction's, which always come after them.
  const StoredMessage* row_at(std::size_t index) const;

  std::vector<StoredMessage> committed_;    // in id order: ids only grow
  std::vector<StoredMessage> uncommitted_;  // the open transaction's rows, in id order
  std::map<std::string, std::int64_t, std::less<>> ids_by_client_offset_;  // committed and open
  bool in_transaction_ = false;
};

}  // namespace resync::server
