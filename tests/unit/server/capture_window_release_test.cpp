// The idempotency window says which numbers it stopped naming (issue 17): an ended item's id
// is released by the engine once its mark is erased and no capture of the window names it,
// and not before, so a number reused by another id never meets an old capture's entry (window
// 0 included: the entry outlives the mark until the next expiry).
#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/intern.h"
#include "server/capture_window.h"

namespace iwd::server {
namespace {

constexpr std::int64_t kAt = 1795510800000;  // 2026-11-24T09:00:00Z

// A capture as the engine makes it: the mark, then the window's entry.
void capture(CaptureWindow& w, CaptureIndex& index, std::uint32_t id, std::string_view text, std::int64_t at,
             std::string_view answer) {
  index.set(id, CaptureMark{1, runtime::ItemState::None, CaptureMark::kSourceNone, at});
  w.captured(id, text, at, answer);
}

// An item's end as the engine sees it.
void end(CaptureWindow& w, CaptureIndex& index, std::uint32_t id, std::int64_t at) {
  index.find(id)->ended = runtime::ItemState::Canceled;
  w.ended(id, at, index);
}

std::vector<std::uint32_t> sorted(std::vector<std::uint32_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(IdempotencyWindowRelease, WithWindowZeroTheNumberIsFreeOnlyOnceItsEntryExpired) {
  runtime::StringPool pool;
  CaptureWindow w(0);
  CaptureIndex index;
  const std::uint32_t a = pool.intern_item("A");
  capture(w, index, a, "A", kAt, R"({"id":"A","first":1})");
  end(w, index, a, kAt);
  EXPECT_FALSE(index.find(a));        // window 0: the mark goes at the end
  EXPECT_TRUE(w.names(a));            // the capture's entry still names the number
  EXPECT_TRUE(w.take_unnamed().empty());
  EXPECT_EQ(w.expire(kAt, index, 100), 1u);
  EXPECT_FALSE(w.names(a));
  EXPECT_EQ(w.take_unnamed(), std::vector<std::uint32_t>{a});
  EXPECT_TRUE(w.take_unnamed().empty());  // said once
  ASSERT_TRUE(pool.release(a));

  // Another id, the same millisecond: the number again, and only its own answer.
  const std::uint32_t b = pool.intern_item("B");
  ASSERT_EQ(b, a);
  capture(w, index, b, "B", kAt, R"({"id":"B","first":2})");
  const AnswerLog::View v = w.answers_of(index);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v.answer(0, "B"), R"({"id":"B","first":2})");
  EXPECT_EQ(w.answer(b, "B", kAt), R"({"id":"B","first":2})");
}

TEST(IdempotencyWindowRelease, AnOpenItemsNumberIsFreeWhenItEndsPastTheWindow) {
  CaptureWindow w(60'000);
  CaptureIndex index;
  capture(w, index, 7, "X", kAt, "");
  EXPECT_EQ(w.expire(kAt + 60'000, index, 100), 1u);  // past the window, still open: the mark stays
  EXPECT_TRUE(index.find(7));
  EXPECT_FALSE(w.names(7));
  EXPECT_TRUE(w.take_unnamed().empty());
  end(w, index, 7, kAt + 61'000);
  EXPECT_FALSE(index.find(7));
  EXPECT_EQ(w.take_unnamed(), std::vector<std::uint32_t>{7});
}

TEST(IdempotencyWindowRelease, AnEndedItemWithinTheWindowIsFreeWhenItsLastCaptureExpires) {
  CaptureWindow w(60'000);
  CaptureIndex index;
  // Two lives of id 3 within the window, and id 4 ended too.
  capture(w, index, 3, "X", kAt, "a");
  end(w, index, 3, kAt + 1000);
  capture(w, index, 3, "X", kAt + 2000, "b");
  capture(w, index, 4, "Y", kAt + 2000, "c");
  end(w, index, 3, kAt + 3000);
  end(w, index, 4, kAt + 3000);
  EXPECT_TRUE(w.take_unnamed().empty());  // both within the window
  EXPECT_EQ(w.expire(kAt + 60'000, index, 100), 1u);  // the first life's entry
  EXPECT_TRUE(index.find(3));                          // the second life's mark
  EXPECT_TRUE(w.take_unnamed().empty());
  EXPECT_EQ(w.expire(kAt + 62'000, index, 100), 2u);
  EXPECT_FALSE(index.find(3));
  EXPECT_FALSE(index.find(4));
  EXPECT_EQ(sorted(w.take_unnamed()), (std::vector<std::uint32_t>{3, 4}));
}

TEST(IdempotencyWindowRelease, RestoredMarksAreCountedAsTheirEntries) {
  runtime::StringPool pool;
  const std::uint32_t a = pool.intern_item("A"), b = pool.intern_item("B");
  CaptureIndex index;
  index.set(a, CaptureMark{1, runtime::ItemState::Canceled, CaptureMark::kSourceNone, kAt});
  index.set(b, CaptureMark{2, runtime::ItemState::None, CaptureMark::kSourceNone, kAt});
  CaptureWindow w(1000);
  w.restored(index, kAt, {}, pool);
  EXPECT_TRUE(w.names(a));
  EXPECT_TRUE(w.names(b));
  EXPECT_EQ(w.expire(kAt + 1000, index, 100), 2u);
  EXPECT_EQ(w.take_unnamed(), std::vector<std::uint32_t>{a});  // b is open
}

}  // namespace
}  // namespace iwd::server
