// Resolver: declarations' bodies, process clauses, tables and tests.
#include <fmt/format.h>

#include <set>

#include "compiler/sema/resolver.h"

namespace iwd::compiler {
namespace {

template <class Map>
std::vector<std::string> keys(const Map& m) {
  std::vector<std::string> out;
  for (const auto& [k, _] : m) out.push_back(k);
  return out;
}

}  // namespace

void Resolver::calendar_ref(const SyntaxName& n) {
  if (n.text.empty() || symbols_.calendars.count(n.text)) return;
  undefined(n.text, n.range, keys(symbols_.calendars), "calendar");
  if (symbols_.calendars.empty())
    diags_.all().back().notes.push_back("declare it with `calendar NAME { mon..fri 08:00-18:00 }`");
}

void Resolver::decl(const SyntaxDecl& d) {
  switch (d.kind) {
    case SyntaxDeclKind::Attributes:
      for (const auto& a : as<SyntaxAttributes>(d).attributes) {
        check_type(a.type, false);
        expr(a.default_value.get(), NameContext::Test);  // defaults are constants
      }
      return;
    case SyntaxDeclKind::Define: expr(as<SyntaxDefine>(d).value.get(), NameContext::Condition); return;
    case SyntaxDeclKind::Priority: priority_body(as<SyntaxPriority>(d).body); return;
    case SyntaxDeclKind::Targets: targets_body(as<SyntaxTargets>(d).body); return;
    case SyntaxDeclKind::Department: {
      const auto& dep = as<SyntaxDepartment>(d);
      expr(dep.when.get(), NameContext::Condition);
      process_clauses(dep.clauses);
      for (const auto& m : dep.members) {
        if (m->kind == SyntaxDeclKind::Table) {
          table(dep, as<SyntaxTable>(*m));
          continue;
        }
        const auto& p = as<SyntaxProcess>(*m);
        expr(p.when.get(), NameContext::Condition);
        process_clauses(p.clauses);
      }
      return;
    }
    case SyntaxDeclKind::DefaultProcess: process_clauses(as<SyntaxProcess>(d).clauses); return;
    case SyntaxDeclKind::Test: test(as<SyntaxTest>(d)); return;
    default: return;
  }
}

void Resolver::priority_body(const SyntaxPriorityBody& b) {
  for (const auto& c : b.clauses) {
    for (const auto* e : {c.value.get(), c.period.get(), c.from.get(), c.until.get(), c.condition.get()})
      expr(e, NameContext::Scheme);
    for (const auto& p : c.points) {
      expr(p.at.get(), NameContext::Scheme);
      expr(p.value.get(), NameContext::Scheme);
    }
    if (c.kind == SyntaxPriorityClauseKind::AgeIn) calendar_ref(c.calendar);
  }
}

void Resolver::targets_body(const SyntaxTargetsBody& b) {
  for (const auto& s : b.stages) {
    expr(s.expr.get(), s.kind == SyntaxStageKind::Skill ? NameContext::Skill : NameContext::Condition);
    expr(s.duration.get(), NameContext::Scheme);
  }
}

void Resolver::process_clauses(const std::vector<SyntaxProcessClause>& clauses) {
  for (const auto& c : clauses) {
    expr(c.value.get(), NameContext::Condition);
    expr(c.min.get(), NameContext::Condition);
    expr(c.max.get(), NameContext::Condition);
    calendar_ref(c.calendar);
    if (c.kind == SyntaxProcessClauseKind::Priority && !c.ref.text.empty() &&
        !symbols_.priorities.count(c.ref.text))
      undefined(c.ref.text, c.ref.range, keys(symbols_.priorities), "priority scheme");
    if (c.kind == SyntaxProcessClauseKind::Targets && !c.ref.text.empty() && !symbols_.targets.count(c.ref.text))
      undefined(c.ref.text, c.ref.range, keys(symbols_.targets), "targets");
    if (c.priority) priority_body(*c.priority);
    if (c.targets) targets_body(*c.targets);
  }
}

void Resolver::table(const SyntaxDepartment& dep, const SyntaxTable& t) {
  static const std::set<std::string> kClauses = {"sla", "priority", "min", "max", "targets", "process"};
  bool in_clauses = false;
  std::set<std::string> seen;
  for (std::size_t col = 0; col < t.columns.size(); ++col) {
    const SyntaxName& c = t.columns[col];
    if (!seen.insert(c.text).second) {
      diags_.report("E0111", c.range, fmt::format("column `{}` appears twice in this table", c.text));
      continue;
    }
    if (kClauses.count(c.text)) {
      in_clauses = true;
    } else if (in_clauses) {
      diags_.report("E0111", c.range,
                    fmt::format("condition column `{}` comes after a clause column", c.text))
          .notes.push_back("put the condition columns first, then sla, priority, min, max, targets, process");
      continue;
    } else if (!symbols_.is_value_name(c.text)) {
      std::vector<std::string> names = keys(symbols_.attributes);
      for (const auto& [n, _] : symbols_.defines) names.push_back(n);
      for (const auto& a : core_attributes()) names.emplace_back(a.name);
      undefined(c.text, c.range, names, "attribute");
      continue;
    }
    // The cells of this column.
    for (const auto& row : t.rows) {
      if (col >= row.cells.size()) continue;
      for (const auto& v : row.cells[col].values) {
        for (const auto* e : {v.lo.get(), v.hi.get()}) {
          if (!e) continue;
          if (c.text == "priority" && e->kind == SyntaxExprKind::Name) {
            const auto& n = as<SyntaxNameExpr>(*e);
            if (!symbols_.priorities.count(n.name))
              undefined(n.name, n.range, keys(symbols_.priorities), "priority scheme");
          } else if (c.text == "targets" && e->kind == SyntaxExprKind::Name) {
            const auto& n = as<SyntaxNameExpr>(*e);
            if (!symbols_.targets.count(n.name)) undefined(n.name, n.range, keys(symbols_.targets), "targets");
          } else if (c.text != "process") {
            expr(e, kClauses.count(c.text) ? NameContext::Condition : NameContext::Test);
          }
        }
      }
    }
  }
  (void)dep;
}

void Resolver::test(const SyntaxTest& t) {
  for (const auto& c : t.clauses) {
    switch (c.kind) {
      case SyntaxTestClauseKind::Given:
        for (const auto& f : c.fields) {
          if (!symbols_.is_value_name(f.name.text) || symbols_.defines.count(f.name.text)) {
            std::vector<std::string> attrs = keys(symbols_.attributes);
            for (const auto& a : core_attributes()) attrs.emplace_back(a.name);
            undefined(f.name.text, f.name.range, attrs, "attribute");
          }
          expr(f.value.get(), NameContext::Test);
        }
        break;
      case SyntaxTestClauseKind::ExpectProcess: {
        std::string full;
        for (const auto& p : c.process) full += (full.empty() ? "" : ".") + p.text;
        if (full.empty() || symbols_.processes.count(full)) break;
        SourceRange r = join(c.process.front().range, c.process.back().range);
        undefined(full, r, keys(symbols_.processes), "process");
        break;
      }
      case SyntaxTestClauseKind::ExpectEligible:
        for (const auto& f : c.fields) {
          if (!symbols_.skills.count(f.name.text))
            undefined(f.name.text, f.name.range, keys(symbols_.skills), "skill");
          expr(f.value.get(), NameContext::Test);
        }
        expr(c.age.get(), NameContext::Test);
        break;
      default:
        expr(c.value.get(), NameContext::Test);
        expr(c.age.get(), NameContext::Test);
        break;
    }
  }
}

}  // namespace iwd::compiler
