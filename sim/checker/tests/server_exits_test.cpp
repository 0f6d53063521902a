// Which server stops are crashes (server_crashed, docs/HISTORY.md) and what that does to
// the verdict.
#include <gtest/gtest.h>

#include "sim/checker/check_history.hpp"
#include "sim/checker/server_exits.hpp"
#include "sim/checker/tests/history_builder.hpp"

namespace resync::checker {
namespace {

using testing::HistoryBuilder;

history::ServerStopped stop(std::string signal, std::optional<std::int64_t> exit_status, std::string exit_signal) {
  return history::ServerStopped{std::move(signal), 1, "", true, exit_status, std::move(exit_signal), false, false};
}

CheckResult run_with(const history::ServerStopped& stopped, std::string mode = "live", bool converged = true) {
  return check_history(HistoryBuilder({"alice"}, std::move(mode))
                           .renders("alice", {1})
                           .event(stopped)
                           .committed_ids({1})
                           .finished(converged, converged ? "" : "alice still reconnecting")
                           .build());
}

TEST(ServerExits, AnExitNothingAskedForIsACrashThatQuotesTheStderrTail) {
  history::ServerStopped stopped = stop("exit", std::nullopt, "SIGSEGV");
  stopped.requested = false;
  stopped.detail = "one\ntwo\nthree\n\nfour\nfive\nSegmentation fault\n";
  const CheckResult result = run_with(stopped);
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::server_crashed);
  EXPECT_EQ(result.anomalies[0].client, "");
  EXPECT_EQ(result.anomalies[0].detail,
            "server incarnation 1: it exited although nothing asked it to (killed by SIGSEGV); "
            "stderr: two | three | four | five | Segmentation fault");
  EXPECT_EQ(result.verdict, sim::Verdict::invalid);
}

TEST(ServerExits, ASanitizerReportOnARequestedSigtermStopIsACrash) {
  history::ServerStopped stopped = stop("SIGTERM", 0, "");
  stopped.sanitizer_report = true;
  stopped.detail = "==42==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020";
  const CheckResult result = run_with(stopped);
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::server_crashed);
  EXPECT_EQ(result.anomalies[0].detail,
            "server incarnation 1: it wrote a sanitizer report (exit status 0); "
            "stderr: ==42==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020");
}

TEST(ServerExits, CleanStopsAreNotCrashes) {
  EXPECT_EQ(why_server_stop_is_a_crash(stop("SIGTERM", 0, "")), std::nullopt);
  EXPECT_EQ(why_server_stop_is_a_crash(stop("SIGTERM", std::nullopt, "SIGTERM")), std::nullopt);
  EXPECT_EQ(why_server_stop_is_a_crash(stop("SIGKILL", std::nullopt, "SIGKILL")), std::nullopt);
  // The simulator's lines (and older histories) record no exit at all.
  EXPECT_EQ(why_server_stop_is_a_crash(stop("SIGKILL", std::nullopt, "")), std::nullopt);
  EXPECT_EQ(why_server_stop_is_a_crash(stop("SIGTERM", std::nullopt, "")), std::nullopt);
  EXPECT_TRUE(run_with(stop("SIGTERM", 0, "")).anomalies.empty());
}

TEST(ServerExits, AnUncleanAnswerToASignalIsACrash) {
  EXPECT_EQ(why_server_stop_is_a_crash(stop("SIGTERM", 1, "")),
            "it did not exit cleanly after SIGTERM (exit status 1)");
  EXPECT_EQ(why_server_stop_is_a_crash(stop("SIGTERM", std::nullopt, "SIGABRT")),
            "it did not exit cleanly after SIGTERM (killed by SIGABRT)");
  EXPECT_EQ(why_server_stop_is_a_crash(stop("SIGKILL", std::nullopt, "SIGSEGV")),
            "it died of something other than the SIGKILL it was sent (killed by SIGSEGV)");
  history::ServerStopped escalated = stop("SIGTERM", std::nullopt, "SIGKILL");
  escalated.escalated = true;
  EXPECT_EQ(why_server_stop_is_a_crash(escalated), "it ignored SIGTERM for the grace period and was SIGKILLed");
}

TEST(ServerExits, ACrashMakesALiveRunThatDidNotConvergeInvalidNotUnknown) {
  history::ServerStopped stopped = stop("exit", std::nullopt, "SIGSEGV");
  stopped.requested = false;
  const CheckResult result = run_with(stopped, "live", /*converged=*/false);
  EXPECT_EQ(result.verdict, sim::Verdict::invalid);
  EXPECT_EQ(result.count(AnomalyKind::server_crashed), 1u);
  EXPECT_EQ(result.count(AnomalyKind::no_convergence), 1u);
}

TEST(ServerExits, ARunThatDidNotFinishStaysUnknownWithItsCrashListed) {
  history::ServerStopped stopped = stop("exit", 3, "");
  stopped.requested = false;
  const CheckResult result =
      check_history(HistoryBuilder({"alice"}).renders("alice", {1}).event(stopped).committed_ids({1}).build());
  EXPECT_EQ(result.verdict, sim::Verdict::unknown);
  EXPECT_EQ(result.count(AnomalyKind::server_crashed), 1u);
}

}  // namespace
}  // namespace resync::checker
