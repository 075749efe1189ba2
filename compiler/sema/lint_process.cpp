// lint_process: what becomes of a process's items once classified. A process without
// targets never offers its items to an agent (W0615); a process whose items an agent can
// mark done, but where no `complete within` applies, keeps an item the source never
// confirms open for good (W0618), unless only the source completes them (`complete by
// source`), where a `complete within` never applies (W0623). When every process of a
// department has the finding, it is reported once, at the department, whose clause would fix
// them all; a ruleset with no targets at all has one W0615.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <vector>

#include "compiler/sema/lint_ruleset_internal.h"

namespace iwd::compiler::lints {
namespace {

struct Finding {
  // The message for one process, and for a whole department (its name given).
  std::function<std::string(const ProcessFacts&)> one;
  std::function<std::string(const BoundDepartment&)> all;
  std::function<void(const ProcessFacts&, Diagnostic&)> notes_one;
  std::function<void(const BoundDepartment&, Diagnostic&)> notes_all;
};

// Reports `code` for each process that `has` the finding: once per department when all of
// its processes (two or more) have it, else per process.
void report_by_department(const LintContext& ctx, DiagnosticBag& diags, const char* code,
                          const std::function<bool(const ProcessFacts&)>& has, const Finding& f) {
  const BoundRuleset& rs = ctx.rs;
  std::vector<bool> done(ctx.processes.size(), false);
  for (const auto& dep : rs.departments) {
    std::vector<std::size_t> found;
    for (auto p : dep.processes)
      if (has(ctx.processes[static_cast<std::size_t>(p)])) found.push_back(static_cast<std::size_t>(p));
    if (found.size() < 2 || found.size() != dep.processes.size()) continue;
    auto& d = diags.report(code, dep.range, f.all(dep));
    f.notes_all(dep, d);
    for (auto p : found) done[p] = true;
  }
  for (std::size_t i = 0; i < ctx.processes.size(); ++i) {
    const ProcessFacts& p = ctx.processes[i];
    if (done[i] || !has(p)) continue;
    auto& d = diags.report(code, p.process->range, f.one(p));
    f.notes_one(p, d);
  }
}

// "process `Sales.Gold`", "the default process `Other`".
std::string process_text(const BoundProcess& p) {
  return fmt::format("{} `{}`", p.department < 0 ? "the default process" : "process", p.name);
}

// ---- W0615 ----------------------------------------------------------------------------
void lint_no_targets(const LintContext& ctx, DiagnosticBag& diags) {
  Finding f;
  f.one = [](const ProcessFacts& p) {
    return fmt::format("{} has no targets: its items are never offered to an agent", process_text(*p.process));
  };
  f.all = [](const BoundDepartment& dep) {
    return fmt::format("no process of department `{}` has targets: their items are never offered to an agent",
                       dep.name);
  };
  f.notes_one = [](const ProcessFacts& p, Diagnostic& d) {
    d.notes.push_back(p.process->department < 0
                          ? "give it `targets NAME` or `targets { skill ... }`"
                          : "give it `targets NAME` or `targets { skill ... }`, or give its department targets for "
                            "all its processes");
  };
  f.notes_all = [](const BoundDepartment&, Diagnostic& d) {
    d.notes.push_back("give the department `targets NAME` (or `targets { skill ... }`) for all its processes, or "
                      "each process its own");
  };
  auto lacks = [](const ProcessFacts& p) { return p.clauses.targets < 0; };
  // No targets anywhere: one finding for the ruleset, at its first process.
  if (ctx.processes.size() > 1 && std::all_of(ctx.processes.begin(), ctx.processes.end(), lacks)) {
    const SourceRange at =
        ctx.rs.departments.empty() ? ctx.processes.front().process->range : ctx.rs.departments.front().range;
    auto& d = diags.report("W0615", at, "no process of this ruleset has targets: no item is ever offered to an agent");
    d.notes.push_back("give each department (or process) `targets NAME` or `targets { skill ... }`");
    return;
  }
  report_by_department(ctx, diags, "W0615", lacks, f);
}

// ---- W0618 ----------------------------------------------------------------------------
void lint_no_complete_within(const LintContext& ctx, DiagnosticBag& diags) {
  // How long an unconfirmed item stays open: for good, or until `expire after` ends it.
  auto how_long = [](const ProcessFacts& p) {
    if (p.expire_expr == nullptr) return std::string("for good");
    return p.expire_ms ? fmt::format("until it expires after {}", stdlib::format_duration(stdlib::Duration{*p.expire_ms}))
                       : std::string("until it expires");
  };
  Finding f;
  f.one = [how_long](const ProcessFacts& p) {
    return fmt::format("an item of {} that an agent marks done waits for the source to confirm it, and no "
                       "`complete within` applies: if the source never does, the item stays open {}",
                       process_text(*p.process), how_long(p));
  };
  f.all = [](const BoundDepartment& dep) {
    return fmt::format("no process of department `{}` has `complete within`: an item that an agent marks done "
                       "waits for the source to confirm it, and stays open if it never does",
                       dep.name);
  };
  f.notes_one = [](const ProcessFacts&, Diagnostic& d) {
    d.notes.push_back("add `complete within` (like `complete within 4h`): an item not confirmed in time goes back "
                      "to distribution with its priority");
  };
  f.notes_all = [](const BoundDepartment&, Diagnostic& d) {
    d.notes.push_back("add `complete within` (like `complete within 4h`) to the department for all its processes: "
                      "an item not confirmed in time goes back to distribution with its priority");
  };
  // Only an item that reaches an agent can be marked done: a process with targets, whose items
  // are not the source's alone to complete (`complete by source`).
  report_by_department(ctx, diags, "W0618",
                       [](const ProcessFacts& p) {
                         return p.clauses.targets >= 0 && !p.clauses.source_completes && p.clauses.complete_within == nullptr;
                       },
                       f);
}

// ---- W0623 ----------------------------------------------------------------------------
// A `complete within` (a process's own or its department's) that every process it applies to
// makes pointless with `complete by source`: no item of theirs waits for the source. Once per
// clause, naming the processes.
void lint_complete_within_never_applies(const LintContext& ctx, DiagnosticBag& diags) {
  std::map<const BoundExpr*, std::vector<const ProcessFacts*>> users;  // the clause -> the processes it applies to
  std::vector<const BoundExpr*> order;
  for (const auto& p : ctx.processes) {
    const BoundExpr* within = p.clauses.complete_within;
    if (within == nullptr) continue;
    auto [it, fresh] = users.try_emplace(within);
    if (fresh) order.push_back(within);
    it->second.push_back(&p);
  }
  for (const BoundExpr* within : order) {
    const auto& ps = users[within];
    if (!std::all_of(ps.begin(), ps.end(), [](const ProcessFacts* p) { return p->clauses.source_completes; })) continue;
    const std::string which = ps.size() == 1 ? process_text(*ps.front()->process)
                                             : fmt::format("the {} processes it applies to", ps.size());
    auto& d = diags.report("W0623", within->range,
                           fmt::format("this `complete within` never applies: only the source completes the items of {} "
                                       "(`complete by source`), so none waits for the source after an agent's done",
                                       which));
    d.notes.push_back("remove it, or write `complete by agent` where agents should mark items done");
  }
}

}  // namespace

void lint_processes(const LintContext& ctx, DiagnosticBag& diags) {
  // A `targets` naming an unknown plan leaves its process without targets: these lints
  // would only repeat that error.
  if (binding_failed(ctx.rs, diags)) return;
  lint_no_targets(ctx, diags);
  lint_no_complete_within(ctx, diags);
  lint_complete_within_never_applies(ctx, diags);
}

}  // namespace iwd::compiler::lints
