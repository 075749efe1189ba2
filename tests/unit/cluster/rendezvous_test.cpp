// Placement by rendezvous hash: the same answer whatever the order of the nodes, an even
// spread, and a node joining or leaving moves only the workspaces it wins or had.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "cluster/rendezvous.h"

namespace iwd::cluster {
namespace {

std::string placed(const std::string& ws, const std::vector<std::string>& nodes) { return nodes[place(ws, nodes)]; }

TEST(RendezvousTest, TheOrderOfTheNodesDoesNotMatter) {
  const std::vector<std::string> abc{"a", "b", "c"}, cab{"c", "a", "b"};
  for (int i = 0; i < 200; ++i) {
    const std::string ws = "w" + std::to_string(i);
    EXPECT_EQ(placed(ws, abc), placed(ws, cab)) << ws;
  }
  EXPECT_NE(weight("ab", "c"), weight("a", "bc"));  // the pair, not the concatenation
}

TEST(RendezvousTest, ThreeThousandWorkspacesSpreadEvenlyOverThreeNodes) {
  const std::vector<std::string> nodes{"node-1", "node-2", "node-3"};
  std::map<std::string, int> count;
  for (int i = 0; i < 3000; ++i) ++count[placed("workspace-" + std::to_string(i), nodes)];
  for (const auto& n : nodes) {
    EXPECT_GT(count[n], 900) << n;  // 1000 each, binomial sd 26
    EXPECT_LT(count[n], 1100) << n;
  }
}

TEST(RendezvousTest, AJoiningOrLeavingNodeMovesOnlyItsOwnShare) {
  const std::vector<std::string> two{"a", "b"}, three{"a", "b", "c"};
  int moved = 0;
  for (int i = 0; i < 1200; ++i) {
    const std::string ws = "w" + std::to_string(i);
    const std::string before = placed(ws, two), after = placed(ws, three);
    if (before != after) {
      EXPECT_EQ(after, "c") << ws;  // joining: only to the new node
      ++moved;
    }
    // Leaving is the same seen backwards: c's workspaces go back where they were.
    if (after == "c") {
      EXPECT_EQ(placed(ws, two), before);
    }
  }
  EXPECT_GT(moved, 300);  // about a third
  EXPECT_LT(moved, 500);
}

}  // namespace
}  // namespace iwd::cluster
