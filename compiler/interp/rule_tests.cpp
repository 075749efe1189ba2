#include "compiler/interp/rule_tests.h"

#include <fmt/format.h>

#include <limits>

#include "compiler/interp/record_env.h"
#include "runtime/schema.h"
#include "stdlib/time.h"

namespace iwd::compiler {
namespace {

// Puts a constant into a slot of the record.
void set_slot(runtime::ItemRecord& rec, runtime::StringPool& pool, std::uint32_t slot, const ProgramAttribute& a,
              const BoundExpr& v) {
  if (v.kind == BoundExprKind::List) {
    std::vector<std::int64_t> items;
    for (const auto& c : v.children)
      items.push_back(c->type.kind == TypeKind::String ? pool.intern(c->string_value)
                      : c->kind == BoundExprKind::EnumValue ? c->index
                                                            : c->int_value);
    rec.set_list(slot, std::move(items));
  } else if (a.type == VType::F64) {
    rec.set_number(slot, v.type.kind == TypeKind::Number ? v.number_value : static_cast<double>(v.int_value));
  } else if (v.type.kind == TypeKind::String) {
    rec.set_string(slot, pool.intern(v.string_value));
  } else {
    rec.set_int(slot, v.kind == BoundExprKind::EnumValue || v.kind == BoundExprKind::Weekday ? v.index : v.int_value);
  }
}

// The age of an expectation as the test writes it (`at 28h23m`, not its value's `1d4h23m`), so
// that a failure repeats the line the analyst wrote; without the source, the value.
std::string age_text(const BoundExpr* age, const SourceManager* sm) {
  if (!age) return "0s";
  const SourceRange& r = age->range;
  if (sm && r.valid() && r.begin.line == r.end.line && r.end.col > r.begin.col) {
    const std::string_view line = sm->file(r.file).line_text(r.begin.line);
    const std::size_t from = utf8_byte_offset(line, r.begin.col - 1), to = utf8_byte_offset(line, r.end.col - 1);
    return std::string(line.substr(from, to - from));
  }
  return stdlib::format_duration(stdlib::Duration{age->int_value});
}

}  // namespace

std::vector<RuleTestResult> run_rule_tests(const BoundRuleset& rs, const Program& program, const Interpreter& interp,
                                           const runtime::abi::RulesV1& table, runtime::StringPool& pool,
                                           RuleCoverage* coverage, const SourceManager* sm) {
  namespace abi = runtime::abi;
  const abi::RulesV1& T = table;
  std::vector<RuleTestResult> results;
  if (coverage) {
    coverage->departments.assign(program.departments.size(), false);
    coverage->processes.assign(program.processes.size(), false);
    coverage->boosts.clear();
    for (const auto& pr : program.priorities) coverage->boosts.emplace_back(pr.boosts.size(), false);
    coverage->stages.clear();
    for (const auto& pp : program.processes) coverage->stages.emplace_back(pp.stages.size(), false);
  }
  for (const auto& t : rs.tests) {
    RuleTestResult result;
    result.title = t.title;
    result.range = t.range;
    runtime::ItemRecord rec(static_cast<std::uint32_t>(program.attributes.size()));
    // Defaults, the core attributes a capture gets, then the test's given values.
    for (std::size_t i = 0; i < rs.attributes.size(); ++i)
      if (rs.attributes[i].default_value)
        set_slot(rec, pool, static_cast<std::uint32_t>(i), program.attributes[i], *rs.attributes[i].default_value);
    rec.set_string(runtime::kSlotId, pool.intern("test"));
    rec.set_string(runtime::kSlotSource, pool.intern("api"));
    rec.set_string(runtime::kSlotMedia, pool.intern("workitem"));
    const std::int64_t at = t.at ? t.at->int_value : kDefaultTestAt;
    rec.set_int(runtime::kSlotCapturedAt, at);
    for (const auto& [slot, v] : t.given)
      set_slot(rec, pool, static_cast<std::uint32_t>(slot), program.attributes[static_cast<std::size_t>(slot)], *v);

    // The answers are the table's, as the runtime calls it.
    std::int32_t detail = 0;
    std::int32_t process = T.classify(T.ctx, &rec, at, &detail);
    if (process >= T.process_count) process = -1;
    const std::string reason = process < 0 ? T.rejection(T.ctx, detail) : "";
    abi::ItemClock clock;
    if (process >= 0) T.clock(T.ctx, process, &rec, at, &clock);
    if (coverage && process >= 0) {
      coverage->processes[static_cast<std::size_t>(process)] = true;
      const auto d = program.processes[static_cast<std::size_t>(process)].department;
      if (d >= 0) coverage->departments[static_cast<std::size_t>(d)] = true;
    }
    auto fail = [&](const BoundExpectation& x, std::string expectation, std::string actual) {
      result.failures.push_back({x.range, std::move(expectation), std::move(actual)});
    };
    for (const auto& x : t.expects) {
      if (x.kind == BoundExpectKind::Rejected) {
        if (process >= 0)
          fail(x, fmt::format("expect rejected \"{}\"", x.text),
               fmt::format("taken by process {}", program.processes[static_cast<std::size_t>(process)].name));
        else if (reason.find(x.text) == std::string::npos)
          fail(x, fmt::format("expect rejected \"{}\"", x.text), fmt::format("rejected: {}", reason));
        continue;
      }
      if (process < 0) {
        fail(x, "a process", fmt::format("rejected: {}", reason));
        break;
      }
      const auto& pp = program.processes[static_cast<std::size_t>(process)];
      const std::int64_t age = x.age ? x.age->int_value : 0;
      switch (x.kind) {
        case BoundExpectKind::Process:
          if (process != x.process)
            fail(x, fmt::format("expect process {}", rs.processes[static_cast<std::size_t>(x.process)].name),
                 fmt::format("process {}", pp.name));
          break;
        case BoundExpectKind::Due:
          if (clock.due != x.value->int_value)
            fail(x, fmt::format("expect due {}", stdlib::format_instant(stdlib::Instant{x.value->int_value})),
                 clock.due != abi::kNone ? fmt::format("due {}", stdlib::format_instant(stdlib::Instant{clock.due}))
                                         : "no due time (no sla)");
          break;
        case BoundExpectKind::Priority: {
          const auto got = T.priority(T.ctx, process, &rec, &clock, age);
          if (coverage && pp.priority >= 0) {  // the boosts that hold at this age
            const RecordEnv env(program, pool, rec, nullptr);
            const TimeInputs in = interp.inputs(process, clock, age);
            const auto& scheme = program.priorities[static_cast<std::size_t>(pp.priority)];
            for (std::size_t b = 0; b < scheme.boosts.size(); ++b) {
              const Value v = scheme.boosts[b].when < 0 ? Value::of_int(1) : interp.run(scheme.boosts[b].when, env, in);
              if (v.present && v.i != 0) coverage->boosts[static_cast<std::size_t>(pp.priority)][b] = true;
            }
          }
          if (got != x.value->int_value)
            fail(x, fmt::format("expect priority {} at {}", x.value->int_value, age_text(x.age.get(), sm)),
                 fmt::format("priority {}", got));
          break;
        }
        case BoundExpectKind::Eligible: {
          // An agent with exactly the listed skills, as the runtime hands agents to the rules.
          std::vector<std::int8_t> levels(static_cast<std::size_t>(T.skill_count), -1);
          for (const auto& [skill, level] : x.skills) levels[static_cast<std::size_t>(skill)] = static_cast<std::int8_t>(level);
          abi::Agent agent;
          agent.skills = levels.data();
          agent.skill_count = static_cast<std::uint32_t>(levels.size());
          agent.id = pool.intern("test-agent");
          const bool got = T.eligible(T.ctx, process, &rec, &clock, age, &agent) != 0;
          if (coverage) {  // the open stages that take this agent
            std::vector<abi::Stage> stages(T.stage_counts[process]);
            if (!stages.empty()) T.stages(T.ctx, process, &rec, &clock, stages.data());
            for (std::uint32_t k = 0; k < stages.size(); ++k) {
              if (stages[k].opens_at == abi::kNone || stages[k].opens_at > age) continue;
              if (T.admits(T.ctx, process, k, &rec, &clock, &agent))
                coverage->stages[static_cast<std::size_t>(process)][k] = true;
            }
          }
          if (got == x.negated) {
            std::string skills;
            for (const auto& [skill, level] : x.skills)
              skills += fmt::format("{}{}: {}", skills.empty() ? "" : ", ", rs.skills[static_cast<std::size_t>(skill)], level);
            fail(x, fmt::format("expect {}eligible {{ {} }} at {}", x.negated ? "not " : "", skills, age_text(x.age.get(), sm)),
                 got ? "eligible" : "not eligible");
          }
          break;
        }
        default: break;
      }
    }
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace iwd::compiler
