#include <array>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "stdlib/spelling.h"

namespace iwd::stdlib {
namespace {

TEST(EditDistance, Basics) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("abc", ""), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("abc", "abc"), 0u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("segment", "segmnet"), 1u);  // transposition
  EXPECT_EQ(edit_distance("ab", "ba"), 1u);
  EXPECT_EQ(edit_distance("ca", "abc"), 2u);  // unrestricted: optimal string alignment would say 3
  EXPECT_EQ(edit_distance("department", "deprtment"), 1u);
  EXPECT_EQ(edit_distance("Gold", "gold"), 1u);
}

TEST(EditDistance, Symmetric) {
  const std::array<std::string_view, 6> words = {"sales", "salse", "false", "scale", "", "a"};
  for (auto a : words)
    for (auto b : words) EXPECT_EQ(edit_distance(a, b), edit_distance(b, a)) << a << " " << b;
}

TEST(SuggestName, Thresholds) {
  EXPECT_EQ(max_suggestion_distance(0), 1u);
  EXPECT_EQ(max_suggestion_distance(5), 1u);
  EXPECT_EQ(max_suggestion_distance(6), 2u);
  EXPECT_EQ(max_suggestion_distance(12), 4u);
}

TEST(SuggestName, PicksTheClosest) {
  constexpr std::array<std::string_view, 7> days = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
  EXPECT_EQ(suggest_name("mno", days), "mon");
  EXPECT_EQ(suggest_name("tues", days), "tue");
  EXPECT_EQ(suggest_name("sa", days), "sat");
  EXPECT_EQ(suggest_name("monday", days), "");  // 3 edits for 6 letters: too far
  EXPECT_EQ(suggest_name("xyz", days), "");
  EXPECT_EQ(suggest_name("", days), "");

  const std::vector<std::string> attrs = {"department", "segment", "deal_value", "product", "tags"};
  EXPECT_EQ(suggest_name("departmnet", attrs), "department");
  EXPECT_EQ(suggest_name("segmnt", attrs), "segment");
  EXPECT_EQ(suggest_name("dealvalue", attrs), "deal_value");
  EXPECT_EQ(suggest_name("tag", attrs), "tags");
  EXPECT_EQ(suggest_name("priority", attrs), "");
}

TEST(SuggestName, CaseMistakesAreCheap) {
  constexpr std::array<std::string_view, 3> segments = {"Gold", "Silver", "Bronze"};
  EXPECT_EQ(suggest_name("gold", segments), "Gold");
  EXPECT_EQ(suggest_name("SILVER", segments), "Silver");  // 5 case edits, but 0 ignoring case
  EXPECT_EQ(suggest_name("bronz", segments), "Bronze");
}

TEST(SuggestName, TiesAndSingleLetters) {
  // Same distance ignoring case: the better case match wins, then the earlier candidate.
  constexpr std::array<std::string_view, 3> c1 = {"Max", "max", "mix"};
  EXPECT_EQ(suggest_name("max", c1), "max");
  constexpr std::array<std::string_view, 2> c2 = {"cat", "car"};
  EXPECT_EQ(suggest_name("caz", c2), "cat");
  // A one-letter name is not "misspelt" as a different letter.
  constexpr std::array<std::string_view, 2> c3 = {"y", "xy"};
  EXPECT_EQ(suggest_name("x", c3), "xy");
  constexpr std::array<std::string_view, 1> c4 = {"y"};
  EXPECT_EQ(suggest_name("x", c4), "");
}

}  // namespace
}  // namespace iwd::stdlib
