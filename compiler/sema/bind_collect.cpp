// Binder: collecting declarations (names, duplicates, attribute types) across the files of
// a ruleset, in ruleset order.
#include <fmt/format.h>

#include <algorithm>

#include "compiler/sema/bind_internal.h"
#include "stdlib/spelling.h"

namespace iwd::compiler {

const std::vector<CoreAttribute>& core_attributes() {
  static const std::vector<CoreAttribute> attrs = {
      {"id", SemaType::of(TypeKind::String)},
      {"source", SemaType::of(TypeKind::String)},
      {"media", SemaType::of(TypeKind::String)},
      {"captured_at", SemaType::of(TypeKind::Time)},
      {"due_at", SemaType::of(TypeKind::Time, true)},
      {"activate_at", SemaType::of(TypeKind::Time, true)},
      {"expire_at", SemaType::of(TypeKind::Time, true)},
      {"preferred_agent", SemaType::of(TypeKind::String, true)},
      {"last_agent", SemaType::of(TypeKind::String, true)},  // set by the runtime
  };
  return attrs;
}

bool is_core_attribute(std::string_view name) {
  for (const auto& a : core_attributes())
    if (a.name == name) return true;
  return false;
}

void Binder::duplicate(const SyntaxName& name, const SourceRange& first, const std::string& what) {
  auto& d = report("E0301", name.range, fmt::format("{} `{}` is declared twice", what, name.text));
  d.labels.push_back({first, "first declared here"});
}

std::unique_ptr<BoundRuleset> Binder::run(const std::vector<const SyntaxFile*>& files) {
  for (const auto& core : core_attributes()) {
    attributes_.emplace(std::string(core.name), static_cast<std::int32_t>(rs_->attributes.size()));
    BoundAttribute a;
    a.name = core.name;
    a.type = core.type;
    a.core = true;
    a.required = core.name == "id";
    rs_->attributes.push_back(std::move(a));
    attribute_syntax_.push_back(nullptr);
  }
  // Enums first: attribute types name them, wherever they are declared.
  for (const auto* f : files)
    for (const auto& d : f->decls)
      if (d->kind == SyntaxDeclKind::Enum) collect(*d);
  for (const auto* f : files)
    for (const auto& d : f->decls)
      if (d->kind != SyntaxDeclKind::Enum) collect(*d);
  if (default_syntax_) collect_process(default_syntax_->name.range, -1, default_syntax_->name.text);
  bind_reporting();
  define_state_.assign(rs_->defines.size(), 0);
  bind_bodies(files);
  return std::move(rs_);
}

void Binder::collect(const SyntaxDecl& d) {
  // Registers `d` under its name in `map`, reporting a second declaration of the kind.
  auto once = [&](std::map<std::string, std::int32_t>& map, std::int32_t index, const std::string& what,
                  auto& names) -> bool {
    if (d.name.text.empty()) return false;
    auto [it, fresh] = map.emplace(d.name.text, index);
    if (!fresh) duplicate(d.name, names[static_cast<std::size_t>(it->second)].range, what);
    return fresh;
  };
  switch (d.kind) {
    case SyntaxDeclKind::ReportBy:
    case SyntaxDeclKind::Outcomes: {
      const SyntaxDecl* first = d.kind == SyntaxDeclKind::ReportBy ? static_cast<const SyntaxDecl*>(report_decl_)
                                                                   : static_cast<const SyntaxDecl*>(outcomes_decl_);
      if (first) {
        report("E0309", d.range, fmt::format("`{}` is declared more than once in this ruleset", decl_kind_name(d.kind)))
            .labels.push_back({first->range, "first declared here"});
        return;
      }
      if (d.kind == SyntaxDeclKind::ReportBy) report_decl_ = &as<SyntaxReportBy>(d);
      else outcomes_decl_ = &as<SyntaxOutcomes>(d);
      return;
    }
    case SyntaxDeclKind::Ruleset:
    case SyntaxDeclKind::Timezone: {
      const SyntaxDecl*& slot = d.kind == SyntaxDeclKind::Ruleset ? ruleset_decl_ : timezone_decl_;
      if (slot) {
        report("E0309", d.range, fmt::format("`{}` is declared more than once in this ruleset", decl_kind_name(d.kind)))
            .labels.push_back({slot->range, "first declared here"});
        return;
      }
      slot = &d;
      if (d.kind == SyntaxDeclKind::Ruleset) {
        rs_->name = d.name.text;
        rs_->version = as<SyntaxRuleset>(d).version.value_or("");
      } else {
        rs_->timezone = as<SyntaxTimezone>(d).zone;
        rs_->timezone_range = as<SyntaxTimezone>(d).zone_range;
      }
      return;
    }
    case SyntaxDeclKind::Enum: {
      const auto& e = as<SyntaxEnum>(d);
      BoundEnum be;
      be.name = e.name.text;
      be.range = e.name.range;
      const auto index = static_cast<std::int32_t>(rs_->enums.size());
      if (!once(enums_, index, "enum", rs_->enums)) return;
      for (const auto& v : e.values) {
        auto it = std::find(be.values.begin(), be.values.end(), v.text);
        if (it != be.values.end()) {
          duplicate(v, be.value_ranges[static_cast<std::size_t>(it - be.values.begin())], "enum value");
          continue;
        }
        enum_values_[v.text].emplace_back(index, static_cast<std::int32_t>(be.values.size()));
        be.values.push_back(v.text);
        be.value_ranges.push_back(v.range);
      }
      rs_->enums.push_back(std::move(be));
      return;
    }
    case SyntaxDeclKind::Attributes:
      for (const auto& a : as<SyntaxAttributes>(d).attributes) {
        if (a.name.text.empty()) continue;
        if (is_core_attribute(a.name.text)) {
          report("E0310", a.name.range,
                 fmt::format("`{}` is a core attribute that every item has; it cannot be declared again", a.name.text))
              .notes.push_back("the core attributes are id, source, media, captured_at, due_at, activate_at, "
                               "expire_at, preferred_agent and last_agent");
          continue;
        }
        const auto index = static_cast<std::int32_t>(rs_->attributes.size());
        auto [it, fresh] = attributes_.emplace(a.name.text, index);
        if (!fresh) {
          duplicate(a.name, rs_->attributes[static_cast<std::size_t>(it->second)].range, "attribute");
          continue;
        }
        BoundAttribute ba;
        ba.name = a.name.text;
        ba.type = bind_type(a.type, false);
        ba.required = !a.type.optional && !a.default_value;
        ba.range = a.name.range;
        rs_->attributes.push_back(std::move(ba));
        attribute_syntax_.push_back(&a);
      }
      return;
    case SyntaxDeclKind::Skills:
      if (!skills_decl_) skills_decl_ = &as<SyntaxSkills>(d);
      for (const auto& s : as<SyntaxSkills>(d).skills) {
        auto [it, fresh] = skills_.emplace(s.text, static_cast<std::int32_t>(rs_->skills.size()));
        if (!fresh) {
          report("E0301", s.range, fmt::format("skill `{}` is declared twice", s.text));
          continue;
        }
        rs_->skills.push_back(s.text);
      }
      return;
    case SyntaxDeclKind::Define: {
      if (!once(defines_, static_cast<std::int32_t>(rs_->defines.size()), "define", rs_->defines)) return;
      BoundDefine bd;
      bd.name = d.name.text;
      bd.range = d.name.range;
      rs_->defines.push_back(std::move(bd));
      define_syntax_.push_back(&as<SyntaxDefine>(d));
      return;
    }
    case SyntaxDeclKind::Calendar: {
      if (d.name.text == kAlwaysCalendar) {
        report("E0517", d.name.range, "`always` is a built-in calendar (open at every instant); it cannot be redeclared")
            .notes.push_back("give this calendar another name, or use `always` as it is");
        return;
      }
      if (!once(calendars_, static_cast<std::int32_t>(rs_->calendars.size()), "calendar", rs_->calendars)) return;
      BoundCalendar c;
      c.name = d.name.text;
      c.range = d.name.range;
      rs_->calendars.push_back(std::move(c));
      calendar_syntax_.push_back(&as<SyntaxCalendar>(d));
      return;
    }
    case SyntaxDeclKind::Priority: {
      if (!once(priorities_, static_cast<std::int32_t>(rs_->priorities.size()), "priority scheme", rs_->priorities))
        return;
      BoundPriority p;
      p.name = d.name.text;
      p.range = d.name.range;
      rs_->priorities.push_back(std::move(p));
      priority_syntax_.push_back(&as<SyntaxPriority>(d));
      return;
    }
    case SyntaxDeclKind::Targets: {
      if (!once(targets_, static_cast<std::int32_t>(rs_->targets.size()), "targets", rs_->targets)) return;
      BoundTargets t;
      t.name = d.name.text;
      t.range = d.name.range;
      rs_->targets.push_back(std::move(t));
      targets_syntax_.push_back(&as<SyntaxTargets>(d));
      return;
    }
    case SyntaxDeclKind::Capacity: {
      if (!once(capacities_, static_cast<std::int32_t>(rs_->capacities.size()), "capacity", rs_->capacities)) return;
      BoundCapacity c;
      c.name = d.name.text;
      c.range = d.name.range;
      for (const auto& e : as<SyntaxCapacity>(d).entries) {
        bool seen = false;
        for (const auto& [media, _] : c.limits) seen = seen || media == e.media.text;
        if (seen) {
          report("E0301", e.media.range, fmt::format("`{}` is limited twice in capacity `{}`", e.media.text, c.name));
          continue;
        }
        c.limits.emplace_back(e.media.text, e.count);
      }
      rs_->capacities.push_back(std::move(c));
      return;
    }
    case SyntaxDeclKind::Department: collect_department(as<SyntaxDepartment>(d)); return;
    case SyntaxDeclKind::DefaultProcess: {
      const auto& p = as<SyntaxProcess>(d);
      if (default_syntax_) {
        report("E0311", p.name.range, "a ruleset has only one default process")
            .labels.push_back({default_syntax_->name.range, "the default process is declared here"});
        return;
      }
      default_syntax_ = &p;  // collected last: it comes after every department's processes
      return;
    }
    default: return;
  }
}

void Binder::collect_process(const SourceRange& where, std::int32_t department, const std::string& full,
                             std::int32_t table, std::int32_t row, bool table_first) {
  const auto index = static_cast<std::int32_t>(rs_->processes.size());
  const bool from_table = table >= 0;
  auto [it, fresh] = processes_.emplace(full, index);
  if (!fresh) {
    auto& d = report("E0301", where,
                     from_table ? fmt::format("this row declares process `{}` a second time", full)
                           : fmt::format("process `{}` is declared twice", full));
    d.labels.push_back({rs_->processes[static_cast<std::size_t>(it->second)].range, "first declared here"});
    if (from_table) d.notes.push_back("name the rows with a `process` column to tell them apart");
    return;
  }
  BoundProcess bp;
  bp.name = full;
  bp.short_name = department < 0 ? full : full.substr(full.find('.') + 1);
  bp.department = department;
  bp.range = where;
  bp.table = table;
  bp.table_row = row;
  bp.table_first = table_first;
  rs_->processes.push_back(std::move(bp));
  if (department >= 0) rs_->departments[static_cast<std::size_t>(department)].processes.push_back(index);
  else rs_->default_process = index;
}

void Binder::collect_department(const SyntaxDepartment& dep) {
  if (dep.name.text.empty()) return;
  auto [it, fresh] = departments_.emplace(dep.name.text, static_cast<std::int32_t>(rs_->departments.size()));
  if (!fresh) {
    duplicate(dep.name, rs_->departments[static_cast<std::size_t>(it->second)].range, "department");
    return;
  }
  const auto index = it->second;
  BoundDepartment bd;
  bd.name = dep.name.text;
  bd.range = dep.name.range;
  rs_->departments.push_back(std::move(bd));
  std::int32_t table_index = 0;
  for (const auto& m : dep.members) {
    if (m->kind == SyntaxDeclKind::Process) {
      if (!m->name.text.empty()) collect_process(m->name.range, index, dep.name.text + "." + m->name.text);
      continue;
    }
    // Table rows are processes named by their `process` cell or by their condition values.
    const auto& t = as<SyntaxTable>(*m);
    static const std::set<std::string> kClauses = {"sla", "priority", "min", "max", "targets", "process"};
    std::size_t process_col = t.columns.size(), first_clause = t.columns.size();
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      if (t.columns[i].text == "process") process_col = i;
      if (kClauses.count(t.columns[i].text) && first_clause == t.columns.size()) first_clause = i;
    }
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
      const auto& row = t.rows[r];
      if (row.cells.size() != t.columns.size()) continue;  // reported by the AST builder
      std::string name;
      if (process_col < row.cells.size()) {
        const auto& cell = row.cells[process_col];
        if (cell.values.size() == 1 && cell.values[0].lo && cell.values[0].lo->kind == SyntaxExprKind::Name)
          name = as<SyntaxNameExpr>(*cell.values[0].lo).name;
        else
          report("E0511", cell.range, "a `process` cell names the row's process: write a name");
      } else {
        for (std::size_t i = 0; i < first_clause; ++i) {
          const auto& cell = row.cells[i];
          if (cell.any || cell.negated || cell.values.size() != 1 || cell.values[0].hi) continue;
          const SyntaxExpr* v = cell.values[0].lo.get();
          if (!v) continue;
          std::string part = v->kind == SyntaxExprKind::Name      ? as<SyntaxNameExpr>(*v).name
                             : v->kind == SyntaxExprKind::Literal ? as<SyntaxLiteral>(*v).spelling
                             : v->kind == SyntaxExprKind::Member  ? as<SyntaxMember>(*v).member.text
                                                                  : "";
          if (!part.empty()) name += (name.empty() ? "" : "_") + part;
        }
        if (name.empty()) name = fmt::format("row{}", r + 1);
      }
      collect_process(row.range, index, dep.name.text + "." + name, table_index, static_cast<std::int32_t>(r), t.first);
    }
    ++table_index;
  }
}

SemaType Binder::bind_type(const SyntaxType& t, bool element) {
  static const std::map<std::string, TypeKind> kScalars = {
      {"bool", TypeKind::Bool}, {"int", TypeKind::Int},   {"number", TypeKind::Number},
      {"string", TypeKind::String}, {"time", TypeKind::Time}, {"duration", TypeKind::Duration}};
  const std::string& n = t.name.text;
  if (n.empty()) return SemaType{};
  if (n == "list") {
    if (element) {
      report("E0112", t.range, "a list cannot hold lists").notes.push_back("list elements are string, int or an enum");
      return SemaType{};
    }
    if (!t.element) return SemaType{};
    if (t.element->optional) {
      report("E0112", t.element->range, "list elements cannot be optional")
          .notes.push_back("write `list<T>?` for a list that may be absent");
      return SemaType{};
    }
    SemaType e = bind_type(*t.element, true);
    if (e.is_error()) return e;
    if (e.kind != TypeKind::String && e.kind != TypeKind::Int && e.kind != TypeKind::Enum) {
      report("E0112", t.element->range, fmt::format("`list<{}>` is not a type of the language", t.element->name.text))
          .notes.push_back("list elements are string, int or an enum");
      return SemaType{};
    }
    return SemaType::list_of(e.kind, e.enum_index, t.optional);
  }
  if (auto it = kScalars.find(n); it != kScalars.end()) return SemaType::of(it->second, t.optional);
  if (auto it = enums_.find(n); it != enums_.end()) return SemaType::enum_type(it->second, t.optional);
  std::vector<std::string> candidates;
  for (const auto& [name, _] : kScalars) candidates.push_back(name);
  candidates.emplace_back("list");
  for (const auto& [name, _] : enums_) candidates.push_back(name);
  undefined(n, t.name.range, candidates, "type", "E0308");
  return SemaType{};
}

}  // namespace iwd::compiler
