#include "server/core/storage_fault_store.hpp"

namespace resync::server {

std::string storage_fault_error_text(StorageFaultMode mode) {
  switch (mode) {
    case StorageFaultMode::busy: return "database is locked";
    case StorageFaultMode::read_only: return "attempt to write a readonly database";
    case StorageFaultMode::full: return "database or disk is full";
    case StorageFaultMode::none: break;
  }
  return "no storage fault";
}

void StorageFaultStore::fail(const char* operation) {
  ++failed_calls_;
  throw StorageError(std::string(operation) + " on the simulated database: " + storage_fault_error_text(mode_) +
                     " (storage fault injected by the scenario)");
}

InsertResult StorageFaultStore::insert(std::string_view content, std::optional<std::string_view> client_offset) {
  switch (mode_) {
    case StorageFaultMode::none:
      return inner_.insert(content, client_offset);
    case StorageFaultMode::busy:
    case StorageFaultMode::read_only:
      // SQLite fails BEGIN IMMEDIATE (busy) or the INSERT's page write (read-only) before
      // the UNIQUE check could say "duplicate".
      fail("inserting a message");
    case StorageFaultMode::full: {
      // A duplicate client_offset adds no page; a new row does, and the disk has no room.
      const InsertResult result = inner_.insert(content, client_offset);
      if (result.outcome == InsertOutcome::duplicate_client_offset) return result;
      fail("inserting a message");
    }
  }
  return inner_.insert(content, client_offset);
}

void StorageFaultStore::commit() {
  // Writes made before the fault began are still in the open transaction; a full or
  // read-only file cannot take them and a lock held by another connection... is ours once
  // BEGIN IMMEDIATE succeeded, but the simulator keeps it simple and deterministic: any
  // commit of writes during a fault fails, which is the harsher case for the server.
  if (mode_ != StorageFaultMode::none && inner_.has_uncommitted_writes()) fail("COMMIT");
  inner_.commit();
}

}  // namespace resync::server
