// A storage fault window (a `storage_fault` start to its end): a plain send the server read
// but could not store was never promised, so it is sent_unknown; an acknowledged message
// missing from the log is still acknowledged_not_stored (docs/HISTORY.md).
#include <gtest/gtest.h>

#include "sim/checker/check_history.hpp"
#include "sim/checker/send_exposure.hpp"
#include "sim/checker/tests/history_builder.hpp"
#include "sim/history/history_json.hpp"

namespace resync::checker {
namespace {

using testing::HistoryBuilder;

history::StorageFaultChanged storage(std::string action) {
  return {"storage_read_only", std::move(action), 2000, "RLIMIT_FSIZE 0 on server process(es) 42"};
}

TEST(StorageFaultWindow, APlainSendDuringTheWindowIsOnlyUnknown) {
  HistoryBuilder builder({"alice"});
  builder.connects("alice", "s1").event(storage("start")).sent("alice", "hello", std::nullopt).event(storage("end"));
  const CheckResult result = check_history(builder.wait_ms(2 * send_settle_ms).committed({}).finished().build());
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::sent_unknown);
  EXPECT_NE(result.anomalies[0].detail.find("storage fault \"storage_read_only\""), std::string::npos)
      << result.anomalies[0].detail;
  EXPECT_EQ(result.verdict, sim::Verdict::valid);
}

TEST(StorageFaultWindow, APlainSendLongAfterTheWindowOnANewConnectionIsStillLost) {
  HistoryBuilder builder({"alice"});
  builder.event(storage("start")).event(storage("end")).wait_ms(2 * send_settle_ms);
  builder.connects("alice", "s1").sent("alice", "hello", std::nullopt);
  const CheckResult result = check_history(builder.wait_ms(2 * send_settle_ms).committed({}).finished().build());
  ASSERT_EQ(result.anomalies.size(), 1u);
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::lost);
}

TEST(StorageFaultWindow, AnAcknowledgedMessageMissingFromTheLogIsStillAcknowledgedNotStored) {
  HistoryBuilder builder({"alice"});
  builder.connects("alice", "s1").event(storage("start"));
  builder.sent("alice", "hello", std::string("alice-0")).acked("alice", "hello", std::string("alice-0")).event(storage("end"));
  const CheckResult result = check_history(builder.wait_ms(2 * send_settle_ms).committed({}).finished().build());
  ASSERT_FALSE(result.anomalies.empty());
  EXPECT_EQ(result.anomalies[0].kind, AnomalyKind::acknowledged_not_stored);
  EXPECT_EQ(result.verdict, sim::Verdict::invalid);
}

TEST(StorageFaultWindow, ARefusedStorageFaultMakesAnOtherwiseValidRunUnknownButLeavesInvalidAlone) {
  const history::StorageFaultChanged refused{"lock_database", "refused", 6000, "no reachable database: give --target-db"};
  HistoryBuilder clean({"alice"});
  clean.connects("alice", "s1").event(refused);
  const CheckResult unknown = check_history(clean.wait_ms(100).committed({}).finished().build());
  EXPECT_EQ(unknown.verdict, sim::Verdict::unknown);
  EXPECT_EQ(unknown.unknown_reason,
            "the storage fault lock_database could not be made, so the run did not test it: no reachable database: give "
            "--target-db");
  HistoryBuilder broken({"alice"});
  broken.connects("alice", "s1").event(refused).sent("alice", "hello", std::string("alice-0")).acked("alice", "hello", std::string("alice-0"));
  EXPECT_EQ(check_history(broken.wait_ms(2 * send_settle_ms).committed({}).finished().build()).verdict, sim::Verdict::invalid);
}

TEST(StorageFaultLine, AnUnknownKindOrActionIsAnErrorNamingWhatIsAllowed) {
  const auto decode = [](const char* text) { return history::decode_history_line(nlohmann::json::parse(text)); };
  EXPECT_TRUE(decode(R"({"t_ms": 5, "type": "storage_fault", "kind": "storage_full", "action": "end", "duration_ms": 9})"));
  const auto bad_kind = decode(R"({"t_ms": 5, "type": "storage_fault", "kind": "disk_slow", "action": "start", "duration_ms": 9})");
  ASSERT_FALSE(bad_kind);
  EXPECT_NE(bad_kind.error().find("\"lock_database\", \"storage_read_only\" or \"storage_full\", not \"disk_slow\""),
            std::string::npos)
      << bad_kind.error();
  const auto bad_action = decode(R"({"t_ms": 5, "type": "storage_fault", "kind": "lock_database", "action": "heal", "duration_ms": 9})");
  ASSERT_FALSE(bad_action);
  EXPECT_NE(bad_action.error().find("not \"heal\""), std::string::npos) << bad_action.error();
  EXPECT_FALSE(decode(R"({"t_ms": 5, "type": "storage_fault", "kind": "lock_database", "action": "start"})"))
      << "duration_ms is required";
}

}  // namespace
}  // namespace resync::checker
