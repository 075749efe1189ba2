// Binder: declaration bodies: attribute defaults, defines, schemes, targets, departments,
// processes (with their department's defaults), decision tables and tests.
#include <fmt/format.h>

#include <set>
#include <span>

#include "compiler/sema/bind_internal.h"
#include "stdlib/spelling.h"

namespace iwd::compiler {

std::unique_ptr<BoundRuleset> bind_ruleset(const SourceManager& sm, const std::vector<const SyntaxFile*>& files,
                                           DiagnosticBag& diags) {
  Binder binder(sm, diags);
  return binder.run(files);
}

std::int32_t Binder::find_calendar(const std::string& name) {
  if (auto it = calendars_.find(name); it != calendars_.end()) return it->second;
  if (name != kAlwaysCalendar) return -1;
  BoundCalendar always;
  always.name = kAlwaysCalendar;
  always.zone = "UTC";
  for (auto& day : always.weekly) day = {{0, 24 * 60}};
  const auto index = static_cast<std::int32_t>(rs_->calendars.size());
  rs_->calendars.push_back(std::move(always));
  calendar_syntax_.push_back(nullptr);  // nothing to bind: built in
  calendars_.emplace(name, index);
  return index;
}

std::int32_t Binder::calendar_ref(const SyntaxName& n) {
  if (n.text.empty()) return -1;
  if (const std::int32_t index = find_calendar(n.text); index >= 0) return index;
  std::vector<std::string> names;
  for (const auto& [c, _] : calendars_) names.push_back(c);
  undefined(n.text, n.range, names, "calendar", "E0303");
  if (calendars_.empty()) {
    std::string note = "declare it with `calendar NAME { mon..fri 08:00-18:00 }`";
    diags_.all().back().notes.push_back(std::move(note));
  }
  return -1;
}

void Binder::bind_bodies(const std::vector<const SyntaxFile*>& files) {
  // Attribute defaults: constants of the attribute's type.
  for (std::size_t i = 0; i < rs_->attributes.size(); ++i) {
    const SyntaxAttribute* syn = attribute_syntax_[i];
    if (!syn || !syn->default_value) continue;
    auto& a = rs_->attributes[i];
    auto v = expr(syn->default_value.get(), NameContext::Constant);
    if (!v || v->type.is_error() || a.type.is_error()) continue;
    const bool empty_list = v->kind == BoundExprKind::List && v->children.empty() && a.type.kind == TypeKind::List;
    if (a.type.kind == TypeKind::Number && v->type.kind == TypeKind::Int) {
      v->kind = BoundExprKind::Literal;
      v->number_value = static_cast<double>(v->int_value);
      v->type = SemaType::of(TypeKind::Number);
    }
    if (!empty_list && !v->type.same_base(a.type)) {
      report("E0409", v->range, fmt::format("the default of `{}` must be {}, but this is {}", a.name,
                                            type_str(a.type.as_optional(false)), type_str(v->type)));
      continue;
    }
    if (empty_list) v->type = a.type.as_optional(false);
    a.default_value = std::move(v);
  }
  // Defines, in declaration order (each binds the defines it uses first).
  for (std::size_t i = 0; i < rs_->defines.size(); ++i) {
    if (define_state_[i] != 0) continue;
    define_state_[i] = 1;
    define_stack_.assign(1, rs_->defines[i].name);
    rs_->defines[i].value = expr(define_syntax_[i]->value.get(), NameContext::Condition);
    define_stack_.clear();
    define_state_[i] = 2;
    rs_->define_order.push_back(static_cast<std::int32_t>(i));
  }
  for (std::size_t i = 0; i < rs_->calendars.size(); ++i)
    if (calendar_syntax_[i]) bind_calendar(rs_->calendars[i], *calendar_syntax_[i]);
  for (std::size_t i = 0; i < rs_->priorities.size(); ++i) bind_priority(rs_->priorities[i], priority_syntax_[i]->body);
  for (std::size_t i = 0; i < rs_->targets.size(); ++i) bind_targets(rs_->targets[i], targets_syntax_[i]->body);

  for (const auto* f : files)
    for (const auto& d : f->decls) {
      if (d->kind == SyntaxDeclKind::Department) {
        const auto& dep = as<SyntaxDepartment>(*d);
        auto it = departments_.find(dep.name.text);
        if (it == departments_.end() || rs_->departments[static_cast<std::size_t>(it->second)].range != dep.name.range)
          continue;  // a duplicate, reported
        const auto di = it->second;
        auto& bd = rs_->departments[static_cast<std::size_t>(di)];
        if (dep.when) bd.when = condition(dep.when.get(), NameContext::Condition);
        bind_clauses(bd.clauses, dep.clauses, dep.name.text);
        for (const auto& m : dep.members) {
          if (m->kind == SyntaxDeclKind::Table) {
            bind_table(dep, as<SyntaxTable>(*m), di);
            continue;
          }
          auto pit = processes_.find(dep.name.text + "." + m->name.text);
          if (pit == processes_.end()) continue;
          auto& bp = rs_->processes[static_cast<std::size_t>(pit->second)];
          if (bp.range != m->name.range) continue;  // a duplicate, reported
          const auto& sp = as<SyntaxProcess>(*m);
          if (sp.when) bp.when = condition(sp.when.get(), NameContext::Condition);
          bind_clauses(bp.clauses, sp.clauses, bp.name, bd.clauses.sla_calendar);
        }
      } else if (d->kind == SyntaxDeclKind::DefaultProcess && d.get() == default_syntax_) {
        auto& bp = rs_->processes[static_cast<std::size_t>(rs_->default_process)];
        bind_clauses(bp.clauses, as<SyntaxProcess>(*d).clauses, bp.name);
      } else if (d->kind == SyntaxDeclKind::Test) {
        bind_test(as<SyntaxTest>(*d));
      }
    }
}

void Binder::bind_priority(BoundPriority& out, const SyntaxPriorityBody& body) {
  std::map<SyntaxPriorityClauseKind, SourceRange> seen;
  for (const auto& c : body.clauses) {
    const bool repeatable = c.kind == SyntaxPriorityClauseKind::Every || c.kind == SyntaxPriorityClauseKind::Boost;
    if (!repeatable) {
      auto [it, fresh] = seen.emplace(c.kind, c.range);
      if (!fresh) {
        report("E0515", c.range, "this clause is given twice in one priority scheme")
            .labels.push_back({it->second, "first given here"});
        continue;
      }
    }
    switch (c.kind) {
      case SyntaxPriorityClauseKind::Start: out.start = numeric(c.value.get(), NameContext::Scheme, "`start`"); break;
      case SyntaxPriorityClauseKind::Min: out.min = numeric(c.value.get(), NameContext::Scheme, "`min`"); break;
      case SyntaxPriorityClauseKind::Max: out.max = numeric(c.value.get(), NameContext::Scheme, "`max`"); break;
      case SyntaxPriorityClauseKind::Overdue: out.overdue = numeric(c.value.get(), NameContext::Scheme, "`overdue`"); break;
      case SyntaxPriorityClauseKind::Every: {
        BoundEvery e;
        e.range = c.range;
        e.period = duration(c.period.get(), NameContext::Scheme, "the period of `every`");
        e.add = numeric(c.value.get(), NameContext::Scheme, "the amount `add`s");
        if (c.from) e.from = duration(c.from.get(), NameContext::Scheme, "`from`");
        if (c.until) e.until = duration(c.until.get(), NameContext::Scheme, "`until`");
        out.every.push_back(std::move(e));
        break;
      }
      case SyntaxPriorityClauseKind::Curve:
        for (const auto& p : c.points) {
          BoundCurvePoint bp;
          bp.at = duration(p.at.get(), NameContext::Scheme, "a curve point's age");
          bp.value = numeric(p.value.get(), NameContext::Scheme, "a curve point's value");
          bp.range = p.at && p.value ? join(p.at->range, p.value->range) : c.range;
          out.curve.push_back(std::move(bp));
        }
        break;
      case SyntaxPriorityClauseKind::Boost: {
        BoundBoost b;
        b.range = c.range;
        b.amount = numeric(c.value.get(), NameContext::Scheme, "a boost");
        b.when = condition(c.condition.get(), NameContext::Scheme);
        out.boosts.push_back(std::move(b));
        break;
      }
      case SyntaxPriorityClauseKind::AgeIn: out.age_calendar = calendar_ref(c.calendar); break;
    }
  }
}

void Binder::bind_targets(BoundTargets& out, const SyntaxTargetsBody& body) {
  for (const auto& s : body.stages) {
    BoundStage st;
    st.range = s.range;
    switch (s.kind) {
      case SyntaxStageKind::Agent: {
        st.kind = BoundStageKind::Agent;
        st.expr = expr(s.expr.get(), NameContext::Condition);
        if (st.expr && !st.expr->type.is_error() && st.expr->type.kind != TypeKind::String)
          report("E0407", st.expr->range, fmt::format("an `agent` stage names an agent id (a string), but this is {}",
                                                      type_str(st.expr->type.as_optional(false))));
        break;
      }
      case SyntaxStageKind::Group:
        st.kind = BoundStageKind::Group;
        st.expr = string_value(s.expr.get(), NameContext::Condition, "a `group` stage's group");
        break;
      case SyntaxStageKind::Skill:
        st.kind = BoundStageKind::Skill;
        st.expr = condition(s.expr.get(), NameContext::Skill);
        break;
    }
    if (s.duration) st.duration = duration(s.duration.get(), NameContext::Scheme, "a stage's `for`");
    out.stages.push_back(std::move(st));
  }
}

// `complete by source` or `complete by agent`; another word is E0320 (with the one meant).
CompleteBy Binder::complete_by(const SyntaxProcessClause& c) {
  if (c.ref.text == "source") return CompleteBy::Source;
  if (c.ref.text == "agent") return CompleteBy::Agent;
  const std::vector<std::string> words = {"source", "agent"};
  const std::string hint = stdlib::suggest_name(c.ref.text, std::span<const std::string>(words));
  auto& d = report("E0320", c.ref.range, fmt::format("`complete by` takes `source` or `agent`, not `{}`", c.ref.text));
  d.notes.push_back("`complete by source`: only the source completes an item, an agent cannot mark it done; "
                    "`complete by agent` (the default): an agent marks it done and the source confirms");
  if (!hint.empty()) d.fixits.push_back({c.ref.range, hint, fmt::format("did you mean `{}`?", hint)});
  return CompleteBy::Unset;
}

void Binder::bind_clauses(BoundClauses& out, const std::vector<SyntaxProcessClause>& clauses, const std::string& owner,
                          std::int32_t inherited_calendar) {
  std::map<SyntaxProcessClauseKind, SourceRange> seen;
  for (const auto& c : clauses) {
    auto [it, fresh] = seen.emplace(c.kind, c.range);
    if (!fresh) {
      report("E0515", c.range, fmt::format("this clause is given twice for `{}`", owner))
          .labels.push_back({it->second, "first given here"});
      continue;
    }
    switch (c.kind) {
      case SyntaxProcessClauseKind::Sla:
        if (!c.calendar.text.empty()) out.sla_calendar = calendar_ref(c.calendar);
        out.sla = sla_value(c.value.get(), "an `sla`", !c.calendar.text.empty() || inherited_calendar >= 0,
                            c.calendar.text.empty() ? inherited_calendar : out.sla_calendar, c.calendar.text.empty());
        break;
      case SyntaxProcessClauseKind::Priority:
        if (c.priority) {
          BoundPriority p;
          p.name = owner + "/priority";
          p.is_inline = true;
          p.range = c.range;
          bind_priority(p, *c.priority);
          out.priority = static_cast<std::int32_t>(rs_->priorities.size());
          rs_->priorities.push_back(std::move(p));
        } else if (auto pit = priorities_.find(c.ref.text); pit != priorities_.end()) {
          out.priority = pit->second;
        } else {
          std::vector<std::string> names;
          for (const auto& [n, _] : priorities_) names.push_back(n);
          undefined(c.ref.text, c.ref.range, names, "priority scheme", "E0304");
        }
        if (c.min) out.priority_min = numeric(c.min.get(), NameContext::Condition, "`min`");
        if (c.max) out.priority_max = numeric(c.max.get(), NameContext::Condition, "`max`");
        break;
      case SyntaxProcessClauseKind::Targets:
        if (c.targets) {
          BoundTargets t;
          t.name = owner + "/targets";
          t.is_inline = true;
          t.range = c.range;
          bind_targets(t, *c.targets);
          out.targets = static_cast<std::int32_t>(rs_->targets.size());
          rs_->targets.push_back(std::move(t));
        } else if (auto tit = targets_.find(c.ref.text); tit != targets_.end()) {
          out.targets = tit->second;
        } else {
          std::vector<std::string> names;
          for (const auto& [n, _] : targets_) names.push_back(n);
          undefined(c.ref.text, c.ref.range, names, "targets", "E0305");
        }
        break;
      case SyntaxProcessClauseKind::Media: out.media = string_value(c.value.get(), NameContext::Condition, "`media`"); break;
      case SyntaxProcessClauseKind::OfferTimeout:
        out.offer_timeout = duration(c.value.get(), NameContext::Condition, "an `offer timeout`");
        break;
      case SyntaxProcessClauseKind::CompleteWithin:
        out.complete_within = duration(c.value.get(), NameContext::Condition, "`complete within`");
        break;
      case SyntaxProcessClauseKind::ExpireAfter:
        out.expire_after = duration(c.value.get(), NameContext::Condition, "`expire after`");
        break;
      case SyntaxProcessClauseKind::CompleteBy: out.complete_by = complete_by(c); break;
    }
  }
}

void Binder::bind_test(const SyntaxTest& t) {
  BoundTest bt;
  bt.title = t.title;
  bt.range = t.range;
  for (const auto& c : t.clauses) {
    switch (c.kind) {
      case SyntaxTestClauseKind::Given:
        for (const auto& f : c.fields) {
          auto it = attributes_.find(f.name.text);
          if (it == attributes_.end()) {
            std::vector<std::string> names;
            for (const auto& [n, _] : attributes_) names.push_back(n);
            undefined(f.name.text, f.name.range, names, "attribute", "E0302");
            expr(f.value.get(), NameContext::Constant);
            continue;
          }
          const auto& a = rs_->attributes[static_cast<std::size_t>(it->second)];
          auto v = expr(f.value.get(), NameContext::Constant, a.type.kind == TypeKind::Duration ? Want::Duration : Want::Any);
          if (!v || v->type.is_error()) continue;
          if (a.type.kind == TypeKind::Number && v->type.kind == TypeKind::Int) v = [&] {
              auto w = std::move(v);
              w->kind = BoundExprKind::Literal;
              w->number_value = static_cast<double>(w->int_value);
              w->type = SemaType::of(TypeKind::Number);
              return w;
            }();
          const bool list_ok = a.type.kind == TypeKind::List && v->kind == BoundExprKind::List &&
                               (v->children.empty() || v->type.same_base(a.type));
          if (!list_ok && !v->type.same_base(a.type)) {
            report("E0409", v->range, fmt::format("`{}` is {}, but this is {}", a.name, type_str(a.type.as_optional(false)),
                                                  type_str(v->type)));
            continue;
          }
          bt.given.emplace_back(it->second, std::move(v));
        }
        break;
      case SyntaxTestClauseKind::At: {
        auto v = expr(c.value.get(), NameContext::Constant);
        if (v && !v->type.is_error() && v->type.kind != TypeKind::Time) {
          report("E0409", v->range, fmt::format("`at` takes an instant like 2026-11-23T09:00:00Z, but this is {}", type_str(v->type)));
          break;
        }
        bt.at = std::move(v);
        break;
      }
      case SyntaxTestClauseKind::ExpectProcess: {
        BoundExpectation ex;
        ex.kind = BoundExpectKind::Process;
        ex.range = c.range;
        std::string full;
        for (const auto& p : c.process) full += (full.empty() ? "" : ".") + p.text;
        if (auto it = processes_.find(full); it != processes_.end()) {
          ex.process = it->second;
        } else if (!full.empty()) {
          std::vector<std::string> names;
          for (const auto& [n, _] : processes_) names.push_back(n);
          undefined(full, join(c.process.front().range, c.process.back().range), names, "process", "E0312");
          break;
        }
        bt.expects.push_back(std::move(ex));
        break;
      }
      case SyntaxTestClauseKind::ExpectRejected: {
        BoundExpectation ex;
        ex.kind = BoundExpectKind::Rejected;
        ex.text = c.text;
        ex.range = c.range;
        bt.expects.push_back(std::move(ex));
        break;
      }
      case SyntaxTestClauseKind::ExpectDue:
      case SyntaxTestClauseKind::ExpectPriority:
      case SyntaxTestClauseKind::ExpectEligible: {
        BoundExpectation ex;
        ex.range = c.range;
        ex.negated = c.negated;
        if (c.kind == SyntaxTestClauseKind::ExpectDue) {
          ex.kind = BoundExpectKind::Due;
          ex.value = expr(c.value.get(), NameContext::Constant);
          if (ex.value && !ex.value->type.is_error() && ex.value->type.kind != TypeKind::Time) {
            report("E0409", ex.value->range, fmt::format("`expect due` takes an instant, but this is {}", type_str(ex.value->type)));
            break;
          }
        } else if (c.kind == SyntaxTestClauseKind::ExpectPriority) {
          ex.kind = BoundExpectKind::Priority;
          ex.value = expr(c.value.get(), NameContext::Constant);
          if (ex.value && !ex.value->type.is_error() && ex.value->type.kind != TypeKind::Int) {
            report("E0409", ex.value->range, fmt::format("`expect priority` takes a whole number, but this is {}", type_str(ex.value->type)));
            break;
          }
        } else {
          ex.kind = BoundExpectKind::Eligible;
          for (const auto& f : c.fields) {
            auto it = skills_.find(f.name.text);
            if (it == skills_.end()) {
              std::vector<std::string> names(rs_->skills.begin(), rs_->skills.end());
              undefined(f.name.text, f.name.range, names, "skill", "E0306");
              continue;
            }
            auto v = expr(f.value.get(), NameContext::Constant);
            if (!v || v->type.is_error()) continue;
            if (v->type.kind != TypeKind::Int || v->int_value < 0 || v->int_value > 10) {
              report("E0409", v->range, "a skill level is a whole number from 0 to 10");
              continue;
            }
            ex.skills.emplace_back(it->second, v->int_value);
          }
        }
        if (c.age) {
          ex.age = expr(c.age.get(), NameContext::Constant, Want::Duration);
          if (ex.age && !ex.age->type.is_error() && ex.age->type.kind != TypeKind::Duration) {
            report("E0409", ex.age->range, fmt::format("an age is a duration like `2h`, but this is {}", type_str(ex.age->type)));
            break;
          }
        }
        bt.expects.push_back(std::move(ex));
        break;
      }
    }
  }
  // A required attribute missing from `given` makes the item a rejection: say so unless
  // the test expects exactly that (`id` defaults to "test" in tests).
  bool expects_rejection = false;
  for (const auto& x : bt.expects) expects_rejection = expects_rejection || x.kind == BoundExpectKind::Rejected;
  if (!expects_rejection) {
    std::vector<std::string> missing;
    for (std::size_t i = 0; i < rs_->attributes.size(); ++i) {
      const auto& a = rs_->attributes[i];
      if (!a.required || a.name == "id") continue;
      bool given = false;
      for (const auto& [attr, _] : bt.given) given = given || attr == static_cast<std::int32_t>(i);
      if (!given) missing.push_back("`" + a.name + "`");
    }
    if (!missing.empty()) {
      std::string list;
      for (std::size_t i = 0; i < missing.size(); ++i)
        list += (i == 0 ? "" : i + 1 == missing.size() ? " and " : ", ") + missing[i];
      auto& d = report("E0516", t.range,
                       fmt::format("test \"{}\" gives no {}, which {} required: its item would be rejected at capture",
                                   t.title, list, missing.size() == 1 ? "is" : "are"));
      d.notes.push_back("add the attribute to `given`, or `expect rejected \"...\"` if the rejection is the point");
    }
  }
  rs_->tests.push_back(std::move(bt));
}

}  // namespace iwd::compiler
