// `iwd explain` through the runtime's table: the figures an explanation shows are the table's
// (as `iwd eval` and the runtime get them), and where the interpreter's trace disagrees with
// the table, the explanation says so.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "compiler/explain/explain.h"
#include "compiler/interp/record_env.h"
#include "compiler/diag/render.h"
#include "compiler/load/loaded_rules.h"
#include "runtime/item_json.h"
#include "tests/unit/load/random_items.h"

namespace iwd::compiler {
namespace {

namespace abi = runtime::abi;

const std::string kSource = IWD_SOURCE_DIR;
constexpr std::int64_t kAt = 1'795'000'000'000;

struct Source {
  runtime::StringPool pool;
  SourceRules source;
  std::unique_ptr<LoadedRules> rules;
};

std::unique_ptr<Source> load(const std::string& path, bool jit) {
  auto s = std::make_unique<Source>();
  std::ostringstream diags;
  LoadOptions options;
  options.jit = jit;
  LoadResult r = load_rules(path, s->pool, options, &s->source);
  render_text(diags, r.diagnostics);
  EXPECT_TRUE(r.rules) << path << ": " << r.error << "\n" << diags.str();
  s->rules = std::move(r.rules);
  return s;
}

runtime::ItemRecord decode(Source& s, const std::string& json) {
  runtime::DecodeOptions d;
  d.captured_at = stdlib::Instant{kAt};
  d.default_id = "eval";
  d.allow_missing_required = true;
  auto rec = runtime::decode_item(s.rules->schema(), s.pool, json, d);
  EXPECT_TRUE(rec.ok()) << rec.error;
  return std::move(rec.value);
}

Explanation explain_with(Source& s, const abi::RulesV1& table, const runtime::ItemRecord& rec,
                         const std::vector<abi::Agent>& agents, std::int64_t age) {
  const LoadedRules& r = *s.rules;
  RecordEnv item(r.program(), s.pool, rec, nullptr);
  std::vector<std::unique_ptr<RecordEnv>> envs;
  ExplainRequest q;
  q.record = &rec;
  q.at = kAt;
  q.age = age;
  for (const auto& a : agents) {
    envs.push_back(std::make_unique<RecordEnv>(r.program(), s.pool, rec, &a));
    q.agents.push_back({envs.back().get()});
  }
  return explain({*s.source.sm, *s.source.comp->bound(), r.program(), s.source.registers, r.interpreter(), &table}, item, q);
}

// On the examples, through the JIT's table and the interpreter's, on random items, ages and
// agents: no disagreement, and the figures are the table's.
TEST(ExplainTable, TheFiguresAreTheTablesAndTheTraceAgrees) {
  int explained = 0;
  for (const char* name : {"examples/enterprise.iwd", "examples/leads.iwd", "examples/blended.iwd",
                           "tests/explain/rules/support.iwd", "tests/explain/rules/clock.iwd", "tests/explain/rules/claims.iwd"}) {
    for (bool jit : {true, false}) {
      auto s = load(kSource + "/" + name, jit);
      ASSERT_TRUE(s->rules);
      const abi::RulesV1& t = s->rules->table();
      test::RandomItems random(*s->rules, 13);
      for (int n = 0; n < 60; ++n) {
        const runtime::ItemRecord rec = decode(*s, random.item());
        std::vector<std::int8_t> skills[2];
        std::vector<std::uint32_t> groups[2];
        std::vector<abi::Agent> agents;
        for (int k = 0; k < 2; ++k) {  // copies: random.agent() reuses its storage
          const abi::Agent& a = random.agent();
          skills[k].assign(a.skills, a.skills + a.skill_count);
          groups[k].assign(a.groups, a.groups + a.group_count);
          agents.push_back(a);
          agents.back().skills = skills[k].data();
          agents.back().groups = groups[k].data();
        }
        const std::int64_t age = random.age();
        const Explanation x = explain_with(*s, t, rec, agents, age);
        const std::string what = std::string(name) + (jit ? " (jit)" : " (interpreter)") + " item " + std::to_string(n);
        EXPECT_TRUE(x.disagreements.empty()) << what << ": " << x.disagreements.front();
        std::int32_t detail = 0;
        const std::int32_t p = t.classify(t.ctx, &rec, kAt, &detail);
        ASSERT_EQ(x.classification.rejected, p < 0) << what;
        if (p < 0) {
          EXPECT_EQ(x.classification.rejection, t.rejection(t.ctx, detail)) << what;
          continue;
        }
        EXPECT_EQ(x.classification.process, t.process_names[p]) << what;
        abi::ItemClock clock;
        t.clock(t.ctx, p, &rec, kAt, &clock);
        EXPECT_EQ(x.due.due, clock.due == abi::kNone ? "" : stdlib::format_instant(stdlib::Instant{clock.due})) << what;
        EXPECT_EQ(x.priority.value, t.priority(t.ctx, p, &rec, &clock, age)) << what;
        for (std::size_t k = 0; k < agents.size(); ++k)
          EXPECT_EQ(x.agents[k].eligible, t.eligible(t.ctx, p, &rec, &clock, age, &agents[k]) != 0) << what;
        ++explained;
      }
    }
  }
  EXPECT_GT(explained, 100);
}

// Every golden ruleset without errors, through the JIT's table: no disagreement either.
TEST(ExplainTable, EveryGoldenRulesetAgrees) {
  namespace fs = std::filesystem;
  int rulesets = 0, explained = 0;
  std::vector<std::string> paths;
  for (const auto& e : fs::recursive_directory_iterator(kSource + "/tests/golden"))
    if (e.path().extension() == ".iwd" && e.path().filename().string()[0] != '_') paths.push_back(e.path().string());
  std::sort(paths.begin(), paths.end());
  for (const auto& path : paths) {
    auto s = std::make_unique<Source>();
    std::ostringstream diags;
    LoadResult r = load_rules(path, s->pool, LoadOptions{}, &s->source);
    render_text(diags, r.diagnostics);
    if (!r.rules) continue;  // rules with errors, or an import's root elsewhere
    s->rules = std::move(r.rules);
    ++rulesets;
    test::RandomItems random(*s->rules, 7);
    for (int n = 0; n < 15; ++n) {
      const runtime::ItemRecord rec = decode(*s, random.item());
      const abi::Agent agent = random.agent();
      const Explanation x = explain_with(*s, s->rules->table(), rec, {agent}, random.age());
      EXPECT_TRUE(x.disagreements.empty()) << path << " item " << n << ": " << x.disagreements.front();
      ++explained;
    }
  }
  EXPECT_GT(rulesets, 50);
  EXPECT_GT(explained, 750);
}

// A table that answers otherwise than the interpreter's trace (a bug in the JIT, say): the
// explanation shows the table's figures and names every difference.
abi::RulesV1 g_real;
std::int64_t skewed_priority(void* ctx, std::int32_t process, const runtime::ItemRecord* item, const abi::ItemClock* clock,
                             std::int64_t age) {
  return g_real.priority(ctx, process, item, clock, age) + 1;
}
void late_stages(void* ctx, std::int32_t process, const runtime::ItemRecord* item, const abi::ItemClock* clock,
                 abi::Stage* out) {
  g_real.stages(ctx, process, item, clock, out);
  for (std::uint32_t k = 0; k < g_real.stage_counts[process]; ++k)
    if (out[k].opens_at != abi::kNone) out[k].opens_at += 60'000;
}
void late_clock(void* ctx, std::int32_t process, const runtime::ItemRecord* item, std::int64_t now, abi::ItemClock* out) {
  g_real.clock(ctx, process, item, now, out);
  out->due += 3'600'000;
}

TEST(ExplainTable, ADisagreementIsNamedAndTheTableWins) {
  auto s = load(kSource + "/examples/enterprise.iwd", false);
  ASSERT_TRUE(s->rules);
  g_real = s->rules->table();
  const runtime::ItemRecord rec = decode(*s, R"({"department": "Sales", "segment": "Gold", "deal_value": 20000})");
  constexpr std::int64_t kAge = 2 * 3'600'000;
  const Explanation right = explain_with(*s, g_real, rec, {}, kAge);
  ASSERT_TRUE(right.disagreements.empty()) << right.disagreements.front();

  abi::RulesV1 skewed = g_real;
  skewed.priority = skewed_priority;
  skewed.stages = late_stages;
  const Explanation x = explain_with(*s, skewed, rec, {}, kAge);
  EXPECT_EQ(x.priority.value, right.priority.value + 1);
  std::vector<std::string> want = {"the priority at 2h: the interpreter's trace gives " + std::to_string(right.priority.value) +
                                   ", the runtime's table " + std::to_string(right.priority.value + 1)};
  for (std::size_t k = 0; k < right.targets.stages.size(); ++k) {
    if (right.targets.stages[k].opens.empty()) continue;
    EXPECT_NE(x.targets.stages[k].opens, right.targets.stages[k].opens) << k;
    want.push_back("the opening of stage " + std::to_string(k + 1) + ": the interpreter's trace gives " +
                   right.targets.stages[k].opens + ", the runtime's table " + x.targets.stages[k].opens);
  }
  EXPECT_GE(want.size(), 3u);
  EXPECT_EQ(x.disagreements, want);

  abi::RulesV1 late = g_real;
  late.clock = late_clock;
  const Explanation y = explain_with(*s, late, rec, {}, kAge);
  ASSERT_FALSE(y.disagreements.empty());
  EXPECT_EQ(y.disagreements.front(), "the due instant: the interpreter's trace gives " + right.due.due +
                                         ", the runtime's table " + y.due.due);
  EXPECT_NE(y.due.due, right.due.due);
}

}  // namespace
}  // namespace iwd::compiler
