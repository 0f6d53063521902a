#pragma once
// Hand-written histories for the report's tests, with explicit times. Lines go through the
// real HistoryWriter and reader, so the tests also cover the file format both ways.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "sim/checker/check_history.hpp"
#include "sim/history/tests/hand_written_history.hpp"
#include "sim/history/history_writer.hpp"

namespace resync::reports::testing {

class TimedHistory {
 public:
  explicit TimedHistory(std::vector<std::string> clients, std::string scenario = "hand-written") {
    run_.scenario = std::move(scenario);
    run_.file = "scenarios/" + run_.scenario + ".json";
    run_.seed = 18446744073709551615ULL;  // the largest seed: must survive as text
    run_.mode = "sim";
    run_.clients = std::move(clients);
    run_.replay_sim = "resync run " + run_.file + " --mode sim --seed 7";
    run_.replay_live = "resync run " + run_.file + " --seed 7";
  }

  TimedHistory& expect(sim::Verdict verdict, std::vector<std::string> anomalies = {}) {
    run_.expect = {verdict, std::move(anomalies), {}};
    return *this;
  }
  TimedHistory& at(std::int64_t t_ms, history::EventPayload payload) {
    events_.push_back(history::HistoryEvent{t_ms, std::move(payload), 0});
    return *this;
  }
  TimedHistory& connects(std::int64_t t_ms, const std::string& client, std::int64_t offset = 0) {
    at(t_ms, history::ClientConnecting{client, 1});
    return at(t_ms, history::ClientConnected{client, "socket-" + client, offset, false});
  }
  TimedHistory& sends(std::int64_t t_ms, const std::string& client, const std::string& content) {
    return at(t_ms, history::MessageSent{client, content, std::nullopt, 1, false});
  }
  TimedHistory& renders(std::int64_t t_ms, const std::string& client, std::int64_t id, const std::string& content) {
    return at(t_ms, history::MessageReceived{client, id, content, true});
  }
  TimedHistory& committed(std::vector<history::CommittedMessage> messages) {
    messages_ = std::move(messages);
    return *this;
  }
  TimedHistory& finishes(std::int64_t t_ms, bool converged = true) {
    at(t_ms, history::CommittedLog{messages_, history::CommittedLogSource::database});
    return at(t_ms, history::RunFinished{converged, converged ? "" : "still sending"});
  }

  std::string text() const { return history::history_text(run_, events_); }

  history::History build() const { return history::testing::parse_hand_written(text()); }

 private:
  history::RunStarted run_;
  std::vector<history::HistoryEvent> events_;
  std::vector<history::CommittedMessage> messages_;
};

// Two clients; bob's link is reset at 100 ms and healed at 300 ms, he reconnects at 400 ms
// and catches up ids 2 and 3 by 420 ms; then a tutorial-style race renders id 5 before 4
// and id 5 twice. Contents carry markup that must stay text.
inline TimedHistory race_after_reconnect() {
  TimedHistory history({"alice", "bob"}, "race-after-reconnect");
  history.expect(sim::Verdict::valid);
  history.at(0, history::ServerStarted{0, std::nullopt, 1}).at(0, history::PhaseChanged{"faults"});
  history.connects(0, "alice").connects(0, "bob");
  history.sends(10, "alice", "hello-1").renders(11, "alice", 1, "hello-1").renders(12, "bob", 1, "hello-1");
  history.at(100, history::FaultChanged{"bob-link", "start", "reset_peer",
                                        {{"type", "reset_peer"}, {"target", {{"tag", "bob"}}}}});
  history.at(100, history::ClientDisconnected{"bob", "transport error"});
  history.sends(150, "alice", "<img src=x onerror=alert(1)>").renders(151, "alice", 2, "<img src=x onerror=alert(1)>");
  history.sends(200, "alice", "</script><script>window.__xss=1</script>").renders(201, "alice", 3, "</script><script>window.__xss=1</script>");
  history.at(250, history::ClientConnecting{"bob", 1}).at(250, history::ClientConnectError{"bob", "<b>refused</b>"});
  history.at(300, history::FaultChanged{"bob-link", "heal", "", nullptr});
  history.at(400, history::ClientConnecting{"bob", 2}).at(400, history::ClientConnected{"bob", "socket-bob-2", 1, false});
  history.renders(410, "bob", 2, "<img src=x onerror=alert(1)>").renders(420, "bob", 3, "</script><script>window.__xss=1</script>");
  history.sends(500, "alice", "four").sends(501, "alice", "five");
  history.renders(502, "alice", 4, "four").renders(503, "alice", 5, "five");
  history.renders(510, "bob", 5, "five").renders(511, "bob", 4, "four").renders(512, "bob", 5, "five");
  history.at(600, history::PhaseChanged{"heal"}).at(600, history::PhaseChanged{"check"});
  history.committed({{1, "hello-1", std::nullopt},
                     {2, "<img src=x onerror=alert(1)>", std::nullopt},
                     {3, "</script><script>window.__xss=1</script>", std::nullopt},
                     {4, "four", std::nullopt},
                     {5, "five", std::nullopt}});
  history.finishes(600);
  return history;
}

}  // namespace resync::reports::testing
