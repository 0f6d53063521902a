#include "server/core/commit_group.hpp"

#include <exception>

namespace resync::server {

CommitCompletion run_commit_group(MessageStore& store, const CommitRequest& request) {
  CommitCompletion completion;
  completion.group = request.group;
  completion.results.reserve(request.writes.size());
  try {
    for (const PendingWrite& write : request.writes) {
      std::optional<std::string_view> client_offset;
      if (write.client_offset) client_offset = *write.client_offset;
      completion.results.push_back(store.insert(write.content, client_offset));
    }
  } catch (const std::exception& error) {
    // Not only StorageError: whatever a store throws fails the group, never the thread or
    // the event loop the group runs on.
    store.rollback();
    completion.results.clear();
    completion.error = std::string("insert failed, rolling back: ") + error.what();
    return completion;
  }
  try {
    store.commit();
  } catch (const std::exception& error) {
    // A store may leave the failed transaction open; its rows must not ride along with the
    // next group, where a retry would find them as "duplicate" and be acked unbroadcast.
    store.rollback();
    completion.results.clear();
    completion.error = std::string("commit failed: ") + error.what();
  }
  return completion;
}

}  // namespace resync::server
