// Unused declarations:
//   W0610 unused-define: no department, process, scheme, plan, test or used define uses it.
//   W0611 unused-calendar: no SLA, `age in`, or time function reached from those uses it.
//   W0612 unused-priority, W0613 unused-targets: no department or process names it.
//   W0614 unused-enum-value: a value mentioned nowhere while other values of its enum are.
// And W0624 empty-enum: an enum with no values, which no attribute of its type can hold.
// Skipped when binding reported errors: a reference lost to an error would look unused.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "compiler/sema/lint_ruleset_internal.h"

namespace iwd::compiler::lints {
namespace {

// Walks expressions, collecting the defines, calendars and enum values they name.
struct Uses {
  std::vector<std::vector<std::int32_t>> define_users;  // define -> defines that use it
  std::vector<std::vector<std::int32_t>> calendar_users;  // calendar -> defines that use it
  std::vector<bool> define_used, calendar_used;
  std::vector<std::vector<bool>> enum_mentioned;
  std::vector<std::int32_t> queue;  // defines reached, to walk

  explicit Uses(const BoundRuleset& rs)
      : define_users(rs.defines.size()), calendar_users(rs.calendars.size()), define_used(rs.defines.size(), false),
        calendar_used(rs.calendars.size(), false) {
    for (const auto& e : rs.enums) enum_mentioned.emplace_back(e.values.size(), false);
  }

  // `from_define`: the define whose value is walked (-1 for everything else); `root`: whether
  // what is walked counts as used.
  void walk(const BoundExpr* e, bool root, std::int32_t from_define = -1) {
    if (!e) return;
    switch (e->kind) {
      case BoundExprKind::Define:
        if (e->index >= 0 && static_cast<std::size_t>(e->index) < define_used.size()) {
          const auto i = static_cast<std::size_t>(e->index);
          if (from_define >= 0) define_users[i].push_back(from_define);
          if (root && !define_used[i]) {
            define_used[i] = true;
            queue.push_back(e->index);
          }
        }
        break;
      case BoundExprKind::Calendar:
        if (e->index >= 0 && static_cast<std::size_t>(e->index) < calendar_used.size()) {
          if (root) calendar_used[static_cast<std::size_t>(e->index)] = true;
          if (from_define >= 0) calendar_users[static_cast<std::size_t>(e->index)].push_back(from_define);
        }
        break;
      case BoundExprKind::EnumValue:
        if (e->type.enum_index >= 0 && static_cast<std::size_t>(e->type.enum_index) < enum_mentioned.size()) {
          auto& values = enum_mentioned[static_cast<std::size_t>(e->type.enum_index)];
          if (e->index >= 0 && static_cast<std::size_t>(e->index) < values.size())
            values[static_cast<std::size_t>(e->index)] = true;
        }
        break;
      default: break;
    }
    for (const auto& c : e->children) walk(c.get(), root, from_define);
  }

  void calendar(std::int32_t index) {
    if (index >= 0 && static_cast<std::size_t>(index) < calendar_used.size())
      calendar_used[static_cast<std::size_t>(index)] = true;
  }

  void clauses(const BoundClauses& c) {
    for (const BoundExpr* e : {c.sla.get(), c.priority_min.get(), c.priority_max.get(), c.media.get(),
                               c.offer_timeout.get(), c.complete_within.get(), c.expire_after.get()})
      walk(e, true);
    calendar(c.sla_calendar);
  }
};

}  // namespace

bool binding_failed(const BoundRuleset& rs, const DiagnosticBag& diags) {
  std::set<FileId> files;
  auto add = [&files](const SourceRange& r) {
    if (r.valid()) files.insert(r.file);
  };
  for (const auto& e : rs.enums) add(e.range);
  for (const auto& a : rs.attributes) add(a.range);
  for (const auto& d : rs.defines) add(d.range);
  for (const auto& c : rs.calendars) add(c.range);
  for (const auto& p : rs.priorities) add(p.range);
  for (const auto& t : rs.targets) add(t.range);
  for (const auto& c : rs.capacities) add(c.range);
  for (const auto& d : rs.departments) add(d.range);
  for (const auto& p : rs.processes) add(p.range);
  for (const auto& t : rs.tests) add(t.range);
  for (const auto& d : diags.all())
    if (d.severity == Severity::Error && d.code < "E0500" && (!d.range.valid() || files.count(d.range.file)))
      return true;
  return false;
}

namespace {

// "`x` is never used", or "... is used only by define `y`, which is never used".
std::string unused_message(const BoundRuleset& rs, const std::string& what, const std::vector<std::int32_t>& by) {
  std::vector<std::string> users;
  for (auto u : by) {
    const std::string& n = rs.defines[static_cast<std::size_t>(u)].name;
    if (std::find(users.begin(), users.end(), n) == users.end()) users.push_back(n);
  }
  if (users.size() == 1) return fmt::format("{} is used only by define `{}`, which is never used", what, users.front());
  if (users.size() > 1) return fmt::format("{} is used only by defines {}, which are never used", what, name_list(users));
  return what + " is never used";
}

}  // namespace

void lint_unused(const LintContext& ctx, DiagnosticBag& diags) {
  const BoundRuleset& rs = ctx.rs;
  if (binding_failed(rs, diags)) return;
  Uses uses(rs);

  // Roots: departments, processes, every scheme and plan, tests, attribute defaults.
  std::vector<bool> priority_used(rs.priorities.size(), false), targets_used(rs.targets.size(), false);
  auto mark = [](std::vector<bool>& used, std::int32_t i) {
    if (i >= 0 && static_cast<std::size_t>(i) < used.size()) used[static_cast<std::size_t>(i)] = true;
  };
  for (const auto& d : rs.departments) {
    uses.walk(d.when.get(), true);
    uses.clauses(d.clauses);
    mark(priority_used, d.clauses.priority);
    mark(targets_used, d.clauses.targets);
  }
  for (const auto& p : rs.processes) {
    uses.walk(p.when.get(), true);
    uses.clauses(p.clauses);
    mark(priority_used, p.clauses.priority);
    mark(targets_used, p.clauses.targets);
  }
  for (const auto& s : rs.priorities) {
    uses.walk(s.start.get(), true);
    for (const auto& e : s.every)
      for (const BoundExpr* x : {e.period.get(), e.add.get(), e.from.get(), e.until.get()}) uses.walk(x, true);
    for (const auto& pt : s.curve) {
      uses.walk(pt.at.get(), true);
      uses.walk(pt.value.get(), true);
    }
    for (const auto& b : s.boosts) {
      uses.walk(b.amount.get(), true);
      uses.walk(b.when.get(), true);
    }
    for (const BoundExpr* x : {s.min.get(), s.max.get(), s.overdue.get()}) uses.walk(x, true);
    uses.calendar(s.age_calendar);
  }
  for (const auto& t : rs.targets)
    for (const auto& st : t.stages) {
      uses.walk(st.expr.get(), true);
      uses.walk(st.duration.get(), true);
    }
  for (const auto& t : rs.tests) {
    for (const auto& [attr, v] : t.given) uses.walk(v.get(), true);
    uses.walk(t.at.get(), true);
    for (const auto& x : t.expects) {
      uses.walk(x.value.get(), true);
      uses.walk(x.age.get(), true);
    }
  }
  for (const auto& a : rs.attributes) uses.walk(a.default_value.get(), true);
  // Used defines use what they name.
  while (!uses.queue.empty()) {
    const auto i = static_cast<std::size_t>(uses.queue.back());
    uses.queue.pop_back();
    uses.walk(rs.defines[i].value.get(), true, static_cast<std::int32_t>(i));
  }
  // Unused defines still mention enum values, and tell which defines they name.
  for (std::size_t i = 0; i < rs.defines.size(); ++i)
    if (!uses.define_used[i]) uses.walk(rs.defines[i].value.get(), false, static_cast<std::int32_t>(i));

  // W0610
  for (std::size_t i = 0; i < rs.defines.size(); ++i) {
    if (uses.define_used[i]) continue;
    const auto& def = rs.defines[i];
    std::vector<std::int32_t> by;
    for (auto u : uses.define_users[i])
      if (static_cast<std::size_t>(u) != i) by.push_back(u);
    std::string message = unused_message(rs, fmt::format("define `{}`", def.name), by);
    auto& d = diags.report("W0610", def.range, std::move(message));
    d.notes.push_back(fmt::format("no condition, priority scheme, target or used define names `{}`; remove it, or use "
                                  "it in a `when`",
                                  def.name));
  }
  // W0611
  for (std::size_t i = 0; i < rs.calendars.size(); ++i) {
    if (uses.calendar_used[i]) continue;
    const auto& c = rs.calendars[i];
    diags.report("W0611", c.range, unused_message(rs, fmt::format("calendar `{}`", c.name), uses.calendar_users[i]))
        .notes.push_back(fmt::format("use it with `sla 72h in {0}`, `age in {0}` in a priority scheme, or a time "
                                     "function such as `is_open({0}, now)`; or remove it",
                                     c.name));
  }
  // W0612, W0613: inline schemes and plans belong to their process.
  for (std::size_t i = 0; i < rs.priorities.size(); ++i) {
    const auto& s = rs.priorities[i];
    if (priority_used[i] || s.is_inline) continue;
    diags.report("W0612", s.range, fmt::format("priority scheme `{}` is never used", s.name))
        .notes.push_back(fmt::format("no department or process names it; use it with `priority {}` or remove it", s.name));
  }
  for (std::size_t i = 0; i < rs.targets.size(); ++i) {
    const auto& t = rs.targets[i];
    if (targets_used[i] || t.is_inline) continue;
    diags.report("W0613", t.range, fmt::format("targets `{}` is never used", t.name))
        .notes.push_back(fmt::format("no department or process names it; use it with `targets {}` or remove it", t.name));
  }
  // W0614: only for enums some of whose values are mentioned.
  for (std::size_t ei = 0; ei < rs.enums.size(); ++ei) {
    const auto& en = rs.enums[ei];
    const auto& mentioned = uses.enum_mentioned[ei];
    std::vector<std::string> seen;
    for (std::size_t v = 0; v < mentioned.size(); ++v)
      if (mentioned[v]) seen.push_back(en.values[v]);
    if (seen.empty()) continue;
    for (std::size_t v = 0; v < mentioned.size() && v < en.value_ranges.size(); ++v) {
      if (mentioned[v]) continue;
      auto& d = diags.report("W0614", en.value_ranges[v],
                             fmt::format("enum value `{}.{}` is never mentioned, while {} {}", en.name, en.values[v],
                                         name_list(seen), seen.size() == 1 ? "is" : "are"));
      d.notes.push_back(fmt::format("items with `{0}` go wherever conditions that do not name it send them; say what "
                                    "happens to them with a rule or a test that names `{0}`, remove the value, or "
                                    "allow this lint with `// iwd:allow(W0614)`",
                                    en.values[v]));
    }
  }
}

// W0624: the language allows `enum E {}` (the runtime takes it), but an enum with no values is
// most likely a mistake. Reported whether or not binding failed: it depends on no reference.
void lint_empty_enums(const LintContext& ctx, DiagnosticBag& diags) {
  const BoundRuleset& rs = ctx.rs;
  for (std::size_t ei = 0; ei < rs.enums.size(); ++ei) {
    const auto& en = rs.enums[ei];
    if (!en.values.empty()) continue;
    std::vector<std::string> attributes;
    bool required = false;  // a required `E` (not `list<E>`, which may be empty): no item has a value for it
    for (const auto& a : rs.attributes)
      if (a.type.enum_index == static_cast<std::int32_t>(ei)) {
        attributes.push_back(a.name);
        required = required || (a.required && a.type.kind == TypeKind::Enum);
      }
    auto& d = diags.report("W0624", en.range,
                           fmt::format("enum `{}` has no values: no attribute of its type can hold one", en.name));
    if (attributes.empty())
      d.notes.push_back("add its values (`enum " + en.name + " { A, B }`) or remove it");
    else
      d.notes.push_back(fmt::format("{} {} it, so {}; add the enum's values", name_list(attributes),
                                    attributes.size() == 1 ? "uses" : "use",
                                    required ? "every item is rejected for lack of a value"
                                             : "a value of it is always absent or empty"));
  }
}

}  // namespace iwd::compiler::lints
