#include "server/shell/planted_fault_store.hpp"

#include <csignal>
#include <memory>
#include <string>

#include "server/shell/shell_log.hpp"

namespace resync::server::shell {

namespace {

// A real read of freed heap memory: the volatile pointer keeps the compiler from proving
// the read dead or folding it into the write before the free, so AddressSanitizer sees a
// heap-use-after-free. A build without it reads whatever the allocator left there and
// goes on, which is the point: only the sanitizer build must catch it.
void read_freed_memory() {
  constexpr std::size_t block_bytes = 64;
  auto block = std::make_unique<char[]>(block_bytes);
  block[0] = 'x';
  const volatile char* volatile dangling = block.get();
  block.reset();
  const char value = dangling[0];
  log_line(LogLevel::info, std::string("planted bug: read ") + std::to_string(static_cast<int>(value)) +
                               " from freed memory and went on (no sanitizer in this build)");
}

}  // namespace

InsertResult PlantedFaultStore::insert(std::string_view content, std::optional<std::string_view> client_offset) {
  const InsertResult result = store_.insert(content, client_offset);
  if (result.outcome == InsertOutcome::inserted) ++uncommitted_rows_;
  return result;
}

void PlantedFaultStore::commit() {
  store_.commit();
  stored_rows_ += uncommitted_rows_;
  uncommitted_rows_ = 0;
  if (!struck_ && stored_rows_ >= planted_fault_after_stored_messages) strike();
}

void PlantedFaultStore::rollback() {
  store_.rollback();
  uncommitted_rows_ = 0;
}

void PlantedFaultStore::strike() {
  struck_ = true;
  const std::string what = std::string("planted bug ") + std::string(planted_bug_name(bug_)) + " (for testing Resync itself): " +
                           std::to_string(stored_rows_) + " messages stored, ";
  if (bug_ == PlantedBug::crash_after_20_messages) {
    log_line(LogLevel::error, what + "raising SIGSEGV");
    // The default action, so the process dies by SIGSEGV in every build: AddressSanitizer's
    // own handler would turn the signal into a report and exit 1 instead.
    std::signal(SIGSEGV, SIG_DFL);
    std::raise(SIGSEGV);
  } else if (bug_ == PlantedBug::use_after_free_after_20_messages) {
    log_line(LogLevel::error, what + "reading freed heap memory");
    read_freed_memory();
  }
}

}  // namespace resync::server::shell
