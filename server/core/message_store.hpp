#pragma once
// Storage behind a small interface: SQLite on disk for real runs, its semantics in memory
// in the simulator (in_memory_message_store.hpp). Writes go into an open transaction; nothing is durable until commit().
// The core only reads (MessageReader); its writes reach a MessageStore as commit groups
// (commit_group.hpp), run by whoever hosts the core: on a thread of its own live, on the
// virtual clock in the simulator.
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace resync::server {

struct StoredMessage {
  std::int64_t id = 0;
  std::string content;
  std::optional<std::string> client_offset;
  friend bool operator==(const StoredMessage&, const StoredMessage&) = default;
};

enum class InsertOutcome {
  inserted,                 // a new row; `id` is its id
  duplicate_client_offset,  // a row with this client_offset exists; `id` is that row's id
};

struct InsertResult {
  InsertOutcome outcome = InsertOutcome::inserted;
  std::int64_t id = 0;
};

// An operating error of the storage (disk full, I/O error, corrupt file). Callers keep
// serving; they never acknowledge what was not committed.
class StorageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// What the core reads: committed rows for catch-up. Live, this is a connection of its own,
// so reads never wait for the commit thread's fsync.
class MessageReader {
 public:
  virtual ~MessageReader() = default;

  // Rows with after_id < id <= up_to_id in id order, at most `limit` of them.
  virtual std::vector<StoredMessage> read_range(std::int64_t after_id, std::int64_t up_to_id, std::size_t limit) = 0;
  // Highest committed id, 0 when the table is empty.
  virtual std::int64_t last_committed_id() = 0;
};

class MessageStore : public MessageReader {
 public:

  // Adds a row inside the current write transaction (one is opened on demand).
  virtual InsertResult insert(std::string_view content, std::optional<std::string_view> client_offset) = 0;
  // Makes every insert since the last commit durable (as durable as the store's settings say).
  // On StorageError nothing of the transaction is durable, and the caller calls rollback()
  // before the next insert (a store may leave the failed transaction open).
  virtual void commit() = 0;
  // Forgets every insert since the last commit.
  virtual void rollback() = 0;
  virtual bool has_uncommitted_writes() const = 0;
};

}  // namespace resync::server
