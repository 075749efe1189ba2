// The walk without branches and the batch loop's inlined clocks and bounded formulas (issue 19):
// what the generated code looks like for a segmentation ruleset (no conditional branch per
// `when`, one formula for schemes that differ only in their bounds, no call for a constant
// SLA), and that it answers as the interpreter on random items of rulesets that take every
// path (a default process or none, departments without processes, an SLA absent or read from
// the item, formulas in more groups than the loop inlines, processes without a scheme).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "compiler/diag/render.h"
#include "compiler/jit/jit.h"
#include "compiler/load/loaded_rules.h"
#include "runtime/item_json.h"
#include "tests/unit/load/batch_expect.h"
#include "tests/unit/load/random_items.h"

namespace iwd::compiler {
namespace {

namespace abi = runtime::abi;

// 6 departments x 3 segments x 2 regions, each process its own bounds (bench/population_bench).
std::string segmentation(bool with_default) {
  std::string s = "ruleset seg version \"1\"\n\nenum Segment { Gold, Silver, Bronze }\n\n";
  s += "attributes {\n  department: string\n  segment: Segment\n  region: string\n  deal_value: number\n}\n\n";
  s += "priority deal {\n  start 100 + (if deal_value >= 10000 then 200 else 0)\n  every 1h add 25\n}\n\n";
  int k = 0;
  for (const char* d : {"Sales", "Finance", "Legal", "Support", "Billing", "Claims"}) {
    s += fmt::format("department {0} when department == \"{0}\" {{\n  sla 48h\n  priority deal\n", d);
    for (const char* g : {"Gold", "Silver", "Bronze"})
      for (const char* r : {"EU", "US"}) {
        s += fmt::format("  process {0}{1} when segment == {0} and region == \"{1}\" {{\n    priority deal min {2} max {3}\n  }}\n", g,
                         r, 200 + 5 * k, 300 + 10 * k);
        ++k;
      }
    s += "}\n\n";
  }
  if (with_default) s += "default process Unclassified {\n  priority deal min 1 max 2\n}\n";
  return s;
}

// Every other path: optional attributes (absent values in the conditions), a department with
// one process and no match, an SLA read from the item, none, formulas of ten kinds (more
// groups than the loop inlines), bounds that are not constants, a process without a scheme.
std::string mixed() {
  std::string s = "ruleset mixed version \"1\"\n\n";
  s += "attributes {\n  kind: string?\n  n: int?\n  x: number?\n  hours: duration?\n}\n\n";
  for (int f = 0; f < 10; ++f)
    s += fmt::format("priority p{0} {{\n  start {1} + (if x >= {2} then {3} else 0)\n  every {4}m add {5}\n}}\n\n", f, 10 * f, f * 3,
                     f + 1, 30 + f, f + 2);
  for (int d = 0; d < 4; ++d) {
    s += fmt::format("department D{0} when kind == \"k{0}\" or n == {0} {{\n", d);
    if (d == 1) s += "  sla hours ?? 6h\n";
    else if (d != 2) s += fmt::format("  sla {}h\n", 4 + d);
    for (int p = 0; p < (d == 3 ? 1 : 4); ++p) {
      const int f = (d * 4 + p) % 10;
      s += fmt::format("  process P{0} when n > {1} and x < {2} {{\n", p, p - 3, 4000 * (p + 1));
      if (d == 0 && p == 3) s += "    priority p1 min n ?? 7 max 500\n";
      else if (d != 2 || p != 0) s += fmt::format("    priority p{0} min {1} max {2}\n", f, p, 100 + 40 * p);
      s += "  }\n";
    }
    s += "}\n\n";
  }
  return s;
}

std::unique_ptr<LoadedRules> load_text(const std::string& name, const std::string& text, runtime::StringPool& pool, bool jit) {
  const std::string path = (std::filesystem::temp_directory_path() / fmt::format("iwd_batch_inline_{}_{}.iwd", name, ::getpid())).string();
  std::ofstream(path) << text;
  LoadOptions options;
  options.jit = jit;
  LoadResult r = load_rules(path, pool, options);
  std::filesystem::remove(path);
  std::ostringstream diags;
  render_text(diags, r.diagnostics);
  EXPECT_TRUE(r.rules) << r.error << "\n" << diags.str() << "\n" << text;
  return std::move(r.rules);
}

// The text of function `name` in the module's IR.
std::string body(const std::string& ir, const std::string& head) {
  const auto at = ir.find(head);
  if (at == std::string::npos) return {};
  return ir.substr(at, ir.find("\n}\n", at) - at);
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(WalkSelects, ASegmentationWalkHasNoBranchPerCondition) {
  runtime::StringPool pool;
  auto rules = load_text("seg", segmentation(false), pool, false);
  ASSERT_TRUE(rules);
  const std::string ir = program_ir(rules->program(), /*optimized=*/true);
  const std::string walk = body(ir, "define i32 @iwd_classify(");
  ASSERT_FALSE(walk.empty()) << ir;
  // One branch per required attribute at most (department, segment, region, deal_value are
  // required: predictable), none per department or process: 42 `when`s before.
  std::size_t required = 0;
  for (const auto& a : rules->program().attributes) required += a.required ? 1 : 0;
  EXPECT_LE(count(walk, "br i1"), required) << walk;
  EXPECT_GT(count(walk, "!unpredictable"), 0u) << walk;
}

TEST(WalkSelects, AWalkWhoseConditionsCallKeepsItsBranches) {
  runtime::StringPool pool;
  auto rules = load_text("call", R"(ruleset c version "1"
attributes { name: string, n: int }
department A when name < "m" {
  process Low when n < 3
  process High
}
department B when n > 0 { process Any }
)",
                         pool, false);
  ASSERT_TRUE(rules);
  const std::string walk = body(program_ir(rules->program(), /*optimized=*/true), "define i32 @iwd_classify(");
  ASSERT_FALSE(walk.empty());
  EXPECT_EQ(count(walk, "!unpredictable"), 0u) << walk;  // string order: the interpreter's, on the walk's path only
  EXPECT_GT(count(walk, "br i1"), 2u) << walk;
}

TEST(BatchInline, SchemesDifferingInBoundsShareOneFormulaAndConstantSlasNoCall) {
  runtime::StringPool pool;
  auto rules = load_text("seg", segmentation(true), pool, false);
  ASSERT_TRUE(rules);
  const std::string ir = program_ir(rules->program(), /*optimized=*/false);
  // 37 schemes (36 bounds and the default's), one formula in the loop.
  EXPECT_EQ(count(ir, "define internal i64 @iwd_priority_bounded"), 1u);
  // Every process's clock from the tables (48h; the default's none), every one in group 0.
  auto line = [&](const std::string& head) {
    const auto at = ir.find(head);
    return at == std::string::npos ? std::string() : ir.substr(at, ir.find('\n', at) - at);
  };
  const std::string clocks = line("@iwd_batch_inline_clocks = ");
  EXPECT_EQ(count(clocks, "\\01"), 37u) << clocks;
  EXPECT_NE(line("@iwd_batch_groups = ").find("[37 x i32] zeroinitializer"), std::string::npos) << line("@iwd_batch_groups = ");
}

void expect_same(const abi::BatchResult& a, const abi::BatchResult& b, const std::string& what) {
  test::expect_same_batch_result(a, b, what);
}

// The JIT's batch and single calls against the interpreter's table, items at three ages.
void compare(const std::string& name, const std::string& text, int items_wanted, bool rejects) {
  SCOPED_TRACE(name);
  const std::int64_t now = 1'795'000'000'000;
  runtime::StringPool pool;
  auto jit = load_text(name, text, pool, true);
  auto interp = load_text(name, text, pool, false);
  ASSERT_TRUE(jit && interp);
  test::RandomItems gen(*jit, 29);
  runtime::DecodeOptions decode;
  decode.captured_at = stdlib::Instant{now};
  decode.default_id = "t";
  decode.allow_missing_required = true;
  std::vector<runtime::ItemRecord> records;
  std::vector<std::string> json;
  while (static_cast<int>(records.size()) < items_wanted) {
    std::string t = gen.item();
    auto rec = runtime::decode_item(jit->schema(), pool, t, decode);
    if (!rec.ok()) continue;
    records.push_back(std::move(rec.value));
    json.push_back(std::move(t));
  }
  std::vector<const runtime::ItemRecord*> items;
  for (const auto& r : records) items.push_back(&r);
  const auto n = static_cast<std::uint32_t>(items.size());
  const abi::RulesV1& tj = jit->table();
  const abi::RulesV1& ti = interp->table();
  int classified = 0, rejected = 0;
  for (std::int64_t age : {std::int64_t{0}, std::int64_t{5} * 3'600'000, std::int64_t{100} * 3'600'000 + 17}) {
    std::vector<abi::BatchResult> a(n), b(n);
    tj.evaluate_batch(tj.ctx, items.data(), n, now, age, a.data());
    ti.evaluate_batch(ti.ctx, items.data(), n, now, age, b.data());
    for (std::uint32_t i = 0; i < n; ++i) {
      expect_same(a[i], b[i], fmt::format("item {} at age {}: {}", i, age, json[i]));
      abi::BatchResult one;
      one.process = tj.classify(tj.ctx, items[i], now, &one.detail);
      if (one.process >= 0) {
        tj.clock(tj.ctx, one.process, items[i], now, &one.clock);
        one.priority = tj.priority(tj.ctx, one.process, items[i], &one.clock, age);
        ++classified;
      } else {
        ++rejected;
      }
      expect_same(one, b[i], fmt::format("item {} at age {}, one call at a time: {}", i, age, json[i]));
      if (::testing::Test::HasFailure()) return;
    }
  }
  EXPECT_GT(classified, items_wanted / 4);  // of 3 x items_wanted answers: the processes are exercised
  if (rejects) EXPECT_GT(rejected, 0);
  else EXPECT_EQ(rejected, 0);
}

TEST(BatchInline, AnswersAsTheInterpreter) {
  compare("seg", segmentation(false), 2000, true);
  compare("seg_default", segmentation(true), 2000, false);  // no department: the default process
  compare("mixed", mixed(), 3000, true);
}

}  // namespace
}  // namespace iwd::compiler
