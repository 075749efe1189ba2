// Resolver: names inside expressions, by context (LANGUAGE.md section 4).
#include <fmt/format.h>

#include <array>

#include "compiler/sema/resolver.h"
#include "stdlib/functions.h"
#include "stdlib/spelling.h"

namespace iwd::compiler {
namespace {

constexpr std::array<std::string_view, 4> kSchemeNames = {"age", "sla", "due", "overdue_by"};
constexpr std::array<std::string_view, 7> kWeekdays = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& arr, std::string_view s) {
  for (auto a : arr)
    if (a == s) return true;
  return false;
}

}  // namespace

void Resolver::undefined(const std::string& name, const SourceRange& r, std::vector<std::string> candidates,
                         std::string what) {
  std::vector<std::string_view> views(candidates.begin(), candidates.end());
  std::string hint = std::string(stdlib::suggest_name(name, views));
  const char* code = what == "calendar"          ? "E0303"
                     : what == "priority scheme" ? "E0304"
                     : what == "targets"         ? "E0305"
                     : what == "skill"           ? "E0306"
                     : what == "function"        ? "E0307"
                     : what == "type"            ? "E0308"
                     : what == "process"         ? "E0312"
                                                 : "E0302";
  auto& d = diags_.report(code, r, fmt::format("unknown {} `{}`", what, name));
  if (!hint.empty()) d.fixits.push_back({r, hint, fmt::format("did you mean `{}`?", hint)});
}

std::vector<std::string> Resolver::value_names(NameContext ctx) const {
  std::vector<std::string> out;
  for (const auto& [n, _] : symbols_.attributes) out.push_back(n);
  for (const auto& a : core_attributes()) out.emplace_back(a.name);
  for (const auto& [n, _] : symbols_.defines) out.push_back(n);
  for (const auto& [n, _] : symbols_.enum_values) out.push_back(n);
  if (ctx == NameContext::Scheme)
    for (auto n : kSchemeNames) out.emplace_back(n);
  if (ctx == NameContext::Condition) out.emplace_back("now");
  return out;
}

void Resolver::expr(const SyntaxExpr* e, NameContext ctx) {
  if (!e) return;
  switch (e->kind) {
    case SyntaxExprKind::Literal:
    case SyntaxExprKind::PercentOf: return;
    case SyntaxExprKind::Name: name_expr(as<SyntaxNameExpr>(*e), ctx); return;
    case SyntaxExprKind::Member: member_expr(as<SyntaxMember>(*e), ctx); return;
    case SyntaxExprKind::Call: call_expr(as<SyntaxCall>(*e), ctx); return;
    case SyntaxExprKind::Unary: expr(as<SyntaxUnary>(*e).operand.get(), ctx); return;
    case SyntaxExprKind::Binary:
      expr(as<SyntaxBinary>(*e).lhs.get(), ctx);
      expr(as<SyntaxBinary>(*e).rhs.get(), ctx);
      return;
    case SyntaxExprKind::In: {
      const auto& i = as<SyntaxIn>(*e);
      for (const auto* part : {i.value.get(), i.target.get(), i.lo.get(), i.hi.get()}) expr(part, ctx);
      return;
    }
    case SyntaxExprKind::List:
      for (const auto& item : as<SyntaxList>(*e).items) expr(item.get(), ctx);
      return;
    case SyntaxExprKind::If: {
      const auto& i = as<SyntaxIf>(*e);
      expr(i.cond.get(), ctx), expr(i.then_expr.get(), ctx), expr(i.else_expr.get(), ctx);
      return;
    }
  }
}

void Resolver::name_expr(const SyntaxNameExpr& n, NameContext ctx) {
  const std::string& name = n.name;
  if (ctx == NameContext::Skill) {
    if (symbols_.skills.count(name)) return;
    std::vector<std::string> skills;
    for (const auto& [s, _] : symbols_.skills) skills.push_back(s);
    undefined(name, n.range, skills, "skill");
    auto& d = diags_.all().back();
    if (symbols_.is_value_name(name))
      d.notes.push_back(fmt::format("in a skill expression bare names are skills; write `item.{}` for the "
                                    "item's attribute",
                                    name));
    else if (symbols_.skills.empty())
      d.notes.push_back("declare the skills that targets may name: `skills { ... }`");
    return;
  }
  if (ctx == NameContext::Test) {
    if (symbols_.enum_values.count(name) || contains(kWeekdays, name)) return;
    std::vector<std::string> values;
    for (const auto& [v, _] : symbols_.enum_values) values.push_back(v);
    undefined(name, n.range, values, "value");
    return;
  }
  if (symbols_.is_value_name(name) || symbols_.enum_values.count(name) || contains(kWeekdays, name)) return;
  if (ctx == NameContext::Scheme && contains(kSchemeNames, name)) return;
  if (ctx == NameContext::Condition && name == "now") return;

  undefined(name, n.range, value_names(ctx), "name");
  auto& d = diags_.all().back();
  if (ctx == NameContext::Condition && contains(kSchemeNames, name))
    d.notes.push_back(fmt::format("`{}` is known in priority schemes and targets, where an item has an age; "
                                  "conditions are decided once, at classification",
                                  name));
  else if (ctx == NameContext::Scheme && name == "now")
    d.notes.push_back("`now` is known in conditions and defines; in a priority scheme use `age` or `due`");
  else if (symbols_.skills.count(name))
    d.notes.push_back(fmt::format("`{}` is a skill; skills are named in `skill` target stages", name));
  else if (symbols_.calendars.count(name))
    d.notes.push_back(fmt::format("`{}` is a calendar; calendars are passed to time functions such as "
                                  "`is_open({}, t)`",
                                  name, name));
}

void Resolver::member_expr(const SyntaxMember& m, NameContext ctx) {
  if (m.base && m.base->kind == SyntaxExprKind::Name) {
    const std::string& base = as<SyntaxNameExpr>(*m.base).name;
    const std::string& member = m.member.text;
    if (base == "item") {
      if (symbols_.is_value_name(member) && !symbols_.defines.count(member)) return;
      std::vector<std::string> attrs;
      for (const auto& [a, _] : symbols_.attributes) attrs.push_back(a);
      for (const auto& a : core_attributes()) attrs.emplace_back(a.name);
      undefined(member, m.member.range, attrs, "attribute");
      return;
    }
    if (base == "agent" && ctx == NameContext::Skill) return;  // agent attributes are not declared
    if (auto it = symbols_.enums.find(base); it != symbols_.enums.end()) {
      for (const auto& v : it->second->values)
        if (v.text == member) return;
      std::vector<std::string> values;
      for (const auto& v : it->second->values) values.push_back(v.text);
      std::vector<std::string_view> views(values.begin(), values.end());
      std::string hint = std::string(stdlib::suggest_name(member, views));
      auto& d = diags_.report("E0314", m.member.range,
                              fmt::format("enum `{}` has no value `{}`", base, member));
      if (!hint.empty()) d.fixits.push_back({m.member.range, hint, fmt::format("did you mean `{}`?", hint)});
      d.labels.push_back({it->second->name.range, fmt::format("`{}` is declared here", base)});
      return;
    }
    if (base == "agent") {
      diags_.report("E0302", m.base->range, "`agent` is known only in `skill` target stages");
      return;
    }
  }
  expr(m.base.get(), ctx);
}

void Resolver::call_expr(const SyntaxCall& c, NameContext ctx) {
  const auto* fn = stdlib::find_function(c.callee.text);
  if (!fn) {
    std::vector<std::string> names;
    for (const auto& f : stdlib::all_functions()) names.emplace_back(f.name);
    undefined(c.callee.text, c.callee.range, names, "function");
  }
  for (std::size_t i = 0; i < c.args.size(); ++i) {
    const SyntaxExpr* a = c.args[i].get();
    // A calendar may be passed by name.
    if (a && a->kind == SyntaxExprKind::Name && symbols_.calendars.count(as<SyntaxNameExpr>(*a).name)) continue;
    expr(a, ctx);
  }
}

}  // namespace iwd::compiler
