// LoadOptions::background_compile: rules compiled lazily from source have their parts left
// compiled on a thread of their own after load (JitProgram::start_background_compile), so that
// the threads evaluating items rarely compile; without it the parts wait for their first call.
#include <gtest/gtest.h>

#include "compiler/jit/jit.h"
#include "compiler/load/loaded_rules.h"

namespace iwd::compiler {
namespace {

const std::string kEnterprise = std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd";

TEST(BackgroundCompile, ALoadWithItCompilesEveryPartAfterLoad) {
  runtime::StringPool pool;
  LoadOptions options;
  options.background_compile = true;
  const LoadResult r = load_rules(kEnterprise, pool, options);
  ASSERT_TRUE(r.rules) << r.error;
  JitProgram* jit = r.rules->jit_program();
  ASSERT_NE(jit, nullptr);
  ASSERT_GT(jit->lazy_parts(), 0u);
  std::string error;
  ASSERT_TRUE(jit->wait_background_compile(&error)) << error;
  EXPECT_EQ(jit->lazy_parts_compiled(), jit->lazy_parts());
}

TEST(BackgroundCompile, ALoadWithoutItLeavesThePartsToTheirFirstCall) {
  runtime::StringPool pool;
  const LoadResult r = load_rules(kEnterprise, pool, LoadOptions{});
  ASSERT_TRUE(r.rules) << r.error;
  JitProgram* jit = r.rules->jit_program();
  ASSERT_NE(jit, nullptr);
  std::string error;
  EXPECT_TRUE(jit->wait_background_compile(&error));  // none started: returns at once
  EXPECT_GT(jit->lazy_parts(), 0u);
  EXPECT_EQ(jit->lazy_parts_compiled(), 0u);
}

TEST(BackgroundCompile, RulesDestroyedDuringItStopIt) {
  runtime::StringPool pool;
  LoadOptions options;
  options.background_compile = true;
  for (int reload = 0; reload < 4; ++reload) {
    LoadResult r = load_rules(kEnterprise, pool, options);
    ASSERT_TRUE(r.rules) << r.error;
    r.rules.reset();  // a reload: the old rules go while their parts compile
  }
}

}  // namespace
}  // namespace iwd::compiler
