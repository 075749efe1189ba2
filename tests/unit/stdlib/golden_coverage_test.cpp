// Every built-in of the signature table is pinned by the golden data in tests/stdlib/ (run by
// ctest as stdlib/*), so a function added to the table without goldens fails here. Also the
// text functions and the arithmetic helpers on their own (stdlib/text.h, stdlib/arith.h).
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "stdlib/arith.h"
#include "stdlib/functions.h"
#include "stdlib/text.h"

namespace iwd::stdlib {
namespace {

// The golden files' text without comments.
std::string golden_code() {
  std::string code;
  for (const auto& e : std::filesystem::directory_iterator(std::string(IWD_SOURCE_DIR) + "/tests/stdlib")) {
    if (e.path().extension() != ".iwd") continue;
    std::ifstream in(e.path());
    for (std::string line; std::getline(in, line);) code += line.substr(0, line.find("//")) + "\n";
  }
  return code;
}

bool calls(const std::string& code, std::string_view name) {
  const std::string call = std::string(name) + "(";
  for (std::size_t at = code.find(call); at != std::string::npos; at = code.find(call, at + 1)) {
    const char before = at == 0 ? ' ' : code[at - 1];
    if (!std::isalnum(static_cast<unsigned char>(before)) && before != '_') return true;
  }
  return false;
}

TEST(StdlibGoldens, EveryBuiltinIsCalledInTheGoldenData) {
  const std::string code = golden_code();
  ASSERT_FALSE(code.empty()) << "no golden files in tests/stdlib";
  for (const FunctionSig& fn : all_functions()) EXPECT_TRUE(calls(code, fn.name)) << fn.name << " has no golden data";
}

TEST(StdlibText, CaseFollowsUnicode) {
  EXPECT_EQ(to_lower("MÜLLER"), "müller");
  EXPECT_EQ(to_upper("straße"), "STRASSE");
  EXPECT_EQ(to_lower("ΟΔΟΣ"), "οδος");
  EXPECT_EQ(to_upper(""), "");
  EXPECT_EQ(to_lower("日本語 123"), "日本語 123");
  // Long enough to outgrow the first buffer (every sharp s doubles).
  const std::string many(300, 'a');
  std::string sharp;
  for (int i = 0; i < 100; ++i) sharp += "ß";
  EXPECT_EQ(to_upper(sharp), std::string(200, 'S'));
  EXPECT_EQ(to_upper(many), std::string(300, 'A'));
}

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

TEST(StdlibArith, OverflowIsAbsent) {
  EXPECT_EQ(checked_add(kMax - 1, 1), kMax);
  EXPECT_FALSE(checked_add(kMax, 1));
  EXPECT_EQ(checked_sub(-kMax, 1), kMin);
  EXPECT_FALSE(checked_sub(kMin, 1));
  EXPECT_FALSE(checked_mul(kMin, -1));
  EXPECT_EQ(checked_mul(std::int64_t{1} << 62, -2), kMin);
  EXPECT_FALSE(checked_neg(kMin));
  EXPECT_EQ(checked_neg(kMax), -kMax);
}

TEST(StdlibArith, DivisionRoundsHalvesAwayFromZero) {
  EXPECT_EQ(divide_rounded(5, 2), 3);
  EXPECT_EQ(divide_rounded(-5, 2), -3);
  EXPECT_EQ(divide_rounded(5, -2), -3);
  EXPECT_EQ(divide_rounded(-5, -2), 3);
  EXPECT_EQ(divide_rounded(4, 3), 1);
  EXPECT_EQ(divide_rounded(5, 3), 2);
  EXPECT_EQ(divide_rounded(kMax, 2), kMax / 2 + 1);
  EXPECT_EQ(divide_rounded(kMin, 2), kMin / 2);
  EXPECT_EQ(divide_rounded(kMin, kMin), 1);
  EXPECT_EQ(divide_rounded(kMax, kMin), -1);  // 0.99999... rounds to -1
  EXPECT_EQ(divide_rounded(1, kMin), 0);
  EXPECT_EQ(divide_rounded(kMin, 1), kMin);
  EXPECT_FALSE(divide_rounded(kMin, -1));
  EXPECT_FALSE(divide_rounded(1, 0));
}

TEST(StdlibArith, NumbersToInts) {
  EXPECT_EQ(round_to_int(0.5), 1);
  EXPECT_EQ(round_to_int(-0.5), -1);
  EXPECT_EQ(round_to_int(0.49999999999999994), 0);
  EXPECT_EQ(whole_to_int(-9223372036854775808.0), kMin);
  EXPECT_FALSE(whole_to_int(9223372036854775808.0));
  EXPECT_FALSE(whole_to_int(std::numeric_limits<double>::quiet_NaN()));
  EXPECT_FALSE(finite(std::numeric_limits<double>::infinity()));
  EXPECT_EQ(saturating_truncate(1e300), kMax);
  EXPECT_EQ(saturating_truncate(-1e300), kMin);
  EXPECT_EQ(saturating_truncate(-2.9), -2);
  EXPECT_EQ(saturating_truncate(std::numeric_limits<double>::quiet_NaN()), 0);
  EXPECT_EQ(saturating_add(kMax, 1), kMax);
  EXPECT_EQ(saturating_add(kMin, -1), kMin);
  EXPECT_EQ(saturating_add(2, 3), 5);
}

}  // namespace
}  // namespace iwd::stdlib
