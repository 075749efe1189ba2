// Explanations: the target stages at an age (when each opens) and, per agent, the stage that
// makes it eligible or why none does.
#include "compiler/explain/explain_expr.h"
#include "runtime/events.h"

namespace iwd::compiler {
namespace {

const char* kind_name(ProgramStage::Kind k) {
  switch (k) {
    case ProgramStage::Agent: return "agent";
    case ProgramStage::Group: return "group";
    case ProgramStage::Skill: return "skill";
  }
  return "skill";
}

const BoundTargets* plan_of(const ExplainRules& r, std::int32_t process) {
  const EffectiveClauses e = r.rs.effective(r.rs.processes[static_cast<std::size_t>(process)]);
  return e.targets >= 0 ? &r.rs.targets[static_cast<std::size_t>(e.targets)] : nullptr;
}

}  // namespace

ExplainedTargets explain_targets(const ExprExplainer& x, std::int32_t process, const EvalEnv& env,
                                 const runtime::abi::ItemClock& clock, std::int64_t age) {
  const ExplainRules& r = x.rules();
  ExplainedTargets out;
  const BoundTargets* plan = plan_of(r, process);
  if (!plan) return out;
  out.plan = true;
  out.name = plan->name;
  out.inline_plan = plan->is_inline;
  out.location = x.location(plan->range);
  const TimeInputs at = r.interp.inputs(process, clock, age);
  const ProgramProcess& pp = r.program.processes[static_cast<std::size_t>(process)];
  // The openings as `iwd eval` gets them; which stages were skipped, and their `for`, from
  // the same walk run with a trace.
  const std::vector<std::int64_t> opens = r.interp.stage_openings(process, env, at);
  std::vector<StageTrace> trace;
  r.interp.stage_openings(process, env, at, &trace);
  for (std::size_t k = 0; k < pp.stages.size(); ++k) {
    const ProgramStage& ps = pp.stages[k];
    const BoundStage& bs = plan->stages[k];
    ExplainedStage s;
    s.kind = kind_name(ps.kind);
    s.text = x.source_text(bs.range);
    s.location = x.location(bs.range);
    if (ps.kind != ProgramStage::Skill) s.value = x.explain(ps.value, *bs.expr, env, at);
    // How long it is the newest stage: up to the next opening (on the SLA clock a share's
    // time depends on where the clock stands when the stage opens).
    if (trace[k].duration.present)
      s.duration = stdlib::format_duration(stdlib::Duration{k + 1 < opens.size() && opens[k] != runtime::abi::kNone && opens[k + 1] >= opens[k] && !trace[k].skipped
                                     ? opens[k + 1] - opens[k]
                                     : trace[k].duration.i});
    if (opens[k] != runtime::abi::kNone) {
      s.opens = stdlib::format_duration(stdlib::Duration{opens[k]});
      s.opens_at = instant_text(clock.start + opens[k]);
    }
    s.skipped = trace[k].skipped;
    s.open = opens[k] != runtime::abi::kNone && opens[k] <= age && !s.skipped;
    out.stages.push_back(std::move(s));
  }
  return out;
}

ExplainedAgent explain_agent(const ExprExplainer& x, std::int32_t process, const ExplainAgent& agent,
                             const runtime::abi::ItemClock& clock, std::int64_t age) {
  const ExplainRules& r = x.rules();
  const EvalEnv& env = *agent.env;
  ExplainedAgent a;
  if (const runtime::abi::Agent* who = env.agent()) {
    if (who->id != runtime::kNoId) a.id = std::string(env.string_text(who->id));
    for (std::uint32_t g = 0; g < who->group_count; ++g) a.groups.emplace_back(env.string_text(who->groups[g]));
  }
  for (std::uint32_t s = 0; s < r.program.skills.size(); ++s)
    if (const Value v = env.skill(s); v.present) a.skills.push_back({r.program.skills[s], std::to_string(v.i)});
  const TimeInputs at = r.interp.inputs(process, clock, age);
  a.stage = r.interp.eligible_stage(process, env, at);
  a.eligible = r.interp.eligible(process, env, at);
  const BoundTargets* plan = plan_of(r, process);
  if (!plan) return a;
  const ProgramProcess& pp = r.program.processes[static_cast<std::size_t>(process)];
  const std::vector<std::int64_t> opens = r.interp.stage_openings(process, env, at);
  for (std::size_t k = 0; k < pp.stages.size(); ++k) {
    ExplainedAgent::Check c;
    c.stage = static_cast<std::int32_t>(k);
    c.open = opens[k] != runtime::abi::kNone && opens[k] <= age;
    c.takes = r.interp.admits(process, k, env, at);
    c.expr = x.explain(pp.stages[k].value, *plan->stages[k].expr, env, at);
    a.checks.push_back(std::move(c));
  }
  if (a.eligible) return a;
  // Not yet: the first later opening at which the interpreter finds it eligible.
  for (std::size_t k = 0; k < pp.stages.size(); ++k) {
    if (opens[k] <= age) continue;
    const TimeInputs later = r.interp.inputs(process, clock, opens[k]);
    if (r.interp.eligible(process, env, later)) {
      a.later_age = stdlib::format_duration(stdlib::Duration{opens[k]});
      a.later_stage = r.interp.eligible_stage(process, env, later);
      break;
    }
  }
  return a;
}

}  // namespace iwd::compiler
