// Target lints: W0609 unreachable-stage.
//   - A stage that opens (the `for`s of the stages before it have passed) only when every
//     process using the plan has already expired its items.
//   - A skill stage that reaches no agent an earlier stage did not already reach: its
//     condition implies an earlier skill stage's condition. Judged only for earlier stages
//     that are conjunctions of `skill > N` / `skill >= N`.
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "compiler/sema/lint_ruleset_internal.h"

namespace iwd::compiler::lints {
namespace {

// ---- expired before the stage opens ---------------------------------------------------

// The earliest age at which stage `k` can open for an item of process `p`. An `agent`
// stage whose agent may be absent is skipped at once, so it counts as zero.
struct Opening {
  std::int64_t ms = 0;
  bool skipped_agent = false;
};
std::optional<Opening> earliest_opening(const BoundTargets& t, std::size_t k, const ProcessFacts& p) {
  Opening o;
  for (std::size_t i = 0; i < k; ++i) {
    const BoundStage& st = t.stages[i];
    if (!st.duration) return std::nullopt;  // a stage after the final one: E0509
    if (st.kind == BoundStageKind::Agent && (!st.expr || st.expr->type.optional)) {
      o.skipped_agent = true;
      continue;
    }
    auto d = const_duration(st.duration.get(), p.sla_ms);
    auto sum = d ? add_ms(o.ms, *d) : std::nullopt;
    if (!sum) return std::nullopt;
    o.ms = *sum;
  }
  return o;
}

bool opens_too_late(const LintContext& ctx, const BoundTargets& t, std::size_t k, const std::vector<std::size_t>& users,
                    DiagnosticBag& diags) {
  std::vector<std::pair<const ProcessFacts*, Opening>> all;
  for (auto i : users) {
    const ProcessFacts& p = ctx.processes[i];
    auto o = earliest_opening(t, k, p);
    if (!o || !p.expire_ms || o->ms < *p.expire_ms) return false;
    all.emplace_back(&p, *o);
  }
  if (all.empty()) return false;
  bool same_opening = true, same_life = true, skipped = false;
  std::vector<std::string> names;
  for (const auto& [p, o] : all) {
    same_opening = same_opening && o.ms == all.front().second.ms;
    same_life = same_life && *p->expire_ms == *all.front().first->expire_ms;
    skipped = skipped || o.skipped_agent;
    names.push_back(p->process->name);
  }
  std::string message;
  if (same_opening && same_life) {
    message = fmt::format("this stage opens only after {}, when the stages before it have run, but {} {} after {}: "
                          "no item reaches it",
                          stdlib::format_duration(stdlib::Duration{all.front().second.ms}), name_list(names), names.size() == 1 ? "expires" : "expire",
                          stdlib::format_duration(stdlib::Duration{*all.front().first->expire_ms}));
  } else {
    std::string list;
    for (const auto& [p, o] : all)
      list += fmt::format("{}`{}` after {}", list.empty() ? "" : ", ", p->process->name, stdlib::format_duration(stdlib::Duration{*p->expire_ms})) +
              (same_opening ? "" : fmt::format(" (the stage opens after {})", stdlib::format_duration(stdlib::Duration{o.ms})));
    message = same_opening ? fmt::format("this stage opens only after {}, when the stages before it have run, but "
                                         "every process using {} expires by then: {}",
                                         stdlib::format_duration(stdlib::Duration{all.front().second.ms}), plan_text(t), list)
                           : fmt::format("this stage opens only when every process using {} has expired its items: {}",
                                         plan_text(t), list);
  }
  auto& d = diags.report("W0609", t.stages[k].range, std::move(message));
  if (const BoundExpr* expire = all.front().first->expire_expr; expire && expire->range.valid())
    d.labels.push_back({expire->range, "items expire here"});
  if (skipped)
    d.notes.push_back("an `agent` stage whose agent is absent is skipped at once, so its `for` was not counted");
  d.notes.push_back("shorten the `for`s of the stages before it, or let items live longer");
  return true;
}

// ---- adds no agent --------------------------------------------------------------------

// skill index -> the lowest level a condition demands.
using Floors = std::map<std::int32_t, std::int64_t>;

const BoundExpr* unwiden(const BoundExpr* e) {
  while (e && e->kind == BoundExprKind::Widen && e->children.size() == 1) e = e->children[0].get();
  return e;
}

// `skill > N`, `skill >= N`, `N < skill`, `N <= skill`, (and for `exact`: `skill == N`) as
// (skill, lowest level).
std::optional<std::pair<std::int32_t, std::int64_t>> skill_floor(const BoundExpr& e, bool allow_eq) {
  if (e.kind != BoundExprKind::Binary || e.children.size() != 2) return std::nullopt;
  const BoundExpr* l = unwiden(e.children[0].get());
  const BoundExpr* r = unwiden(e.children[1].get());
  BoundOp op = e.op;
  if (r && r->kind == BoundExprKind::Skill) {  // mirror `N < skill` into `skill > N`
    std::swap(l, r);
    if (op == BoundOp::Lt) op = BoundOp::Gt;
    else if (op == BoundOp::Le) op = BoundOp::Ge;
    else if (op != BoundOp::Eq) return std::nullopt;
  }
  if (!l || l->kind != BoundExprKind::Skill) return std::nullopt;
  auto n = const_number(r);
  if (!n || !std::isfinite(*n) || std::fabs(*n) > 1e9) return std::nullopt;
  switch (op) {
    case BoundOp::Gt: return std::pair{l->index, static_cast<std::int64_t>(std::floor(*n)) + 1};
    case BoundOp::Ge: return std::pair{l->index, static_cast<std::int64_t>(std::ceil(*n))};
    case BoundOp::Eq:
      if (!allow_eq || *n != std::floor(*n)) return std::nullopt;
      return std::pair{l->index, static_cast<std::int64_t>(*n)};
    default: return std::nullopt;
  }
}

// The conjuncts of an `and` tree.
void conjuncts(const BoundExpr& e, std::vector<const BoundExpr*>& out) {
  if (e.kind == BoundExprKind::Binary && e.op == BoundOp::And && e.children.size() == 2) {
    conjuncts(*e.children[0], out);
    conjuncts(*e.children[1], out);
  } else {
    out.push_back(&e);
  }
}

// An earlier stage's condition: only a conjunction of skill floors, or nothing.
std::optional<Floors> exact_floors(const BoundExpr& e) {
  std::vector<const BoundExpr*> parts;
  conjuncts(e, parts);
  Floors out;
  for (const auto* c : parts) {
    auto f = skill_floor(*c, false);
    if (!f) return std::nullopt;
    auto [it, fresh] = out.emplace(f->first, f->second);
    if (!fresh) it->second = std::max(it->second, f->second);
  }
  return out;
}

// A later stage's condition: the skill floors among its conjuncts (others only narrow it).
Floors some_floors(const BoundExpr& e) {
  std::vector<const BoundExpr*> parts;
  conjuncts(e, parts);
  Floors out;
  for (const auto* c : parts)
    if (auto f = skill_floor(*c, true)) {
      auto [it, fresh] = out.emplace(f->first, f->second);
      if (!fresh) it->second = std::max(it->second, f->second);
    }
  return out;
}

std::string floors_text(const BoundRuleset& rs, const Floors& f) {
  std::string out;
  for (const auto& [skill, level] : f)
    out += fmt::format("{}`{} >= {}`", out.empty() ? "" : " and ", rs.skills[static_cast<std::size_t>(skill)], level);
  return out;
}

void adds_no_agent(const LintContext& ctx, const BoundTargets& t, std::size_t k, DiagnosticBag& diags) {
  const BoundStage& later = t.stages[k];
  if (later.kind != BoundStageKind::Skill || !later.expr || later.expr->type.is_error()) return;
  const Floors have = some_floors(*later.expr);
  for (std::size_t i = 0; i < k; ++i) {
    const BoundStage& earlier = t.stages[i];
    if (earlier.kind != BoundStageKind::Skill || !earlier.expr || earlier.expr->type.is_error()) continue;
    auto need = exact_floors(*earlier.expr);
    if (!need || need->empty()) continue;
    bool implied = true;
    for (const auto& [skill, level] : *need) {
      auto it = have.find(skill);
      implied = implied && it != have.end() && it->second >= level;
    }
    if (!implied) continue;
    auto& d = diags.report("W0609", later.expr->range,
                           fmt::format("this stage adds no agent: every agent it reaches already has {}, so stage {} "
                                       "reached them before",
                                       floors_text(ctx.rs, *need), i + 1));
    d.labels.push_back({earlier.expr->range, fmt::format("stage {} reaches every agent with {}", i + 1,
                                                         floors_text(ctx.rs, *need))});
    d.notes.push_back("stages widen the set of eligible agents: a later stage should ask for less than the stages "
                      "before it, not more; remove this stage or loosen its condition");
    return;
  }
}

}  // namespace

void lint_targets(const LintContext& ctx, DiagnosticBag& diags) {
  for (std::size_t ti = 0; ti < ctx.rs.targets.size(); ++ti) {
    const BoundTargets& t = ctx.rs.targets[ti];
    const auto& users = ctx.by_targets[ti];
    for (std::size_t k = 1; k < t.stages.size(); ++k) {
      if (!users.empty() && opens_too_late(ctx, t, k, users, diags)) {
        // The stages after it open later still: one report says it.
        if (const std::size_t rest = t.stages.size() - k - 1; rest > 0)
          diags.all().back().notes.push_back(
              rest == 1 ? "the stage after it opens later still" : fmt::format("the {} stages after it open later still", rest));
        break;
      }
      adds_no_agent(ctx, t, k, diags);
    }
  }
}

}  // namespace iwd::compiler::lints
