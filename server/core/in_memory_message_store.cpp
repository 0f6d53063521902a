#include "server/core/in_memory_message_store.hpp"

#include <algorithm>

namespace resync::server {

InsertResult InMemoryMessageStore::insert(std::string_view content, std::optional<std::string_view> client_offset) {
  in_transaction_ = true;
  if (client_offset) {
    if (auto found = ids_by_client_offset_.find(*client_offset); found != ids_by_client_offset_.end()) {
      return {InsertOutcome::duplicate_client_offset, found->second};
    }
  }
  // AUTOINCREMENT without deletes: one more than the highest id, committed or in this
  // transaction (a rolled-back transaction's ids are given out again, as SQLite does).
  const std::int64_t id = (uncommitted_.empty() ? last_committed_id() : uncommitted_.back().id) + 1;
  StoredMessage row{id, std::string(content), std::nullopt};
  if (client_offset) {
    row.client_offset = std::string(*client_offset);
    ids_by_client_offset_.emplace(*row.client_offset, id);
  }
  uncommitted_.push_back(std::move(row));
  return {InsertOutcome::inserted, id};
}

void InMemoryMessageStore::commit() {
  for (StoredMessage& row : uncommitted_) committed_.push_back(std::move(row));
  uncommitted_.clear();
  in_transaction_ = false;
}

void InMemoryMessageStore::rollback() {
  for (const StoredMessage& row : uncommitted_) {
    if (row.client_offset) ids_by_client_offset_.erase(*row.client_offset);
  }
  uncommitted_.clear();
  in_transaction_ = false;
}

const StoredMessage* InMemoryMessageStore::row_at(std::size_t index) const {
  if (index < committed_.size()) return &committed_[index];
  index -= committed_.size();
  return index < uncommitted_.size() ? &uncommitted_[index] : nullptr;
}

std::vector<StoredMessage> InMemoryMessageStore::read_range(std::int64_t after_id, std::int64_t up_to_id,
                                                            std::size_t limit) {
  std::vector<StoredMessage> rows;
  // Ids are dense from 1 (no deletes, rollbacks give ids out again): row id N is at index N-1.
  std::size_t index = after_id < 0 ? 0 : static_cast<std::size_t>(after_id);
  for (const StoredMessage* row = row_at(index); row && row->id <= up_to_id && rows.size() < limit; row = row_at(++index)) {
    rows.push_back(*row);
  }
  return rows;
}

}  // namespace resync::server
