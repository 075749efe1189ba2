// `iwd test`: a ruleset's test blocks are answered by the rules' table, as the runtime calls
// it (compiler/interp/rule_tests.h), not by a second path through the interpreter.
#include <gtest/gtest.h>

#include <sstream>

#include "compiler/interp/rule_tests.h"
#include "compiler/diag/render.h"
#include "compiler/load/loaded_rules.h"

namespace iwd::compiler {
namespace {

namespace abi = runtime::abi;

const std::string kSource = IWD_SOURCE_DIR;

abi::RulesV1 g_real;
std::int64_t one_more(void* ctx, std::int32_t process, const runtime::ItemRecord* item, const abi::ItemClock* clock,
                      std::int64_t age) {
  return g_real.priority(ctx, process, item, clock, age) + 1;
}
std::uint8_t no_one(void*, std::int32_t, const runtime::ItemRecord*, const abi::ItemClock*, std::int64_t, const abi::Agent*) {
  return 0;
}
std::int32_t reject_all(void*, const runtime::ItemRecord*, std::int64_t, std::int32_t* detail) {
  *detail = -1;  // no department matches
  return -1;
}

TEST(RuleTestsTable, TheAnswersAreTheTables) {
  for (bool jit : {true, false}) {
    runtime::StringPool pool;
    SourceRules source;
    std::ostringstream diags;
    LoadOptions options;
    options.jit = jit;
    LoadResult r = load_rules(kSource + "/examples/enterprise.iwd", pool, options, &source);
    render_text(diags, r.diagnostics);
    ASSERT_TRUE(r.rules) << r.error << diags.str();
    const LoadedRules& rules = *r.rules;
    const BoundRuleset& rs = *source.comp->bound();
    auto run = [&](const abi::RulesV1& t) { return run_rule_tests(rs, rules.program(), rules.interpreter(), t, pool); };
    auto failures = [](const std::vector<RuleTestResult>& results) {
      std::vector<std::string> out;
      for (const auto& x : results)
        for (const auto& f : x.failures) out.push_back(f.expectation + ": got " + f.actual);
      return out;
    };
    g_real = rules.table();
    const auto passing = run(g_real);
    ASSERT_FALSE(passing.empty());
    EXPECT_EQ(failures(passing), std::vector<std::string>{}) << (jit ? "jit" : "interpreter");

    abi::RulesV1 skewed = g_real;
    skewed.priority = one_more;
    const auto priorities = failures(run(skewed));
    ASSERT_FALSE(priorities.empty());
    EXPECT_EQ(priorities.front(), "expect priority 500 at 0s: got priority 501");

    skewed = g_real;
    skewed.eligible = no_one;
    const auto eligibility = failures(run(skewed));
    ASSERT_FALSE(eligibility.empty());
    for (const auto& f : eligibility) EXPECT_EQ(f.rfind("expect eligible", 0), 0u) << f;

    skewed = g_real;
    skewed.classify = reject_all;
    const auto rejected = failures(run(skewed));
    ASSERT_FALSE(rejected.empty());
    EXPECT_NE(rejected.front().find("rejected: no process takes the item"), std::string::npos) << rejected.front();
  }
}

}  // namespace
}  // namespace iwd::compiler
