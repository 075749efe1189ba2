// Resolver: collecting declarations, duplicates, types and define cycles.
#include <fmt/format.h>

#include <functional>
#include <set>

#include "compiler/sema/resolver.h"
#include "stdlib/spelling.h"

namespace iwd::compiler {

const std::vector<CoreAttribute>& core_attributes() {
  static const std::vector<CoreAttribute> attrs = {
      {"id", "string"},           {"source", "string"},      {"media", "string"},
      {"captured_at", "time"},    {"due_at", "time?"},       {"activate_at", "time?"},
      {"expire_at", "time?"},     {"preferred_agent", "string?"},
  };
  return attrs;
}

bool is_core_attribute(std::string_view name) {
  for (const auto& a : core_attributes())
    if (a.name == name) return true;
  return false;
}

void Resolver::duplicate(const SyntaxName& name, const SourceRange& first, const char* what) {
  auto& d = diags_.report("E0301", name.range, fmt::format("{} `{}` is declared twice", what, name.text));
  d.labels.push_back({first, "first declared here"});
}

void Resolver::run(const std::vector<const SyntaxFile*>& files) {
  for (const auto* f : files)
    for (const auto& d : f->decls) collect(*d);
  for (const auto* f : files)
    for (const auto& d : f->decls) decl(*d);
  check_define_cycles();
}

void Resolver::collect(const SyntaxDecl& d) {
  auto once = [&](auto& map, const auto* node, const char* what) {
    if (d.name.text.empty()) return;
    auto [it, fresh] = map.emplace(d.name.text, node);
    if (!fresh) duplicate(d.name, it->second->name.range, what);
  };
  switch (d.kind) {
    case SyntaxDeclKind::Ruleset:
    case SyntaxDeclKind::Timezone: {
      const SyntaxDecl*& slot = d.kind == SyntaxDeclKind::Ruleset ? ruleset_ : timezone_;
      if (slot) {
        auto& diag = diags_.report("E0309", d.range,
                                   fmt::format("`{}` is declared more than once in this ruleset",
                                               decl_kind_name(d.kind)));
        diag.labels.push_back({slot->range, "first declared here"});
      } else {
        slot = &d;
      }
      return;
    }
    case SyntaxDeclKind::Enum: {
      const auto& e = as<SyntaxEnum>(d);
      once(symbols_.enums, &e, "enum");
      std::map<std::string, const SyntaxName*> seen;
      for (const auto& v : e.values) {
        auto [it, fresh] = seen.emplace(v.text, &v);
        if (!fresh) {
          duplicate(v, it->second->range, "enum value");
          continue;
        }
        auto& owners = symbols_.enum_values[v.text];
        if (std::find(owners.begin(), owners.end(), &e) == owners.end()) owners.push_back(&e);
      }
      return;
    }
    case SyntaxDeclKind::Attributes:
      for (const auto& a : as<SyntaxAttributes>(d).attributes) {
        if (a.name.text.empty()) continue;
        if (is_core_attribute(a.name.text)) {
          diags_.report("E0310", a.name.range,
                        fmt::format("`{}` is a core attribute that every item has; it cannot be "
                                    "declared again",
                                    a.name.text))
              .notes.push_back("the core attributes are id, source, media, captured_at, due_at, "
                               "activate_at, expire_at and preferred_agent");
          continue;
        }
        auto [it, fresh] = symbols_.attributes.emplace(a.name.text, &a);
        if (!fresh) duplicate(a.name, it->second->name.range, "attribute");
      }
      return;
    case SyntaxDeclKind::Skills:
      for (const auto& s : as<SyntaxSkills>(d).skills) {
        auto [it, fresh] = symbols_.skills.emplace(s.text, &s);
        if (!fresh) duplicate(s, it->second->range, "skill");
      }
      return;
    case SyntaxDeclKind::Define: once(symbols_.defines, &as<SyntaxDefine>(d), "define"); return;
    case SyntaxDeclKind::Calendar: once(symbols_.calendars, &as<SyntaxCalendar>(d), "calendar"); return;
    case SyntaxDeclKind::Priority: once(symbols_.priorities, &as<SyntaxPriority>(d), "priority scheme"); return;
    case SyntaxDeclKind::Targets: once(symbols_.targets, &as<SyntaxTargets>(d), "targets"); return;
    case SyntaxDeclKind::Capacity: once(symbols_.capacities, &as<SyntaxCapacity>(d), "capacity"); return;
    case SyntaxDeclKind::Department: collect_department(as<SyntaxDepartment>(d)); return;
    case SyntaxDeclKind::DefaultProcess: {
      const auto& p = as<SyntaxProcess>(d);
      if (symbols_.default_process) {
        auto& diag = diags_.report("E0311", p.name.range, "a ruleset has only one default process");
        diag.labels.push_back({symbols_.default_process->name.range, "the default process is declared here"});
        return;
      }
      symbols_.default_process = &p;
      auto [it, fresh] = symbols_.processes.emplace(p.name.text, p.name.range);
      if (!fresh) duplicate(p.name, it->second, "process");
      return;
    }
    default: return;
  }
}

void Resolver::collect_department(const SyntaxDepartment& dep) {
  for (const auto* other : symbols_.departments)
    if (other->name.text == dep.name.text && !dep.name.text.empty()) {
      duplicate(dep.name, other->name.range, "department");
      return;
    }
  symbols_.departments.push_back(&dep);
  for (const auto& m : dep.members) {
    if (m->kind == SyntaxDeclKind::Process) {
      const std::string full = dep.name.text + "." + m->name.text;
      auto [it, fresh] = symbols_.processes.emplace(full, m->name.range);
      if (!fresh) {
        auto& d = diags_.report("E0301", m->name.range, fmt::format("process `{}` is declared twice", full));
        d.labels.push_back({it->second, "first declared here"});
      }
      continue;
    }
    // Table rows are processes named by their `process` cell or by their condition values.
    const auto& t = as<SyntaxTable>(*m);
    std::size_t process_col = t.columns.size(), first_clause = t.columns.size();
    static const std::set<std::string> kClauses = {"sla", "priority", "min", "max", "targets", "process"};
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      if (t.columns[i].text == "process") process_col = i;
      if (kClauses.count(t.columns[i].text) && first_clause == t.columns.size()) first_clause = i;
    }
    for (const auto& row : t.rows) {
      if (row.cells.size() != t.columns.size()) continue;  // reported by the builder
      std::string name;
      if (process_col < row.cells.size()) {
        const auto& cell = row.cells[process_col];
        if (cell.values.size() == 1 && cell.values[0].lo && cell.values[0].lo->kind == SyntaxExprKind::Name)
          name = as<SyntaxNameExpr>(*cell.values[0].lo).name;
      } else {
        for (std::size_t i = 0; i < first_clause; ++i) {
          const auto& cell = row.cells[i];
          if (cell.any || cell.negated || cell.values.size() != 1 || cell.values[0].hi) continue;
          const SyntaxExpr* v = cell.values[0].lo.get();
          if (!v) continue;
          std::string part = v->kind == SyntaxExprKind::Name ? as<SyntaxNameExpr>(*v).name
                             : v->kind == SyntaxExprKind::Literal ? as<SyntaxLiteral>(*v).spelling
                                                                  : "";
          if (!part.empty()) name += (name.empty() ? "" : "_") + part;
        }
      }
      if (name.empty()) continue;
      auto [it, fresh] = symbols_.processes.emplace(dep.name.text + "." + name, row.range);
      if (!fresh) {
        auto& d = diags_.report("E0301", row.range,
                                fmt::format("this row declares process `{}.{}` a second time", dep.name.text, name));
        d.labels.push_back({it->second, "first declared here"});
        d.notes.push_back("name the rows with a `process` column to tell them apart");
      }
    }
  }
}

void Resolver::check_type(const SyntaxType& t, bool element) {
  static const std::vector<std::string> kScalars = {"bool", "int", "number", "string", "time", "duration"};
  const std::string& n = t.name.text;
  if (n.empty()) return;
  if (n == "list") {
    if (element) {
      diags_.report("E0112", t.range, "a list cannot hold lists")
          .notes.push_back("list elements are string, int or an enum");
      return;
    }
    if (!t.element) return;
    if (t.element->optional) {
      diags_.report("E0112", t.element->range, "list elements cannot be optional")
          .notes.push_back("write `list<T>?` for a list that may be absent");
      return;
    }
    check_type(*t.element, true);
    const std::string& e = t.element->name.text;
    if (e != "string" && e != "int" && e != "list" && !symbols_.enums.count(e) &&
        std::find(kScalars.begin(), kScalars.end(), e) != kScalars.end())
      diags_.report("E0112", t.element->range, fmt::format("`list<{}>` is not a type of the language", e))
          .notes.push_back("list elements are string, int or an enum");
    return;
  }
  if (std::find(kScalars.begin(), kScalars.end(), n) != kScalars.end() || symbols_.enums.count(n)) return;
  std::vector<std::string> candidates = kScalars;
  candidates.push_back("list");
  for (const auto& [name, _] : symbols_.enums) candidates.push_back(name);
  undefined(n, t.name.range, candidates, "type");
}

void Resolver::check_define_cycles() {
  // Depth-first search over define -> defines it mentions.
  std::map<std::string, int> state;  // 0 new, 1 on stack, 2 done
  std::vector<std::string> stack;
  std::function<void(const std::string&)> visit = [&](const std::string& name) {
    state[name] = 1;
    stack.push_back(name);
    std::function<void(const SyntaxExpr*)> walk = [&](const SyntaxExpr* e) {
      if (!e) return;
      switch (e->kind) {
        case SyntaxExprKind::Name: {
          const auto& n = as<SyntaxNameExpr>(*e).name;
          if (!symbols_.defines.count(n) || symbols_.attributes.count(n)) return;
          if (state[n] == 1) {
            const SyntaxDefine* def = symbols_.defines.at(n);
            auto start = std::find(stack.begin(), stack.end(), n);
            std::string chain;
            for (auto it = start; it != stack.end(); ++it) chain += *it + " -> ";
            auto& d = diags_.report("E0313", e->range,
                                    fmt::format("define `{}` depends on itself", n));
            d.notes.push_back("the cycle: " + chain + n);
            d.labels.push_back({def->name.range, fmt::format("`{}` is defined here", n)});
          } else if (state[n] == 0) {
            visit(n);
          }
          return;
        }
        case SyntaxExprKind::Member: walk(as<SyntaxMember>(*e).base.get()); return;
        case SyntaxExprKind::Call:
          for (const auto& a : as<SyntaxCall>(*e).args) walk(a.get());
          return;
        case SyntaxExprKind::Unary: walk(as<SyntaxUnary>(*e).operand.get()); return;
        case SyntaxExprKind::Binary:
          walk(as<SyntaxBinary>(*e).lhs.get());
          walk(as<SyntaxBinary>(*e).rhs.get());
          return;
        case SyntaxExprKind::In: {
          const auto& i = as<SyntaxIn>(*e);
          walk(i.value.get()), walk(i.target.get()), walk(i.lo.get()), walk(i.hi.get());
          return;
        }
        case SyntaxExprKind::List:
          for (const auto& x : as<SyntaxList>(*e).items) walk(x.get());
          return;
        case SyntaxExprKind::If: {
          const auto& i = as<SyntaxIf>(*e);
          walk(i.cond.get()), walk(i.then_expr.get()), walk(i.else_expr.get());
          return;
        }
        default: return;
      }
    };
    walk(symbols_.defines.at(name)->value.get());
    stack.pop_back();
    state[name] = 2;
  };
  for (const auto& [name, _] : symbols_.defines)
    if (state[name] == 0) visit(name);
}

}  // namespace iwd::compiler
