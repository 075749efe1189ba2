// Instants written as ISO text in tests (a failure names a text that does not parse).
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "stdlib/time.h"

namespace iwd::test {

inline stdlib::Instant at(std::string_view iso) {
  auto r = stdlib::parse_instant(iso);
  EXPECT_TRUE(r.ok()) << iso << ": " << r.error;
  return r.value.instant;
}

}  // namespace iwd::test
