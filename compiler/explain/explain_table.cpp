// Explanations: the figures from the runtime's table (runtime/abi.h), as the runtime and
// `iwd eval` get them; the interpreter's traces say why. Where the two disagree, the
// explanation records it (a bug in one of them: `iwd explain` fails).
#include <fmt/format.h>

#include "compiler/explain/explain_expr.h"
#include "runtime/events.h"

namespace iwd::compiler {
namespace {

namespace abi = runtime::abi;

bool with_table(const ExplainRules& r, const ExplainRequest& q) { return r.table && q.record; }

void differ(Explanation& e, const std::string& what, const std::string& trace, const std::string& table) {
  if (trace != table)
    e.disagreements.push_back(fmt::format("{}: the interpreter's trace gives {}, the runtime's table {}", what,
                                          trace.empty() ? "none" : trace, table.empty() ? "none" : table));
}

std::string opens_text(std::int64_t opens) { return opens == abi::kNone ? "" : stdlib::format_duration(stdlib::Duration{opens}); }

}  // namespace

Classification table_classification(const ExplainRules& r, const ExplainRequest& q, const EvalEnv& item,
                                    const Classification& walked, Explanation& e) {
  if (!with_table(r, q)) return r.interp.classify(item, stdlib::Instant{q.at});
  const abi::RulesV1& t = *r.table;
  std::int32_t detail = 0;
  Classification c;
  c.process = t.classify(t.ctx, q.record, q.at, &detail);
  if (c.process < 0 || c.process >= t.process_count) {
    c.process = -1;
    c.reason = t.rejection(t.ctx, detail);
  }
  auto name = [&](const Classification& k) {
    return k.process >= 0 ? r.program.processes[static_cast<std::size_t>(k.process)].name : "rejected: " + k.reason;
  };
  differ(e, "the process", name(walked), name(c));
  return c;
}

abi::ItemClock table_clock(const ExplainRules& r, const ExplainRequest& q, std::int32_t process, const EvalEnv& item,
                           Explanation& e) {
  const abi::ItemClock traced = r.interp.clock(process, item, stdlib::Instant{q.at});
  if (!with_table(r, q)) return traced;
  const abi::RulesV1& t = *r.table;
  abi::ItemClock c;
  t.clock(t.ctx, process, q.record, q.at, &c);
  auto when = [](std::int64_t at) { return at == abi::kNone ? std::string() : instant_text(at); };
  differ(e, "the due instant", when(traced.due), when(c.due));
  differ(e, "the start", when(traced.start), when(c.start));
  return c;
}

void table_figures(const ExplainRules& r, const ExplainRequest& q, std::int32_t process, const abi::ItemClock& clock,
                   Explanation& e) {
  if (!with_table(r, q)) return;
  const abi::RulesV1& t = *r.table;
  const runtime::ItemRecord* item = q.record;
  const std::int64_t age = q.age;

  // The priority and its next change.
  ExplainedPriority& p = e.priority;
  const std::int64_t value = t.priority(t.ctx, process, item, &clock, age);
  differ(e, fmt::format("the priority at {}", p.age), std::to_string(p.value), std::to_string(value));
  p.value = value;
  abi::NextChange next;
  t.next_change(t.ctx, process, item, &clock, age, &next);
  differ(e, "the next change", p.changes ? p.next_age : "", next.never ? "" : stdlib::format_duration(stdlib::Duration{next.age}));
  p.changes = !next.never;
  p.next_age = p.next_at = {};
  p.next_value = 0;
  p.next_exact = next.exact != 0;
  if (p.changes) {
    p.next_age = stdlib::format_duration(stdlib::Duration{next.age});
    p.next_at = instant_text(clock.start + next.age);
    p.next_value = t.priority(t.ctx, process, item, &clock, next.age);
  }

  // The stages: when each opens.
  std::vector<abi::Stage> stages(t.stage_counts[process]);
  if (!stages.empty()) t.stages(t.ctx, process, item, &clock, stages.data());
  if (e.targets.stages.size() != stages.size()) {
    e.disagreements.push_back(fmt::format("the stages: the interpreter's trace has {}, the runtime's table {}",
                                          e.targets.stages.size(), stages.size()));
    return;
  }
  for (std::size_t k = 0; k < stages.size(); ++k) {
    ExplainedStage& s = e.targets.stages[k];
    const std::int64_t opens = stages[k].opens_at;
    differ(e, fmt::format("the opening of stage {}", k + 1), s.opens, opens_text(opens));
    s.opens = opens_text(opens);
    s.opens_at = s.opens.empty() ? "" : instant_text(clock.start + opens);
    s.open = !s.opens.empty() && opens <= age && !s.skipped;
  }

  // The agents: eligible now (through the first open stage that admits them), or from when.
  for (std::size_t n = 0; n < e.agents.size() && n < q.agents.size(); ++n) {
    ExplainedAgent& a = e.agents[n];
    const abi::Agent* agent = q.agents[n].env ? q.agents[n].env->agent() : nullptr;
    const std::string who = fmt::format("agent {}", n);
    auto first_stage = [&](std::int64_t at) {
      for (std::uint32_t k = 0; k < stages.size(); ++k)
        if (stages[k].opens_at != abi::kNone && stages[k].opens_at <= at && t.admits(t.ctx, process, k, item, &clock, agent))
          return static_cast<std::int32_t>(k);
      return -1;
    };
    const bool eligible = t.eligible(t.ctx, process, item, &clock, age, agent) != 0;
    differ(e, who + " eligible", a.eligible ? "yes" : "no", eligible ? "yes" : "no");
    a.eligible = eligible;
    const std::int32_t stage = eligible ? first_stage(age) : -1;
    differ(e, who + "'s stage", std::to_string(a.stage + 1), std::to_string(stage + 1));
    a.stage = stage;
    for (auto& check : a.checks) {
      const auto k = static_cast<std::size_t>(check.stage);
      const bool takes = t.admits(t.ctx, process, static_cast<std::uint32_t>(k), item, &clock, agent) != 0;
      differ(e, fmt::format("{} taken by stage {}", who, k + 1), check.takes ? "yes" : "no", takes ? "yes" : "no");
      check.takes = takes;
      check.open = stages[k].opens_at != abi::kNone && stages[k].opens_at <= age;
    }
    std::string later_age;
    std::int32_t later_stage = -1;
    for (std::size_t k = 0; !eligible && k < stages.size(); ++k) {
      if (stages[k].opens_at == abi::kNone || stages[k].opens_at <= age) continue;
      if (t.eligible(t.ctx, process, item, &clock, stages[k].opens_at, agent)) {
        later_age = stdlib::format_duration(stdlib::Duration{stages[k].opens_at});
        later_stage = first_stage(stages[k].opens_at);
        break;
      }
    }
    differ(e, who + " eligible from", a.later_age, later_age);
    a.later_age = later_age;
    a.later_stage = later_stage;
  }
}

}  // namespace iwd::compiler
