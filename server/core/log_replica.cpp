#include "server/core/log_replica.hpp"

#include <algorithm>

#include "common/invariant.hpp"
#include "server/core/sqlite_message_store.hpp"

namespace resync::server {

void InMemoryLogReplica::append(const std::vector<StoredMessage>& entries) {
  for (const StoredMessage& entry : entries) {
    RESYNC_ASSERT(entry.id > last_committed_id(), "a log replica receives entries in increasing id order");
    rows_.push_back(entry);
  }
}

std::vector<StoredMessage> InMemoryLogReplica::read_range(std::int64_t after_id, std::int64_t up_to_id,
                                                          std::size_t limit) {
  std::vector<StoredMessage> rows;
  auto row = std::upper_bound(rows_.begin(), rows_.end(), after_id,
                              [](std::int64_t id, const StoredMessage& message) { return id < message.id; });
  for (; row != rows_.end() && row->id <= up_to_id && rows.size() < limit; ++row) rows.push_back(*row);
  return rows;
}

SqliteLogReplica::SqliteLogReplica() {
  SqliteOptions options;
  options.path = "";  // SQLite's private temporary on-disk database, deleted when it is closed
  // Nothing here needs to survive a crash: the copy is rebuilt from the shared log at start.
  options.durability = Durability::process_crash;
  store_ = std::make_unique<SqliteMessageStore>(options);
}

SqliteLogReplica::~SqliteLogReplica() = default;

void SqliteLogReplica::append(const std::vector<StoredMessage>& entries) {
  try {
    for (const StoredMessage& entry : entries) store_->insert_with_id(entry);
    store_->commit();
  } catch (const StorageError&) {
    store_->rollback();
    throw;
  }
}

std::vector<StoredMessage> SqliteLogReplica::read_range(std::int64_t after_id, std::int64_t up_to_id,
                                                        std::size_t limit) {
  return store_->read_range(after_id, up_to_id, limit);
}

std::int64_t SqliteLogReplica::last_committed_id() { return store_->last_committed_id(); }

}  // namespace resync::server
