// stdlib::format_number: the one spelling of a number in messages and explanations (sema's
// checks and lints, the condition solver's examples, iwd explain).
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "stdlib/text.h"

namespace iwd::stdlib {
namespace {

TEST(FormatNumber, IntegralValuesHaveNoFraction) {
  EXPECT_EQ(format_number(500), "500");
  EXPECT_EQ(format_number(-5), "-5");
  EXPECT_EQ(format_number(0), "0");
  EXPECT_EQ(format_number(-0.0), "0");
  EXPECT_EQ(format_number(20000.0), "20000");
  EXPECT_EQ(format_number(999999999999999.0), "999999999999999");
}

TEST(FormatNumber, OthersInTheirShortestRoundTripForm) {
  EXPECT_EQ(format_number(2.5), "2.5");
  EXPECT_EQ(format_number(0.1), "0.1");
  EXPECT_EQ(format_number(-0.75), "-0.75");
  EXPECT_EQ(format_number(1e15), "1000000000000000");  // beyond the integral range: as fmt writes it
  EXPECT_EQ(format_number(1e20), "1e+20");
  EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(format_number(std::nan("")), "nan");
}

}  // namespace
}  // namespace iwd::stdlib
