// Two answers of RulesV1::evaluate_batch (or of the single calls) expected equal, field by
// field, naming the item (`what`) on a difference.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "runtime/abi.h"

namespace iwd::test {

inline void expect_same_batch_result(const runtime::abi::BatchResult& a, const runtime::abi::BatchResult& b,
                                     const std::string& what) {
  EXPECT_EQ(a.process, b.process) << what;
  EXPECT_EQ(a.detail, b.detail) << what;
  EXPECT_EQ(a.clock.classified_at, b.clock.classified_at) << what;
  EXPECT_EQ(a.clock.start, b.clock.start) << what;
  EXPECT_EQ(a.clock.sla, b.clock.sla) << what;
  EXPECT_EQ(a.clock.due, b.clock.due) << what;
  EXPECT_EQ(a.priority, b.priority) << what;
}

}  // namespace iwd::test
