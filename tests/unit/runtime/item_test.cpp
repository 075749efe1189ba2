#include <algorithm>
#include <cstddef>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/intern.h"
#include "runtime/item.h"

namespace iwd::runtime {
namespace {

// Layout checks: what generated code relies on.
static_assert(slot_offset_bytes(8, 0) == 16);
static_assert(slot_offset_bytes(8, 7) == 72);
static_assert(slot_offset_bytes(128, 0) == 8 + 16);
static_assert(slot_offset_bytes(129, 0) == 8 + 24);
static_assert(presence_words_for(0) == 1 && presence_words_for(64) == 1 &&
              presence_words_for(65) == 2);

TEST(ItemRecord, LayoutMatchesTheDocumentedOffsets) {
  for (std::uint32_t n : {0u, 1u, 8u, 63u, 64u, 65u, 200u}) {
    ItemRecord r(n);
    const std::uint64_t* base = r.data();
    RecordHeader h;
    std::memcpy(&h, base, sizeof h);
    EXPECT_EQ(h.slot_count, n);
    EXPECT_EQ(h.presence_words, presence_words_for(n));
    for (std::uint32_t i = 0; i < n; ++i) {
      r.set_int(i, 1000 + i);
      const auto* bytes = reinterpret_cast<const unsigned char*>(base);
      std::int64_t v;
      std::memcpy(&v, bytes + slot_offset_bytes(n, i), 8);
      EXPECT_EQ(v, 1000 + i);
      // load, shift, mask
      EXPECT_EQ((base[1 + (i >> 6)] >> (i & 63)) & 1, 1u);
    }
  }
}

TEST(ItemRecord, PresenceAndTypedSlots) {
  ItemRecord r(70);
  for (std::uint32_t i = 0; i < 70; ++i) EXPECT_FALSE(r.present(i));
  r.set_number(3, 2.5);
  r.set_bool(4, true);
  r.set_string(65, 42);
  r.set_int(69, -7);
  EXPECT_TRUE(r.present(3));
  EXPECT_EQ(r.get_number(3), 2.5);
  EXPECT_TRUE(r.get_bool(4));
  EXPECT_EQ(r.get_string(65), 42u);
  EXPECT_TRUE(r.present(65));
  EXPECT_EQ(r.get_int(69), -7);
  EXPECT_FALSE(r.present(66));
  r.clear(3);
  EXPECT_FALSE(r.present(3));
  EXPECT_EQ(r.data()[1 + 2 + 3], 0u);
}

TEST(ItemRecord, ListsAndTheContainsHelper) {
  ItemRecord r(4);
  r.set_list(1, {5, 6, 7});
  r.set_list(2, {});
  EXPECT_TRUE(iwd_rt_list_contains(&r, 1, 6));
  EXPECT_FALSE(iwd_rt_list_contains(&r, 1, 8));
  EXPECT_FALSE(iwd_rt_list_contains(&r, 2, 0));
  EXPECT_FALSE(iwd_rt_list_contains(&r, 3, 0));   // absent
  EXPECT_FALSE(iwd_rt_list_contains(&r, 99, 0));  // out of range
  EXPECT_TRUE(r.present(2));
  r.set_list(1, {9});
  EXPECT_EQ(r.list(1).size(), 1u);
  ItemRecord copy = r;
  EXPECT_EQ(copy, r);
  EXPECT_TRUE(iwd_rt_list_contains(&copy, 1, 9));
}

TEST(StringPool, SameStringSameId) {
  StringPool p;
  auto a = p.intern("Sales");
  auto b = p.intern("Support");
  EXPECT_NE(a, b);
  EXPECT_EQ(p.intern("Sales"), a);
  EXPECT_EQ(p.find("Support"), b);
  EXPECT_FALSE(p.find("Nope"));
  EXPECT_EQ(p.size(), 2u);
  EXPECT_EQ(p.view(a), "Sales");
  EXPECT_EQ(p.intern(""), 2u);
  EXPECT_EQ(p.view(2), "");
  EXPECT_EQ(p.intern(std::string_view("a\0b", 3)), 3u);
  EXPECT_EQ(p.view(3).size(), 3u);
}

TEST(StringPool, ManyStringsAcrossChunks) {
  StringPool p;
  const int n = 200000;
  for (int i = 0; i < n; ++i) EXPECT_EQ(p.intern("s" + std::to_string(i)), static_cast<std::uint32_t>(i));
  for (int i = 0; i < n; i += 997) EXPECT_EQ(p.view(static_cast<std::uint32_t>(i)), "s" + std::to_string(i));
  EXPECT_EQ(p.view(n - 1), "s" + std::to_string(n - 1));
  EXPECT_EQ(p.find("s12345"), 12345u);
}

TEST(StringPool, ConcurrentInterningFromFourThreads) {
  StringPool p;
  const int per = 20000;
  std::vector<std::vector<std::uint32_t>> ids(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < per; ++i) {
        // Half shared among all threads, half private to this one.
        std::string s = (i % 2 == 0) ? "shared" + std::to_string(i)
                                     : "t" + std::to_string(t) + "_" + std::to_string(i);
        const auto id = p.intern(s);
        ids[static_cast<size_t>(t)].push_back(id);
        EXPECT_EQ(p.view(id), s);  // lock-free read while others intern
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(p.size(), static_cast<std::uint32_t>(per / 2 + 4 * per / 2));
  for (int i = 0; i < per; i += 2)
    for (int t = 1; t < 4; ++t) EXPECT_EQ(ids[static_cast<size_t>(t)][static_cast<size_t>(i)], ids[0][static_cast<size_t>(i)]);
  std::set<std::uint32_t> all;
  for (auto& v : ids) all.insert(v.begin(), v.end());
  EXPECT_EQ(all.size(), p.size());
  EXPECT_EQ(*all.rbegin(), p.size() - 1);  // dense
}

}  // namespace
}  // namespace iwd::runtime
