// How a server process ended, as the live runner records it: the wait status, a sanitizer
// report in that incarnation's part of the shared stderr file, the tail, and whether the end
// is what the signal sent asked for.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/tests/temporary_directory.hpp"
#include "sim/runner/server_exit.hpp"
#include "sim/runner/server_process.hpp"

namespace resync::sim {
namespace {

using resync::test_support::TemporaryDirectory;

void append(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::app | std::ios::binary) << text; }

TEST(ServerExit, WaitStatusGivesTheExitStatusOrTheSignal) {
  ServerExit exited;
  read_wait_status(3 << 8, exited);  // what waitpid reports for exit(3)
  ASSERT_TRUE(WIFEXITED(3 << 8));
  EXPECT_EQ(exited.exit_status, 3);
  EXPECT_FALSE(exited.exit_signal.has_value());
  ServerExit killed;
  read_wait_status(SIGSEGV, killed);
  ASSERT_TRUE(WIFSIGNALED(SIGSEGV));
  EXPECT_EQ(killed.exit_signal, SIGSEGV);
  EXPECT_FALSE(killed.exit_status.has_value());
  EXPECT_EQ(signal_name(SIGSEGV), "SIGSEGV");
  EXPECT_EQ(describe_exit(killed), "killed by SIGSEGV");
}

TEST(ServerExit, ScanReadsOnlyFromTheIncarnationsOffset) {
  TemporaryDirectory directory;
  const std::string path = directory.file("server.stderr");
  append(path, "==1==ERROR: AddressSanitizer: heap-use-after-free\n");
  const std::uint64_t second_starts = file_size_or_zero(path);
  append(path, "resync serve: stopped\n");
  EXPECT_TRUE(scan_stderr(path, 0, 2000).sanitizer_report);
  const StderrScan second = scan_stderr(path, second_starts, 2000);
  EXPECT_FALSE(second.sanitizer_report) << "the first incarnation's report is not the second's";
  EXPECT_EQ(second.tail, "resync serve: stopped\n");
}

TEST(ServerExit, AMarkerAcrossAReadBoundaryIsFoundAndTheTailIsBounded) {
  TemporaryDirectory directory;
  const std::string path = directory.file("server.stderr");
  // The 64 KiB read boundary falls inside "runtime error:".
  append(path, std::string(64 * 1024 - 5, 'x') + "runtime error: signed integer overflow\n" + std::string(5000, 'y'));
  const StderrScan scan = scan_stderr(path, 0, 2000);
  EXPECT_TRUE(scan.sanitizer_report);
  EXPECT_EQ(scan.tail.size(), 2000u);
  EXPECT_EQ(scan.tail.substr(0, 3), "...");
  EXPECT_FALSE(contains_sanitizer_report("resync serve: error: insert failed"));
  EXPECT_TRUE(contains_sanitizer_report("==7==ERROR: LeakSanitizer: detected memory leaks"));
}

TEST(ServerExit, TheDetailQuotesTheReportsFirstLinesAndTheEndOfStderr) {
  TemporaryDirectory directory;
  const std::string path = directory.file("server.stderr");
  append(path, "resync serve: listening\n==9==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n" +
                   std::string(5000, 's') + "\n==9==ABORTING\n");
  const StderrScan scan = scan_stderr(path, 0, server_stderr_tail_bytes_max);
  EXPECT_EQ(scan.report_head.rfind("==9==ERROR: AddressSanitizer: heap-use-after-free", 0), 0u) << scan.report_head;
  EXPECT_EQ(scan.report_head.size(), report_head_bytes_max);
  ServerExit exit;
  exit.sanitizer_report = true;
  exit.report_head = scan.report_head;
  exit.stderr_tail = scan.tail;
  const std::string detail = exit_detail(exit);
  EXPECT_LE(detail.size(), server_stderr_tail_bytes_max);
  EXPECT_NE(detail.find("heap-use-after-free"), std::string::npos);
  EXPECT_NE(detail.find("==9==ABORTING"), std::string::npos);
}

TEST(ServerProcess, EachIncarnationsExitIsRecordedWithItsOwnStderr) {
  TemporaryDirectory directory;
  ServerLaunch launch;
  launch.stderr_path = directory.file("server.stderr");
  launch.start_timeout_ms = 5000;
  // The first start writes a sanitizer line and dies by SIGSEGV before it listens; the
  // second exits 7 without a word.
  const std::string flag = directory.file("started-once");
  launch.shell_command = "if [ -e '" + flag + "' ]; then exit 7; fi; touch '" + flag +
                         "'; echo '==1==ERROR: AddressSanitizer: SEGV' >&2; kill -SEGV $$";
  ServerProcess server(launch);
  EXPECT_TRUE(server.start().has_value()) << "it never accepts connections";
  ASSERT_TRUE(server.last_exit().has_value());
  EXPECT_EQ(server.last_exit()->exit_signal, SIGSEGV);
  EXPECT_TRUE(server.last_exit()->sanitizer_report);
  EXPECT_NE(server.last_exit()->stderr_tail.find("AddressSanitizer"), std::string::npos);

  EXPECT_TRUE(server.start().has_value());
  ASSERT_TRUE(server.last_exit().has_value());
  EXPECT_EQ(server.last_exit()->exit_status, 7);
  EXPECT_FALSE(server.last_exit()->sanitizer_report);
  EXPECT_EQ(server.incarnation(), 2);
}

}  // namespace
}  // namespace resync::sim
