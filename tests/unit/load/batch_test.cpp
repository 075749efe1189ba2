// RulesV1::evaluate_batch (issue 19): the JIT's generated loop (iwd_batch, with the compiled
// clocks iwd_clock<p>) against the interpreter, the oracle, on random items of every clean
// ruleset; and a table without the entry point evaluated item by item.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "compiler/diag/render.h"
#include "compiler/load/loaded_rules.h"
#include "runtime/item_json.h"
#include "tests/unit/load/batch_expect.h"
#include "tests/unit/load/clean_rulesets.h"
#include "tests/unit/load/random_items.h"

namespace iwd::compiler {
namespace {

namespace abi = runtime::abi;

const std::string kSource = IWD_SOURCE_DIR;

// Null for rules with errors (the golden folders hold some), which `expected` says to expect.
std::unique_ptr<LoadedRules> load(const std::string& path, runtime::StringPool& pool, bool jit, bool expected = true) {
  std::ostringstream diags;
  LoadOptions options;
  options.jit = jit;
  LoadResult r = load_rules(path, pool, options);
  render_text(diags, r.diagnostics);
  if (expected) {
    EXPECT_TRUE(r.rules) << path << ": " << r.error << "\n" << diags.str();
  }
  return std::move(r.rules);
}

std::vector<std::string> clean_rulesets() { return test::clean_rulesets(kSource); }

// A ruleset loaded with the JIT and without it; both null for rules with errors.
struct Both {
  std::unique_ptr<LoadedRules> jit, interp;
};
Both load_both(const std::string& path, runtime::StringPool& pool) {
  Both both;
  both.jit = load(path, pool, true, false);
  if (both.jit) both.interp = load(path, pool, false);
  if (!both.interp) both.jit.reset();
  return both;
}

// Items decoded as the runtime's capture decodes them, and pointers to them.
struct Items {
  std::vector<runtime::ItemRecord> records;
  std::vector<const runtime::ItemRecord*> pointers;
  std::vector<std::string> json;
};

Items random_items(const LoadedRules& rules, std::uint32_t seed, int n, std::int64_t now) {
  Items out;
  test::RandomItems gen(rules, seed);
  runtime::DecodeOptions decode;
  decode.captured_at = stdlib::Instant{now};
  decode.default_id = "t";
  decode.allow_missing_required = true;  // rejections are answers too
  for (int i = 0; i < n; ++i) {
    std::string text = gen.item();
    auto rec = runtime::decode_item(rules.schema(), rules.pool(), text, decode);
    if (!rec.ok()) continue;  // a value the schema refuses: not an item
    out.records.push_back(std::move(rec.value));
    out.json.push_back(std::move(text));
  }
  for (const auto& r : out.records) out.pointers.push_back(&r);
  return out;
}

void expect_same(const abi::BatchResult& a, const abi::BatchResult& b, const std::string& what) {
  test::expect_same_batch_result(a, b, what);
}

TEST(Batch, TheGeneratedLoopAnswersAsTheInterpreter) {
  const std::int64_t now = 1'795'000'000'000;
  int rulesets = 0, classified = 0;
  for (const std::string& path : clean_rulesets()) {
    SCOPED_TRACE(path);
    runtime::StringPool pool;
    auto [jit, interp] = load_both(path, pool);
    if (!jit) continue;  // rules with errors
    ++rulesets;
    const abi::RulesV1& tj = jit->table();
    const abi::RulesV1& ti = interp->table();
    ASSERT_TRUE(abi::has_batch(tj));
    ASSERT_TRUE(abi::has_batch(ti));
    Items items = random_items(*jit, 19, 150, now);
    const auto n = static_cast<std::uint32_t>(items.records.size());
    for (std::int64_t age : {std::int64_t{0}, std::int64_t{5} * 3'600'000, std::int64_t{100} * 3'600'000 + 17}) {
      std::vector<abi::BatchResult> a(n), b(n);
      tj.evaluate_batch(tj.ctx, items.pointers.data(), n, now, age, a.data());
      ti.evaluate_batch(ti.ctx, items.pointers.data(), n, now, age, b.data());
      for (std::uint32_t i = 0; i < n; ++i) {
        expect_same(a[i], b[i], fmt::format("item {} at age {}: {}", i, age, items.json[i]));
        // And the JIT table's own entry points, one call each, as the runtime makes them.
        abi::BatchResult one;
        one.process = tj.classify(tj.ctx, items.pointers[i], now, &one.detail);
        if (one.process >= 0) {
          tj.clock(tj.ctx, one.process, items.pointers[i], now, &one.clock);
          one.priority = tj.priority(tj.ctx, one.process, items.pointers[i], &one.clock, age);
          classified += age == 0;
        }
        expect_same(a[i], one, fmt::format("item {} at age {} one call at a time: {}", i, age, items.json[i]));
      }
    }
    // Chunk boundaries of the table's loop (64 items): a batch of one, and one from the middle.
    if (n > 70) {
      std::vector<abi::BatchResult> whole(n), part(n);
      tj.evaluate_batch(tj.ctx, items.pointers.data(), n, now, 0, whole.data());
      tj.evaluate_batch(tj.ctx, items.pointers.data() + 3, 1, now, 0, part.data());
      expect_same(part[0], whole[3], "a batch of one");
      tj.evaluate_batch(tj.ctx, items.pointers.data() + 5, 66, now, 0, part.data());
      for (std::uint32_t i = 0; i < 66; ++i) expect_same(part[i], whole[5 + i], fmt::format("item {} of a batch from 5", i));
    }
  }
  EXPECT_GT(rulesets, 10);
  EXPECT_GT(classified, 1000);  // the items exercise the processes, not just rejection
}

// RulesV1::next_change with the JIT (the generated iwd_next<k>, the walk for the schemes it
// leaves) against the interpreter's table, on random items of every clean ruleset, at ages
// along the changes the walk finds (each, a millisecond before and after) and far past them.
TEST(Batch, TheGeneratedNextChangeAnswersAsTheWalk) {
  const std::int64_t now = 1'795'000'000'000;
  int compared = 0;
  for (const std::string& path : clean_rulesets()) {
    SCOPED_TRACE(path);
    runtime::StringPool pool;
    auto [jit, interp] = load_both(path, pool);
    if (!jit) continue;  // rules with errors
    const abi::RulesV1& tj = jit->table();
    const abi::RulesV1& ti = interp->table();
    Items items = random_items(*jit, 23, 60, now);
    for (std::size_t i = 0; i < items.records.size(); ++i) {
      const runtime::ItemRecord* item = items.pointers[i];
      std::int32_t detail = 0;
      const std::int32_t process = ti.classify(ti.ctx, item, now, &detail);
      if (process < 0) continue;
      abi::ItemClock clock;
      ti.clock(ti.ctx, process, item, now, &clock);
      std::vector<std::int64_t> ages = {0, 5 * 3'600'000 + 1, std::int64_t{500} * 3'600'000};
      for (std::size_t k = 0; k < ages.size(); ++k) {
        abi::NextChange a, b;
        tj.next_change(tj.ctx, process, item, &clock, ages[k], &a);
        ti.next_change(ti.ctx, process, item, &clock, ages[k], &b);
        const std::string what = fmt::format("item {} at age {}: {}", i, ages[k], items.json[i]);
        EXPECT_EQ(a.never, b.never) << what;
        EXPECT_EQ(a.exact, b.exact) << what;
        EXPECT_EQ(a.age, b.age) << what;
        ++compared;
        if (HasFailure()) return;
        if (!b.never && b.exact && ages.size() < 12) ages.insert(ages.end(), {b.age, b.age - 1, b.age + 1});
      }
    }
  }
  EXPECT_GT(compared, 1000);
}

// The clock is generated code for processes whose SLA runs in elapsed time, the interpreter's
// for calendars and business days (examples/enterprise.iwd has both).
TEST(Batch, ElapsedClocksAreCompiledCalendarsInterpreted) {
  runtime::StringPool pool;
  auto rules = load(kSource + "/examples/enterprise.iwd", pool, true);
  ASSERT_TRUE(rules);
  std::string error;
  auto jit = JitProgram::compile(rules->program(), &error);
  ASSERT_TRUE(jit) << error;
  ASSERT_NE(jit->batch(), nullptr);
  int compiled = 0, interpreted = 0;
  for (std::size_t p = 0; p < rules->program().processes.size(); ++p) {
    const ProgramProcess& pp = rules->program().processes[p];
    SCOPED_TRACE(pp.name);
    const bool calendar = pp.sla >= 0 && pp.sla_calendar >= 0;
    EXPECT_EQ(jit->clock(static_cast<std::int32_t>(p)) != nullptr, !calendar);
    (calendar ? interpreted : compiled) += 1;
  }
  EXPECT_GT(compiled, 0);     // Finance.*, Unclassified
  EXPECT_GT(interpreted, 0);  // Sales.* (`in office`)
}

// A table that ends before the entry point (an older loader's) is asked item by item by
// abi::evaluate_batch, with the same answers.
TEST(Batch, ATableWithoutTheEntryPointIsAskedItemByItem) {
  runtime::StringPool pool;
  auto rules = load(kSource + "/examples/enterprise.iwd", pool, true);
  ASSERT_TRUE(rules);
  abi::RulesV1 old = rules->table();
  old.table_size = static_cast<std::uint32_t>(offsetof(abi::RulesV1, evaluate_batch));
  EXPECT_FALSE(abi::has_batch(old));
  EXPECT_TRUE(abi::has_batch(rules->table()));
  const std::int64_t now = 1'795'000'000'000;
  Items items = random_items(*rules, 7, 200, now);
  const auto n = static_cast<std::uint32_t>(items.records.size());
  std::vector<abi::BatchResult> a(n), b(n);
  abi::evaluate_batch(old, items.pointers.data(), n, now, 3'600'000, a.data());
  abi::evaluate_batch(rules->table(), items.pointers.data(), n, now, 3'600'000, b.data());
  for (std::uint32_t i = 0; i < n; ++i) expect_same(a[i], b[i], items.json[i]);
}

}  // namespace
}  // namespace iwd::compiler
