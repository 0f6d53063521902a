// NodeRouter: the balancer's decisions, a pure function of routing, hops and liveness.
#include <gtest/gtest.h>

#include "sim/execution/node_router.hpp"

namespace resync::sim {
namespace {

const auto every_node_up = [](int) { return true; };

TEST(NodeRouter, StickySpreadsClientsByTheirOrderAndKeepsEachOnItsNode) {
  NodeRouter router(3, NodeRouting::sticky, {"alice", "bob", "carol", "dave"});
  for (int session = 0; session < 3; ++session) {
    EXPECT_EQ(router.route_new_session("alice", every_node_up), 0);
    EXPECT_EQ(router.route_new_session("bob", every_node_up), 1);
    EXPECT_EQ(router.route_new_session("carol", every_node_up), 2);
    EXPECT_EQ(router.route_new_session("dave", every_node_up), 0);
  }
}

TEST(NodeRouter, AStickyHopMovesTheClientForGood) {
  NodeRouter router(3, NodeRouting::sticky, {"alice", "bob"});
  router.hop("bob", 2);
  EXPECT_EQ(router.route_new_session("bob", every_node_up), 2);
  EXPECT_EQ(router.route_new_session("bob", every_node_up), 2);
  EXPECT_EQ(router.route_new_session("alice", every_node_up), 0) << "a hop moves only its client";
}

TEST(NodeRouter, RoundRobinSendsEachNewSessionOfAnyClientToTheNextNode) {
  NodeRouter router(3, NodeRouting::round_robin, {"alice", "bob"});
  EXPECT_EQ(router.route_new_session("alice", every_node_up), 0);
  EXPECT_EQ(router.route_new_session("bob", every_node_up), 1);
  EXPECT_EQ(router.route_new_session("alice", every_node_up), 2);
  EXPECT_EQ(router.route_new_session("alice", every_node_up), 0);
}

TEST(NodeRouter, ARoundRobinHopIsOneSessionAndLeavesTheTurnAlone) {
  NodeRouter router(3, NodeRouting::round_robin, {"alice", "bob"});
  EXPECT_EQ(router.route_new_session("alice", every_node_up), 0);
  router.hop("bob", 0);
  EXPECT_EQ(router.route_new_session("bob", every_node_up), 0);
  EXPECT_EQ(router.route_new_session("bob", every_node_up), 1) << "back in turn after the hop's session";
}

TEST(NodeRouter, ANodeThatIsDownIsPassedOverAndStickyClientsStayWhereTheyWent) {
  NodeRouter router(3, NodeRouting::sticky, {"alice", "bob"});
  const auto node_one_down = [](int node) { return node != 1; };
  EXPECT_EQ(router.route_new_session("bob", node_one_down), 2);
  EXPECT_EQ(router.route_new_session("bob", every_node_up), 2) << "sticky: it stays on the node it got";
  router.hop("alice", 1);
  EXPECT_EQ(router.route_new_session("alice", node_one_down), 2) << "a hop to a dead node goes on to the next one up";

  NodeRouter turns(3, NodeRouting::round_robin, {"alice"});
  EXPECT_EQ(turns.route_new_session("alice", [](int node) { return node == 2; }), 2);
  EXPECT_EQ(turns.route_new_session("alice", every_node_up), 0) << "the turn continues after the node it gave";
}

TEST(NodeRouter, WithEveryNodeDownTheChosenNodeGetsTheSession) {
  NodeRouter router(3, NodeRouting::sticky, {"alice", "bob"});
  EXPECT_EQ(router.route_new_session("bob", [](int) { return false; }), 1);
}

TEST(NodeRouter, OneNodeTakesEverySession) {
  NodeRouter router(1, NodeRouting::sticky, {"alice", "bob", "carol"});
  for (const char* client : {"alice", "bob", "carol"}) EXPECT_EQ(router.route_new_session(client, every_node_up), 0);
}

}  // namespace
}  // namespace resync::sim
