// The simulator's in-memory store against the SQLite store it stands in for: the same random
// operations (inserts with and without client offsets, repeated offsets, commits, rollbacks,
// range reads) must get the same answers from both.
#include "server/core/in_memory_message_store.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "server/core/sqlite_message_store.hpp"

namespace resync::server {
namespace {

struct Operation {
  int kind = 0;  // 0-5 insert, 6 commit, 7 rollback, 8 read_range
  int offset = 0;  // 0: no client offset; else one of a few, so duplicates happen
  int after = 0;
  int span = 0;
  int limit = 0;
};

RC_GTEST_PROP(InMemoryMessageStore, AnswersAsTheSqliteStoreDoes, ()) {
  const auto operations = *rc::gen::container<std::vector<Operation>>(rc::gen::build<Operation>(
      rc::gen::set(&Operation::kind, rc::gen::inRange(0, 9)), rc::gen::set(&Operation::offset, rc::gen::inRange(0, 6)),
      rc::gen::set(&Operation::after, rc::gen::inRange(-1, 30)), rc::gen::set(&Operation::span, rc::gen::inRange(0, 30)),
      rc::gen::set(&Operation::limit, rc::gen::inRange(0, 12))));
  SqliteMessageStore sqlite({":memory:", Durability::full});
  InMemoryMessageStore memory;
  int step = 0;
  for (const Operation& operation : operations) {
    ++step;
    if (operation.kind <= 5) {
      const std::string content = "message " + std::to_string(step);
      const std::string offset = "offset-" + std::to_string(operation.offset);
      const std::optional<std::string_view> client_offset =
          operation.offset == 0 ? std::nullopt : std::optional<std::string_view>(offset);
      const InsertResult expected = sqlite.insert(content, client_offset);
      const InsertResult actual = memory.insert(content, client_offset);
      RC_ASSERT(actual.outcome == expected.outcome);
      RC_ASSERT(actual.id == expected.id);
    } else if (operation.kind == 6) {
      sqlite.commit();
      memory.commit();
    } else if (operation.kind == 7) {
      sqlite.rollback();
      memory.rollback();
    } else {
      const auto limit = static_cast<std::size_t>(operation.limit);
      RC_ASSERT(memory.read_range(operation.after, operation.after + operation.span, limit) ==
                sqlite.read_range(operation.after, operation.after + operation.span, limit));
    }
    RC_ASSERT(memory.last_committed_id() == sqlite.last_committed_id());
    RC_ASSERT(memory.has_uncommitted_writes() == sqlite.has_uncommitted_writes());
  }
  sqlite.commit();
  memory.commit();
  RC_ASSERT(memory.read_range(0, 1000, 1000) == sqlite.read_range(0, 1000, 1000));
}

}  // namespace
}  // namespace resync::server
