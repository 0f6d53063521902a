#pragma once
// A cluster node's copy of the shared log (ServerConfig::shared_log): what its catch-up reads.
// The node appends every entry it reads from the log, in log order, before the core hears of
// it, so a catch-up up to the committed head finds every row the log still had. Ids may skip
// (entries trimmed from the log before the node read them); they never go down.
//
// The copy is rebuilt from the log at every start (a node keeps nothing of its own that the
// log could contradict): live, in a private temporary SQLite file that SQLite deletes when
// the node exits (rows beyond the page cache go to disk, so a long log does not fill memory);
// in the simulator, in memory.
#include <cstdint>
#include <memory>
#include <vector>

#include "server/core/message_store.hpp"

namespace resync::server {

class SqliteMessageStore;

class LogReplica : public MessageReader {
 public:
  // Entries after every entry so far, ids increasing. Throws StorageError when they cannot be
  // kept (the temporary file cannot grow); nothing of the batch is kept then.
  virtual void append(const std::vector<StoredMessage>& entries) = 0;
};

class InMemoryLogReplica final : public LogReplica {
 public:
  void append(const std::vector<StoredMessage>& entries) override;
  std::vector<StoredMessage> read_range(std::int64_t after_id, std::int64_t up_to_id, std::size_t limit) override;
  std::int64_t last_committed_id() override { return rows_.empty() ? 0 : rows_.back().id; }

 private:
  std::vector<StoredMessage> rows_;  // in id order
};

class SqliteLogReplica final : public LogReplica {
 public:
  // Opens a private temporary database (SQLite's empty file name). Throws StorageError.
  SqliteLogReplica();
  ~SqliteLogReplica() override;

  void append(const std::vector<StoredMessage>& entries) override;
  std::vector<StoredMessage> read_range(std::int64_t after_id, std::int64_t up_to_id, std::size_t limit) override;
  std::int64_t last_committed_id() override;

 private:
  std::unique_ptr<SqliteMessageStore> store_;
};

}  // namespace resync::server
