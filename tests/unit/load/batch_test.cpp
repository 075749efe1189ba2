// RulesV1::evaluate_batch (issue 19): the JIT's generated loop (iwd_batch, with the compiled
// clocks iwd_clock<p>) against the interpreter, the oracle, on random items of every clean
// ruleset; and a table without the entry point evaluated item by item.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
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

// RulesV1::next_change tells the generated next change the SLA clock's open time (the SLA)
// only for an item whose due instant is the SLA counted in the SLA's calendar from its start:
// no `due_at`, an SLA in hours, not business days (codegen_next.cpp takes the share `N% of sla`
// from it without asking the calendar). Items with a `due_at` (whose open time is another), an
// `activate_at`, an SLA in business days, in another calendar than the age's or in elapsed
// time, in the weeks of the clocks' changes and around a closed day: every answer as the
// interpreter's table, at ages along the changes. Telling the SLA for the `due_at` items or for
// business days fails here.
TEST(Batch, TheSlaClocksOpenTimeIsToldWhereItIsTheSla) {
  const std::string path = ::testing::TempDir() + "told_open_time.iwd";
  std::ofstream(path) << R"(ruleset told version "1"
attributes { n: int = 0 }
calendar office { timezone "Europe/Paris"  mon..fri 08:00-12:00, 13:00-18:00  sat 09:00-11:00  closed 2026-04-06 }
calendar ny { timezone "America/New_York"  mon..fri 09:00-17:30 }
priority s { start 100  every 1h add 20  every 15m add 25 from 75% of sla  overdue 2000  age in office }
priority h { start 0  every 30m add 1 from 40% of sla  age in office }
department Counted when n == 0 { sla 48h in office  priority s  process P }
department Days when n == 1 { sla 3bd in office  priority s  process P }
department Other when n == 2 { sla 30h in ny  priority s  process P }
department Elapsed when n == 3 { sla 48h  priority s  process P }
department Short when n == 4 { sla 20h in office  priority h  process P }
)";
  runtime::StringPool pool;
  auto [jit, interp] = load_both(path, pool);
  ASSERT_TRUE(jit);
  const abi::RulesV1& tj = jit->table();
  const abi::RulesV1& ti = interp->table();
  std::mt19937_64 rng(7);
  int compared = 0, with_due_at = 0;
  for (const char* week : {"2026-03-26T07:10:00Z", "2026-04-02T15:40:00Z", "2026-10-22T11:05:00Z", "2026-01-09T16:59:00Z"}) {
    const std::int64_t base = stdlib::parse_instant(week).value.instant.ms_since_epoch;
    for (int n = 0; n < 5; ++n) {
      for (int variant = 0; variant < 5; ++variant) {
        const std::int64_t captured = base + static_cast<std::int64_t>(rng() % (3 * 24 * 60)) * 60'000 + static_cast<std::int64_t>(rng() % 1000);
        std::string text = fmt::format(R"({{"id": "I{}", "n": {}, "captured_at": "{}")", compared, n,
                                       stdlib::format_instant(stdlib::Instant{captured}));
        // 0: the SLA counted from the start; 1-3: a `due_at` 30h, 3h, 100h later; 4: activated 2h later.
        const std::int64_t due_after[] = {0, 30 * 3'600'000, 3 * 3'600'000, 100 * 3'600'000, 0};
        if (due_after[variant] > 0)
          text += fmt::format(R"(, "due_at": "{}")", stdlib::format_instant(stdlib::Instant{captured + due_after[variant]}));
        if (variant == 4) text += fmt::format(R"(, "activate_at": "{}")", stdlib::format_instant(stdlib::Instant{captured + 7'200'000}));
        text += "}";
        auto decoded = runtime::decode_item(jit->schema(), pool, text, runtime::DecodeOptions{});
        ASSERT_TRUE(decoded.ok()) << decoded.error << " " << text;
        const runtime::ItemRecord& item = decoded.value;
        std::int32_t detail = 0;
        const std::int32_t process = ti.classify(ti.ctx, &item, captured, &detail);
        ASSERT_GE(process, 0) << text;
        abi::ItemClock clock;
        tj.clock(tj.ctx, process, &item, captured, &clock);
        with_due_at += due_after[variant] > 0;
        std::vector<std::int64_t> ages = {0, 5 * 3'600'000 + 1, 29 * 3'600'000, 61 * 3'600'000};
        for (std::size_t k = 0; k < ages.size(); ++k) {
          abi::NextChange a, b;
          tj.next_change(tj.ctx, process, &item, &clock, ages[k], &a);
          ti.next_change(ti.ctx, process, &item, &clock, ages[k], &b);
          const std::string what = fmt::format("{} at age {}", text, ages[k]);
          ASSERT_EQ(a.never, b.never) << what;
          ASSERT_EQ(a.exact, b.exact) << what;
          ASSERT_EQ(a.age, b.age) << what;
          ++compared;
          if (!b.never && b.exact && ages.size() < 16) ages.insert(ages.end(), {b.age, b.age - 1, b.age + 1});
        }
      }
    }
  }
  std::remove(path.c_str());
  EXPECT_GT(compared, 1000);
  EXPECT_EQ(with_due_at, 4 * 5 * 3);
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
