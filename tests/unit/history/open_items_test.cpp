// The aggregates' open items (history/open_items.h) against a std::map: random opens and ends
// over a few hundred thousand ids (the index grows, and backward shifts fill the holes ends
// leave), each id found exactly while open; rows deleted at a checkpoint only for the states
// written before; the changed states listed once each, in row order.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>

#include "history/open_items.h"

namespace iwd::history {
namespace {

TEST(OpenItems, AgreesWithAMapThroughOpensAndEnds) {
  std::mt19937 rng(42);
  OpenItems items;
  std::map<std::string, std::int64_t> expected;  // id -> row
  std::int64_t next_row = 1;
  std::set<std::int64_t> written, gone;
  for (int step = 0; step < 400'000; ++step) {
    const std::string id = "w-" + std::to_string(std::uniform_int_distribution<int>(0, 150'000)(rng));
    OpenItems::State* s = items.find(id);
    const auto it = expected.find(id);
    ASSERT_EQ(s != nullptr, it != expected.end()) << id << " at step " << step;
    if (s) {
      ASSERT_EQ(s->item, id);
      ASSERT_EQ(s->row, it->second);
      if (rng() % 2) {
        if (s->written) gone.insert(s->row);
        items.erase(*s);
        expected.erase(it);
      } else {
        items.touch(*s);
      }
    } else {
      OpenItems::State& n = items.insert(id, next_row);
      expected[id] = next_row++;
      items.touch(n);
    }
    if (step % 50'000 == 49'999) {  // a checkpoint
      std::int64_t last = 0;
      std::set<std::int64_t> listed;
      for (const OpenItems::State* c : items.changed()) {
        EXPECT_GT(c->row, last) << "in row order, each once";
        last = c->row;
        listed.insert(c->row);
        written.insert(c->row);
      }
      EXPECT_EQ(std::set<std::int64_t>(items.gone().begin(), items.gone().end()), gone);
      EXPECT_EQ(items.gone().size(), gone.size());
      gone.clear();
      items.checkpointed();
      EXPECT_TRUE(items.changed().empty());
    }
    ASSERT_EQ(items.size(), expected.size());
  }
  for (const auto& [id, row] : expected) {
    const OpenItems::State* s = items.find(id);
    ASSERT_NE(s, nullptr) << id;
    EXPECT_EQ(s->row, row);
    EXPECT_EQ(s->written, written.count(row) == 1);
  }
  items.clear();
  EXPECT_EQ(items.find(expected.begin()->first), nullptr);
  EXPECT_EQ(items.size(), 0u);
}

}  // namespace
}  // namespace iwd::history
