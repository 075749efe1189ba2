// StringPool's item ids (issue 17): released when their item has ended, their numbers reused
// so the pool does not grow with every item ever seen; values and constants never released.
#include <cstdint>
#include <deque>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/intern.h"

namespace iwd::runtime {
namespace {

TEST(StringPoolRelease, ManyEndedItemsReuseTheirNumbers) {
  // A window of 1000 open items, a million seen: numbers stay within the window.
  StringPool p;
  const std::uint32_t sales = p.intern("Sales");
  const int window = 1000, total = 1'000'000;
  std::deque<std::uint32_t> open;
  for (int i = 0; i < total; ++i) {
    const std::string name = "case-" + std::to_string(i);
    const std::uint32_t id = p.intern_item(name);
    ASSERT_EQ(p.view(id), name);
    open.push_back(id);
    if (open.size() > static_cast<std::size_t>(window)) {
      ASSERT_TRUE(p.release(open.front()));
      open.pop_front();
    }
  }
  EXPECT_LE(p.size(), static_cast<std::uint32_t>(window + 2));
  EXPECT_EQ(p.live(), static_cast<std::uint32_t>(window + 1));
  EXPECT_EQ(p.view(sales), "Sales");
  EXPECT_EQ(p.find("Sales"), sales);
  EXPECT_FALSE(p.find("case-0"));
  EXPECT_EQ(p.find("case-" + std::to_string(total - 1)), open.back());
  for (std::uint32_t id : open) EXPECT_EQ(p.find(p.view(id)), id);
}

TEST(StringPoolRelease, ValuesAndConstantsAreNeverReleased) {
  StringPool p;
  const std::uint32_t constant = p.intern("1001");
  EXPECT_EQ(p.intern_item("1001"), constant);  // an item named like a constant
  EXPECT_FALSE(p.release(constant));
  const std::uint32_t item = p.intern_item("2002");
  EXPECT_EQ(p.intern("2002"), item);  // a value that happens to be an item's id: pinned now
  EXPECT_FALSE(p.release(item));
  EXPECT_EQ(p.find("1001"), constant);
  EXPECT_EQ(p.find("2002"), item);
  const std::uint32_t other = p.intern_item("3003");
  EXPECT_TRUE(p.release(other));
  EXPECT_FALSE(p.release(other));  // twice: nothing
}

TEST(StringPoolRelease, AnIdCapturedAgainAfterItEndedIsANewLife) {
  StringPool p;
  const std::uint32_t first = p.intern_item("A-1");
  ASSERT_TRUE(p.release(first));
  EXPECT_FALSE(p.find("A-1"));
  const std::uint32_t b = p.intern_item("B-1");  // takes the freed number
  EXPECT_EQ(b, first);
  const std::uint32_t again = p.intern_item("A-1");
  EXPECT_NE(again, b);
  EXPECT_EQ(p.view(again), "A-1");
  EXPECT_EQ(p.view(b), "B-1");
}

TEST(StringPoolRelease, AReaderStartedBeforeAReleaseNeverSeesItsNumberReused) {
  StringPool p;
  const std::uint32_t id = p.intern_item("X-1");
  std::optional<StringPool::Reader> reader(p.reader());  // a snapshot writer starts
  ASSERT_TRUE(p.release(id));
  const std::uint32_t next = p.intern_item("Y-1");
  EXPECT_NE(next, id);
  EXPECT_EQ(p.view(id), "X-1");  // what the reader reads is still the old string
  reader.reset();                // the snapshot is written
  EXPECT_EQ(p.intern_item("Z-1"), id);
  // A reader started after the release does not hold it back.
  const std::uint32_t w = p.intern_item("W-1");
  ASSERT_TRUE(p.release(w));
  StringPool::Reader late = p.reader();
  EXPECT_EQ(p.intern_item("V-1"), w);  // released before `late` started: reused
}

TEST(StringPoolRelease, TheIndexFindsEveryLiveStringAfterManyRemovals) {
  // Backward-shift deletion keeps probe runs whole: released in an order unlike insertion.
  StringPool p;
  std::vector<std::uint32_t> ids;
  for (int i = 0; i < 50000; ++i) ids.push_back(p.intern_item("k" + std::to_string(i)));
  for (int i = 0; i < 50000; i += 3) ASSERT_TRUE(p.release(ids[static_cast<std::size_t>(i)]));
  for (int i = 0; i < 50000; ++i) {
    const auto found = p.find("k" + std::to_string(i));
    if (i % 3 == 0)
      EXPECT_FALSE(found) << i;
    else
      EXPECT_EQ(found, ids[static_cast<std::size_t>(i)]) << i;
  }
}

TEST(StringPoolRelease, ConcurrentReadersAndReleases) {
  // A reader thread views the numbers it was handed under its Reader while the owner releases
  // and interns: it always reads the string it was given (checked by TSan in that build).
  StringPool p;
  std::vector<std::uint32_t> ids;
  std::vector<std::string> names;
  for (int i = 0; i < 2000; ++i) {
    names.push_back("r" + std::to_string(i));
    ids.push_back(p.intern_item(names.back()));
  }
  StringPool::Reader reader = p.reader();
  std::thread t([&p, &ids, &names] {
    for (int round = 0; round < 20; ++round)
      for (std::size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(p.view(ids[i]), names[i]);
  });
  for (std::uint32_t id : ids) p.release(id);
  for (int i = 0; i < 20000; ++i) p.intern_item("n" + std::to_string(i));
  t.join();
  std::set<std::uint32_t> seen(ids.begin(), ids.end());
  EXPECT_FALSE(seen.count(*p.find("n0")));
}

}  // namespace
}  // namespace iwd::runtime
