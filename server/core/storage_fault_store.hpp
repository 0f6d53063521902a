#pragma once
// A MessageStore that fails on purpose: the simulator's stand-in for the storage faults the
// live runner makes on a real SQLite file (a held write lock, a read-only file, a full
// disk). Pure and deterministic: it only decides, from the mode it is in, whether to pass a
// call on to the store it wraps or to throw the StorageError SQLite would have reported.
#include <string>

#include "server/core/message_store.hpp"

namespace resync::server {

enum class StorageFaultMode {
  none,
  busy,       // another connection holds the write lock past busy_timeout: SQLITE_BUSY
  read_only,  // no write reaches the file: every insert and every commit of writes fails
  full,       // the file cannot grow: a write that would add a row fails; a duplicate does not
};

// The message SQLite gives for the mode's error code ("database is locked", ...).
std::string storage_fault_error_text(StorageFaultMode mode);

class StorageFaultStore final : public MessageStore {
 public:
  explicit StorageFaultStore(MessageStore& inner) : inner_(inner) {}

  void set_mode(StorageFaultMode mode) { mode_ = mode; }
  StorageFaultMode mode() const { return mode_; }
  // How many calls this wrapper failed on purpose (for tests and logs).
  long failed_calls() const { return failed_calls_; }

  InsertResult insert(std::string_view content, std::optional<std::string_view> client_offset) override;
  void commit() override;
  void rollback() override { inner_.rollback(); }
  bool has_uncommitted_writes() const override { return inner_.has_uncommitted_writes(); }
  // Reads work in every mode, as they do for SQLite under a writer lock (WAL), a read-only
  // file or a full disk.
  std::vector<StoredMessage> read_range(std::int64_t after_id, std::int64_t up_to_id, std::size_t limit) override {
    return inner_.read_range(after_id, up_to_id, limit);
  }
  std::int64_t last_committed_id() override { return inner_.last_committed_id(); }

 private:
  [[noreturn]] void fail(const char* operation);

  MessageStore& inner_;
  StorageFaultMode mode_ = StorageFaultMode::none;
  long failed_calls_ = 0;
};

}  // namespace resync::server
