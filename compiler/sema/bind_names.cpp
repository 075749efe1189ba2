// Binder: names and `a.b` members, resolved by context (LANGUAGE.md section 4).
#include <fmt/format.h>

#include "compiler/sema/bind_expr_util.h"
#include "stdlib/spelling.h"

namespace iwd::compiler {
using namespace bindutil;

BoundExprPtr Binder::bind_name(const SyntaxExpr* e, NameContext ctx, Want want) {
  const SourceRange r = e->range;
  const std::string& name = as<SyntaxNameExpr>(*e).name;
  if (ctx == NameContext::Skill) {
    if (auto it = skills_.find(name); it != skills_.end()) {
      auto out = make_bound(BoundExprKind::Skill, SemaType::of(TypeKind::Int, true), r);
      out->index = it->second;
      return out;
    }
    if (attributes_.count(name)) {
      report("E0316", r, fmt::format("`{}` is an item attribute; in a skill expression bare names are skills", name))
          .fixits.push_back({r, "item." + name, fmt::format("write `item.{}`", name)});
      return error_node(r);
    }
    std::vector<std::string> names(rs_->skills.begin(), rs_->skills.end());
    undefined(name, r, names, "skill", "E0306");
    auto& d = diags_.all().back();
    if (skills_decl_ == nullptr) {
      d.notes.push_back(fmt::format("declare the skills that targets may name: `skills {{ {} }}`", name));
    } else if (d.fixits.empty()) {
      // Not a misspelling of a declared skill: a new one, to declare with the others.
      const std::string message = fmt::format("declare it in `skills {{ }}`: insert `{}`",
                                              skills_decl_->skills.empty() ? fmt::format("skills {{ {} }}", name)
                                                                           : ", " + name);
      if (skills_decl_->skills.empty()) {
        d.fixits.push_back({skills_decl_->range, fmt::format("skills {{ {} }}", name), message});
      } else {
        SourceRange after_last = skills_decl_->skills.back().range;
        after_last.begin = after_last.end;
        d.fixits.push_back({after_last, ", " + name, message});
      }
      d.labels.push_back({skills_decl_->range, "the skills are declared here"});
    }
    return error_node(r);
  }
  if (ctx != NameContext::Constant) {
    if (auto it = attributes_.find(name); it != attributes_.end()) {
      const auto& a = rs_->attributes[static_cast<std::size_t>(it->second)];
      auto out = make_bound(BoundExprKind::Attribute, a.type.as_optional(a.type.optional && !narrowed_.count(it->second)), r);
      out->index = it->second;
      return out;
    }
    if (auto it = defines_.find(name); it != defines_.end()) {
      const auto i = static_cast<std::size_t>(it->second);
      if (define_state_[i] == 1) {
        std::string chain;
        auto start = std::find(define_stack_.begin(), define_stack_.end(), name);
        for (auto s = start; s != define_stack_.end(); ++s) chain += *s + " -> ";
        report("E0313", r, fmt::format("define `{}` depends on itself", name))
            .notes.push_back("the cycle: " + chain + name);
        diags_.all().back().labels.push_back({rs_->defines[i].range, fmt::format("`{}` is defined here", name)});
        return error_node(r);
      }
      if (define_state_[i] == 0) {
        define_state_[i] = 1;
        define_stack_.push_back(name);
        auto saved = std::move(narrowed_);
        narrowed_.clear();
        rs_->defines[i].value = expr(define_syntax_[i]->value.get(), NameContext::Condition);
        narrowed_ = std::move(saved);
        define_stack_.pop_back();
        define_state_[i] = 2;
        rs_->define_order.push_back(it->second);
      }
      const auto* v = rs_->defines[i].value.get();
      auto out = make_bound(BoundExprKind::Define, v ? v->type : SemaType{}, r);
      out->index = it->second;
      return out;
    }
    static const std::map<std::string, TimeName> kTimeNames = {
        {"now", TimeName::Now}, {"age", TimeName::Age}, {"sla", TimeName::Sla}, {"due", TimeName::Due},
        {"overdue_by", TimeName::OverdueBy}};
    if (auto it = kTimeNames.find(name); it != kTimeNames.end()) {
      const bool allowed = (it->second == TimeName::Now) == (ctx == NameContext::Condition);
      if (allowed) {
        const TypeKind k = it->second == TimeName::Now || it->second == TimeName::Due ? TypeKind::Time : TypeKind::Duration;
        auto out = make_bound(BoundExprKind::Time, SemaType::of(k), r);
        out->index = static_cast<std::int32_t>(it->second);
        return out;
      }
    }
  }
  if (auto it = enum_values_.find(name); it != enum_values_.end()) {
    if (it->second.size() > 1) {
      auto& d = report("E0315", r, fmt::format("`{}` is a value of more than one enum", name));
      for (const auto& [en, _] : it->second)
        d.fixits.push_back({r, rs_->enums[static_cast<std::size_t>(en)].name + "." + name,
                            fmt::format("write `{}.{}`", rs_->enums[static_cast<std::size_t>(en)].name, name)});
      return error_node(r);
    }
    auto out = make_bound(BoundExprKind::EnumValue, SemaType::enum_type(it->second[0].first), r);
    out->index = it->second[0].second;
    return out;
  }
  for (std::size_t i = 0; i < kWeekdays.size(); ++i)
    if (kWeekdays[i] == name) {
      auto out = make_bound(BoundExprKind::Weekday, SemaType::of(TypeKind::Weekday), r);
      out->index = static_cast<std::int32_t>(i);
      return out;
    }
  if (ctx == NameContext::Constant && (attributes_.count(name) || defines_.count(name))) {
    report("E0409", r, fmt::format("`{}` is not a constant: write a literal or an enum value here", name));
    return error_node(r);
  }
  // Unknown: suggest from what this context knows.
  std::vector<std::string> candidates;
  if (ctx != NameContext::Constant) {
    for (const auto& [n, _] : attributes_) candidates.push_back(n);
    for (const auto& [n, _] : defines_) candidates.push_back(n);
  }
  for (const auto& [n, _] : enum_values_) candidates.push_back(n);
  if (ctx == NameContext::Scheme)
    for (const char* n : {"age", "sla", "due", "overdue_by"}) candidates.emplace_back(n);
  if (ctx == NameContext::Condition) candidates.emplace_back("now");
  undefined(name, r, candidates, ctx == NameContext::Constant ? "value" : "name", "E0302");
  auto& d = diags_.all().back();
  if (ctx == NameContext::Condition && (name == "age" || name == "sla" || name == "due" || name == "overdue_by"))
    d.notes.push_back(fmt::format("`{}` is known in priority schemes and target stages, where an item has an age; "
                                  "conditions are decided once, at classification",
                                  name));
  else if (ctx == NameContext::Scheme && name == "now")
    d.notes.push_back("`now` is known in conditions and defines; in a priority scheme use `age` or `due`");
  else if (skills_.count(name))
    d.notes.push_back(fmt::format("`{}` is a skill; skills are named in `skill` target stages", name));
  else if (calendars_.count(name))
    d.notes.push_back(fmt::format("`{0}` is a calendar; pass it to a time function such as `is_open({0}, now)`", name));
  return error_node(r);
}

BoundExprPtr Binder::bind_member(const SyntaxExpr* e, NameContext ctx, Want want) {
  const SourceRange r = e->range;
  const auto& m = as<SyntaxMember>(*e);
  const std::string& member = m.member.text;
  const std::string base = m.base && m.base->kind == SyntaxExprKind::Name ? as<SyntaxNameExpr>(*m.base).name : "";
  if (base == "item" && ctx != NameContext::Constant) {
    if (auto it = attributes_.find(member); it != attributes_.end()) {
      const auto& a = rs_->attributes[static_cast<std::size_t>(it->second)];
      auto out = make_bound(BoundExprKind::Attribute, a.type.as_optional(a.type.optional && !narrowed_.count(it->second)), r);
      out->index = it->second;
      return out;
    }
    std::vector<std::string> names;
    for (const auto& [n, _] : attributes_) names.push_back(n);
    undefined(member, m.member.range, names, "attribute", "E0302");
    return error_node(r);
  }
  if (base == "agent") {
    if (ctx == NameContext::Skill) {
      auto out = make_bound(BoundExprKind::AgentAttribute, SemaType::of(TypeKind::String, true), r);
      out->name = member;
      return out;
    }
    report("E0302", m.base->range, "`agent` is known only in `skill` target stages");
    return error_node(r);
  }
  if (auto it = enums_.find(base); it != enums_.end()) {
    const auto& en = rs_->enums[static_cast<std::size_t>(it->second)];
    for (std::size_t i = 0; i < en.values.size(); ++i)
      if (en.values[i] == member) {
        auto out = make_bound(BoundExprKind::EnumValue, SemaType::enum_type(it->second), r);
        out->index = static_cast<std::int32_t>(i);
        return out;
      }
    std::string hint = stdlib::suggest_name(member, std::span<const std::string>(en.values));
    auto& d = report("E0314", m.member.range, fmt::format("enum `{}` has no value `{}`", base, member));
    if (!hint.empty()) d.fixits.push_back({m.member.range, hint, fmt::format("did you mean `{}`?", hint)});
    d.labels.push_back({en.range, fmt::format("`{}` is declared here", base)});
    return error_node(r);
  }
  auto inner = expr(m.base.get(), ctx);
  if (inner && !inner->type.is_error())
    report("E0302", r, fmt::format("`.{}`: only `item`, `agent` and enum names are followed by `.`", member));
  return error_node(r);
}

}  // namespace iwd::compiler
