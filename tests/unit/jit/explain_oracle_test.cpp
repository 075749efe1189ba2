// `iwd explain` against its oracle: on every example, golden and explain ruleset and on
// seeded random rulesets, for random items, ages and agents, the explanation's process, due
// instant, priority, next change, stage openings and eligibility are what the reference
// interpreter's classify, clock, priority, next_priority_change, stage_openings and eligible
// return; this holds whether the explained interpreter runs functions itself or through the
// JIT; and each breakdown adds up to its result (the steps of the classification, the
// calendar days to the SLA, start + every + boosts clamped to the priority).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <sstream>

#include "compiler/driver/compilation.h"
#include "compiler/explain/explain.h"
#include "compiler/interp/record_env.h"
#include "compiler/jit/jit.h"
#include "compiler/jit/jit_runner.h"
#include "random_ruleset.h"
#include "runtime/agent.h"
#include "runtime/schema.h"
#include "tests/support/checked_rules.h"

namespace iwd::compiler {
namespace {

constexpr std::int64_t kAt = 1795424400000;  // 2026-11-23T08:00:00Z, a monday
constexpr std::int64_t kHour = 3'600'000;

class Oracle {
 public:
  Oracle(const SourceManager& sm, const BoundRuleset& rs, std::uint64_t seed)
      : sm_(sm), rs_(rs), program_(lower_program(rs, &registers_)), plain_(*program_), jitted_(*program_), rng_(seed) {
    std::string error;
    jit_ = JitProgram::compile(*program_, &error);
    EXPECT_NE(jit_, nullptr) << error;
    std::vector<std::int64_t> ids;
    for (const auto& s : program_->strings) ids.push_back(pool_.intern(s));
    if (jit_) runner_ = std::make_unique<JitRunner>(*jit_, jitted_, std::move(ids));
    if (runner_) jitted_.set_native(runner_.get());
  }

  // Explains `items` random items; returns how many were compared.
  std::size_t run(int items, const std::string& what) {
    std::size_t compared = 0;
    for (int n = 0; n < items; ++n) {
      const runtime::ItemRecord rec = random_item();
      std::vector<runtime::Agent> agents(2);
      for (auto& a : agents) a = random_agent();
      const std::int64_t age = static_cast<std::int64_t>(pick(4) == 0 ? pick(5) * 24 : pick(60)) * kHour +
                               static_cast<std::int64_t>(pick(4)) * 900'000;
      for (const Interpreter* engine : {&plain_, &jitted_}) {
        check(rec, agents, age, *engine, what + (engine == &plain_ ? " (interpreted)" : " (jit)"));
        ++compared;
        if (::testing::Test::HasFailure()) return compared;
      }
    }
    return compared;
  }

 private:
  std::size_t pick(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }

  std::uint32_t random_string() {
    static const char* kOthers[] = {"", "x", "Sales", "EU", "a1", "tier1"};
    if (!program_->strings.empty() && pick(3) != 0) return pool_.intern(program_->strings[pick(program_->strings.size())]);
    return pool_.intern(kOthers[pick(6)]);
  }

  runtime::ItemRecord random_item() {
    const auto& attrs = program_->attributes;
    runtime::ItemRecord rec(static_cast<std::uint32_t>(attrs.size()));
    rec.set_string(runtime::kSlotId, pool_.intern("eval"));
    rec.set_string(runtime::kSlotSource, pool_.intern("api"));
    rec.set_string(runtime::kSlotMedia, pool_.intern(pick(2) ? "workitem" : "voice"));
    rec.set_int(runtime::kSlotCapturedAt, kAt);
    if (pick(4) == 0) rec.set_int(runtime::kSlotDueAt, kAt + static_cast<std::int64_t>(pick(100)) * kHour);
    if (pick(4) == 0) rec.set_int(runtime::kSlotActivateAt, kAt + static_cast<std::int64_t>(pick(20)) * 1'800'000);
    if (pick(3) == 0) rec.set_string(runtime::kSlotPreferredAgent, pool_.intern("a1"));
    for (std::uint32_t i = runtime::kCoreSlotCount; i < attrs.size(); ++i) {
      const auto& a = attrs[i];
      if (pick(a.required ? 25 : 5) == 0) continue;  // absent now and then; a missing required one rejects
      switch (a.tag) {
        case VTag::Bool: rec.set_int(i, static_cast<std::int64_t>(pick(2))); break;
        case VTag::Number: {
          static const double kNumbers[] = {0, 1, 50, 499.5, 500, 5000, 10000, 20000, -3.25};
          rec.set_number(i, kNumbers[pick(9)]);
          break;
        }
        case VTag::String: rec.set_string(i, random_string()); break;
        case VTag::Time: rec.set_int(i, kAt + (static_cast<std::int64_t>(pick(20)) - 10) * 7 * kHour); break;
        case VTag::Duration: rec.set_int(i, static_cast<std::int64_t>(pick(100)) * 900'000); break;
        case VTag::Enum: {
          const std::size_t n = program_->enums[static_cast<std::size_t>(a.enum_index)].size();
          if (n > 0) rec.set_int(i, static_cast<std::int64_t>(pick(n)));  // an enum with no values (W0624): absent
          break;
        }
        case VTag::List: {
          std::vector<std::int64_t> values;
          for (std::size_t k = pick(4); k > 0; --k)
            values.push_back(a.element == VTag::String ? random_string() : static_cast<std::int64_t>(pick(3)));
          rec.set_list(i, std::move(values));
          break;
        }
        default: rec.set_int(i, static_cast<std::int64_t>(pick(40)) - 10); break;
      }
    }
    return rec;
  }

  runtime::Agent random_agent() {
    runtime::Agent a;
    a.skills.assign(program_->skills.size(), -1);
    for (std::uint32_t s = 0; s < program_->skills.size(); ++s)
      if (pick(2)) a.skills[s] = static_cast<std::int8_t>(pick(11));
    if (pick(2)) a.id = pool_.intern(pick(2) ? "a1" : "a2");
    if (pick(2)) a.groups.push_back(random_string());
    return a;
  }

  void check(const runtime::ItemRecord& rec, const std::vector<runtime::Agent>& agents, std::int64_t age,
             const Interpreter& engine, const std::string& what) {
    RecordEnv env(*program_, pool_, rec, nullptr);
    std::vector<runtime::abi::Agent> views;
    for (const auto& a : agents) views.push_back(a.view());
    std::vector<std::unique_ptr<RecordEnv>> agent_envs;
    ExplainRequest request;
    request.at = kAt;
    request.age = age;
    // `--process`: one of the ruleset's, asked why the item did or did not get it; none to ask
    // about in a ruleset without a process (tests/explain/rules/no_processes.iwd).
    request.process = program_->processes.empty() ? -1 : static_cast<std::int32_t>(pick(program_->processes.size()));
    for (const auto& a : views) {
      agent_envs.push_back(std::make_unique<RecordEnv>(*program_, pool_, rec, &a));
      request.agents.push_back({agent_envs.back().get()});
    }
    const Explanation x = explain({sm_, rs_, *program_, registers_, engine}, env, request);
    std::ostringstream text;
    render_explanation_text(text, x);
    const std::string json = explanation_json(x);
    ASSERT_FALSE(text.str().empty() || json.empty()) << what;

    // The oracle: the plain interpreter.
    const Classification c = plain_.classify(env, stdlib::Instant{kAt});
    const auto& cl = x.classification;
    ASSERT_EQ(cl.rejected, c.process < 0) << what;
    ASSERT_EQ(x.why_not.has_value(), request.process >= 0) << what;
    if (c.process < 0) {
      EXPECT_EQ(cl.rejection, c.reason) << what;
      return;
    }
    const auto& pp = program_->processes[static_cast<std::size_t>(c.process)];
    ASSERT_EQ(cl.process, pp.name) << what;
    EXPECT_EQ(cl.by_default, c.process == program_->default_process) << what;
    EXPECT_EQ(x.why_not->verdict.rfind("the item goes to it", 0) == 0, request.process == c.process)
        << what << ": " << x.why_not->verdict;
    // The steps: nothing held before the department that took the item, nor before the process.
    int departments_held = 0;
    for (std::size_t k = 0; k < cl.steps.size(); ++k) {
      const auto& s = cl.steps[k];
      if (s.department && s.holds) ++departments_held;
      if (!s.department && s.holds) {
        EXPECT_EQ(k + 1, cl.steps.size()) << what << ": a process held before the last step";
      }
    }
    EXPECT_LE(departments_held, 1) << what;
    if (!cl.by_default) {
      ASSERT_FALSE(cl.steps.empty()) << what;
      EXPECT_EQ(cl.steps.back().name, pp.name) << what;
      EXPECT_TRUE(cl.steps.back().holds) << what;
    }

    const runtime::abi::ItemClock clock = plain_.clock(c.process, env, stdlib::Instant{kAt});
    const bool has_due = clock.due != runtime::abi::kNone;
    EXPECT_EQ(x.due.due, has_due ? stdlib::format_instant(stdlib::Instant{clock.due}) : "") << what;
    if (!x.due.days.empty() && x.due.days_left_out == 0 && has_due) {
      EXPECT_EQ(x.due.days.back().total, x.due.open_time) << what << ": the days counted add up to the SLA (in open hours)";
      // The count ends at the due instant, read on the calendar's wall clock.
      const auto& zone = plain_.calendar(pp.sla_calendar).zone();
      const std::int64_t local = zone.local_ms(stdlib::Instant{clock.due});
      std::int64_t day = stdlib::floor_div(local, stdlib::kMsPerDay), ms = local - day * stdlib::kMsPerDay;
      if (ms == 0) --day, ms = stdlib::kMsPerDay;  // a count that ends at midnight ends at 24:00
      EXPECT_EQ(x.due.days.back().date, stdlib::format_date(day)) << what;
      EXPECT_EQ(x.due.days.back().counted.back().second.substr(0, 5),
                fmt::format("{:02}:{:02}", ms / kHour, ms / 60'000 % 60)) << what;
    }

    const TimeInputs at = plain_.inputs(c.process, clock, age);
    const auto& p = x.priority;
    EXPECT_EQ(p.value, plain_.priority(c.process, env, at)) << what << " at age " << age;
    if (p.scheme && !p.overdue) {
      double base = p.start.given() && p.start.value != "absent" ? std::stod(p.start.value) : 0;
      for (const auto& e : p.every) base += e.amount;
      if (!p.curve) {
        EXPECT_EQ(base, p.base) << what << ": start and every steps";
      }
      double raw = p.base;
      for (const auto& b : p.boosts)
        if (b.holds) raw += b.amount;
      EXPECT_EQ(raw, p.raw) << what << ": base and boosts";
      double v = raw;
      if (p.min.expr.given()) v = std::max(v, p.min.value);
      if (p.max.expr.given()) v = std::min(v, p.max.value);
      EXPECT_EQ(static_cast<std::int64_t>(std::trunc(v)), p.value) << what << ": the clamp";
    }
    const runtime::abi::NextChange next = plain_.next_priority_change(c.process, env, at);
    ASSERT_EQ(p.changes, !next.never) << what;
    if (p.changes) {
      EXPECT_EQ(p.next_age, stdlib::format_duration(stdlib::Duration{next.age})) << what;
      EXPECT_EQ(p.next_value, plain_.priority(c.process, env, plain_.inputs(c.process, clock, next.age))) << what;
    }

    const auto opens = plain_.stage_openings(c.process, env, at);
    ASSERT_EQ(x.targets.stages.size(), pp.stages.size()) << what;
    for (std::size_t k = 0; k < opens.size(); ++k)
      EXPECT_EQ(x.targets.stages[k].opens, opens[k] != TimeInputs::kNone ? stdlib::format_duration(stdlib::Duration{opens[k]}) : "") << what;
    ASSERT_EQ(x.agents.size(), agents.size()) << what;
    for (std::size_t k = 0; k < agents.size(); ++k) {
      const auto& a = x.agents[k];
      EXPECT_EQ(a.eligible, plain_.eligible(c.process, *agent_envs[k], at)) << what;
      EXPECT_EQ(a.stage, plain_.eligible_stage(c.process, *agent_envs[k], at)) << what;
      std::int32_t first = -1;  // the first open stage the checks say takes it
      for (const auto& check : a.checks)
        if (check.open && check.takes && first < 0) first = check.stage;
      EXPECT_EQ(first, a.stage) << what << ": the checks agree with eligible()";
    }
  }

  const SourceManager& sm_;
  const BoundRuleset& rs_;
  NodeRegisters registers_;
  std::unique_ptr<Program> program_;
  Interpreter plain_, jitted_;
  std::unique_ptr<JitProgram> jit_;
  std::unique_ptr<JitRunner> runner_;
  runtime::StringPool pool_;
  std::mt19937_64 rng_;
};

std::vector<std::string> rulesets() {
  return iwd::test::iwd_files(IWD_SOURCE_DIR, {"/examples", "/tests/explain/rules", "/tests/golden/program", "/tests/golden/types",
                                               "/tests/golden/lints", "/tests/golden/lints2", "/tests/golden/semantics"});
}

TEST(ExplainOracle, EveryRulesetOnRandomItems) {
  std::size_t compared = 0, used = 0;
  std::uint64_t seed = 20261123;
  for (const auto& path : rulesets()) {
    auto rules = iwd::test::check_file(path);
    ASSERT_EQ(rules->error, "");
    if (!rules->ok()) continue;  // golden files that show mistakes
    ++used;
    compared += Oracle(rules->sm, *rules->comp.bound(), ++seed).run(40, path);
    if (HasFailure()) return;
  }
  EXPECT_GT(used, 40u);
  EXPECT_GT(compared, 3000u);
}

// A ruleset without a process (its attributes only, also among rulesets()): every item is
// rejected and there is no process to ask `--process` about; picking one among none crashed
// the oracle (a modulo by zero).
TEST(ExplainOracle, RulesetWithoutProcesses) {
  const std::string path = std::string(IWD_SOURCE_DIR) + "/tests/explain/rules/no_processes.iwd";
  auto rules = iwd::test::check_file(path);
  ASSERT_EQ(rules->error, "");
  ASSERT_TRUE(rules->ok()) << path;
  ASSERT_TRUE(rules->comp.bound()->processes.empty()) << path;
  EXPECT_EQ(Oracle(rules->sm, *rules->comp.bound(), 7).run(40, path), 80u);  // each item interpreted and jitted
}

TEST(ExplainOracle, RandomRulesets) {
  std::size_t compared = 0;
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    auto rules = iwd::test::check_text(fmt::format("random{}.iwd", seed), RandomRuleset(seed).generate());
    ASSERT_FALSE(rules->diags.has_errors()) << "seed " << seed;
    compared += Oracle(rules->sm, *rules->comp.bound(), seed * 31).run(30, fmt::format("seed {}", seed));
    if (HasFailure()) return;
  }
  EXPECT_GT(compared, 1000u);
}

}  // namespace
}  // namespace iwd::compiler
