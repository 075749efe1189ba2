// The agents' book: workbins and their pages, and the agent filters. (Since when an agent is
// in its state is the runtime's: tests/unit/runtime/agent_since_test.cpp.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "stats/tracker.h"
#include "tests/unit/runtime/harness.h"

namespace iwd::stats {
namespace {

using namespace runtime;
using runtime::testing::Harness;
using ::testing::ElementsAre;

// Feeds the book what the harness's runtime emitted since the last call, as the engine does
// after each operation.
struct Fed {
  Harness h;
  AgentBook book;
  std::size_t fed = 0;
  void feed(const Runtime& rt) {
    for (; fed < h.sink.all.size(); ++fed) book.on_event(h.sink.all[fed], rt);
  }
  void feed() { feed(*h.runtime); }
};

TEST(AgentBook, WorkbinsInPagesAndAgentFilters) {
  Fed f;
  ASSERT_TRUE(f.h.agent("a1", 5, -1, -1, {"red"}).ok());
  ASSERT_TRUE(f.h.agent("a2", 5, -1, -1).ok());
  ASSERT_TRUE(f.h.agent("a3", -1, 3, -1, {"red"}).ok());
  ASSERT_TRUE(f.h.agent_state("a3", AgentState::NotReady).ok());
  for (const char* w : {"C1", "C2", "C3"}) {
    ASSERT_TRUE(f.h.capture(fmt::format(R"({{"id": "{}", "kind": "Call"}})", w)).ok());
    ASSERT_TRUE(f.h.runtime->accept(f.h.id(w), kNoId).ok());
    ASSERT_TRUE(f.h.runtime->park(f.h.id(w)).ok());
  }
  f.feed();
  ASSERT_EQ(f.book.parked_count(), 3u);
  std::vector<std::pair<std::uint32_t, std::uint32_t>> all;
  std::optional<std::pair<std::uint32_t, std::uint32_t>> after, next;
  do {
    auto page = f.book.workbins(after, std::nullopt, 2, &next);
    EXPECT_LE(page.size(), 2u);
    all.insert(all.end(), page.begin(), page.end());
    after = next;
  } while (next);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  const auto mine = f.book.parked(f.h.id("a1"));
  EXPECT_EQ(f.book.workbins(std::nullopt, f.h.id("a1"), 10, &next).size(), mine.size());
  // Pulled back out: no longer in the workbin.
  const std::uint32_t item = all[0].second;
  ASSERT_TRUE(f.h.runtime->pull(item).ok());
  f.feed();
  EXPECT_EQ(f.book.parked_count(), 2u);

  std::optional<std::uint32_t> more;
  AgentFilter red;
  red.group = f.h.id("red");
  EXPECT_THAT(AgentBook::agents(*f.h.runtime, red, 0, 10, &more), ElementsAre(0u, 2u));
  AgentFilter back_office;
  back_office.skill = 1;
  EXPECT_THAT(AgentBook::agents(*f.h.runtime, back_office, 0, 10, &more), ElementsAre(2u));
  AgentFilter not_ready;
  not_ready.state = AgentState::NotReady;
  EXPECT_THAT(AgentBook::agents(*f.h.runtime, not_ready, 0, 10, &more), ElementsAre(2u));
  EXPECT_THAT(AgentBook::agents(*f.h.runtime, {}, 0, 2, &more), ElementsAre(0u, 1u));
  ASSERT_TRUE(more);
  EXPECT_THAT(AgentBook::agents(*f.h.runtime, {}, *more, 2, &more), ElementsAre(2u));
  EXPECT_FALSE(more);
}

}  // namespace
}  // namespace iwd::stats
