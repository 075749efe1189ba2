// Lowering a checked ruleset: the item record's attributes, constant tables, calendars, one
// function per expression, and the decision tables (departments, processes, priorities,
// target stages) that refer to them.
#include "compiler/lower/lower.h"

#include <map>

#include "compiler/lower/lower_expr.h"

namespace iwd::compiler {
namespace {

static_assert(static_cast<int>(TimeName::Now) == static_cast<int>(Input::Now) &&
                  static_cast<int>(TimeName::OverdueBy) == static_cast<int>(Input::OverdueBy),
              "TimeName and Input share their order");

class Lowerer {
 public:
  Lowerer(const BoundRuleset& rs, Program& p, NodeRegisters* registers)
      : rs_(rs), p_(p), consts_(p), registers_(registers) {}

  void run() {
    p_.name = rs_.name;
    p_.version = rs_.version;
    p_.timezone = rs_.timezone;
    attributes();
    for (const auto& e : rs_.enums) {
      p_.enum_names.push_back(e.name);
      p_.enums.push_back(e.values);
    }
    p_.skills = rs_.skills;
    p_.report_by = rs_.report_by;
    p_.outcomes = rs_.outcomes;
    for (const auto& c : rs_.calendars) calendar(c);
    for (const auto& d : rs_.departments) {
      ProgramDepartment pd;
      pd.name = d.name;
      pd.when = function(d.when.get(), "department " + d.name + ": when");
      pd.processes = d.processes;
      p_.departments.push_back(std::move(pd));
    }
    for (const auto& bp : rs_.processes) process(bp);
    p_.default_process = rs_.default_process;
    for (const auto& c : rs_.capacities) {
      ProgramCapacity pc;
      pc.name = c.name;
      for (const auto& [media, n] : c.limits) {
        if (media == "total") pc.total = n;
        else pc.limits.emplace_back(media, n);
      }
      p_.capacities.push_back(std::move(pc));
    }
  }

 private:
  const BoundRuleset& rs_;
  Program& p_;
  ProgramConstants consts_;
  NodeRegisters* registers_;
  std::map<const BoundExpr*, FunctionRef> cache_;  // an expression shared by processes is one function

  FunctionRef function(const BoundExpr* e, const std::string& name) {
    if (!e) return -1;
    if (auto it = cache_.find(e); it != cache_.end()) return it->second;
    if (registers_) registers_->functions.emplace_back();
    FunctionBuilder b(rs_, consts_, name, registers_ ? &registers_->functions.back() : nullptr);
    p_.functions.push_back(b.build(*e));
    const auto ref = static_cast<FunctionRef>(p_.functions.size() - 1);
    cache_.emplace(e, ref);
    return ref;
  }

  void attributes() {
    for (const auto& a : rs_.attributes) {
      ProgramAttribute pa;
      pa.name = a.name;
      pa.type = vtype_of(a.type);
      pa.tag = tag_of(a.type);
      if (a.type.kind == TypeKind::List)
        pa.element = a.type.elem == TypeKind::String ? VTag::String : a.type.elem == TypeKind::Enum ? VTag::Enum : VTag::Int;
      pa.optional = a.type.optional;
      pa.required = a.required;
      pa.enum_index = a.type.enum_index;
      p_.attributes.push_back(std::move(pa));
    }
  }

  void calendar(const BoundCalendar& c) {
    stdlib::CalendarSpec spec;
    spec.zone = c.zone;
    spec.weekly = c.weekly;
    spec.closed_days = c.closed_days;
    spec.closed_yearly = c.closed_yearly;
    spec.special_days = c.special_days;
    p_.calendars.push_back(std::move(spec));
    p_.calendar_names.push_back(c.name);
  }

  void process(const BoundProcess& bp) {
    const EffectiveClauses e = rs_.effective(bp);
    ProgramProcess pp;
    pp.name = bp.name;
    pp.department = bp.department;
    pp.when = function(bp.when.get(), bp.name + ": when");
    pp.sla = function(e.sla, bp.name + ": sla");
    pp.sla_calendar = e.sla_calendar;
    pp.media = function(e.media, bp.name + ": media");
    pp.offer_timeout = function(e.offer_timeout, bp.name + ": offer timeout");
    pp.complete_within = function(e.complete_within, bp.name + ": complete within");
    pp.expire_after = function(e.expire_after, bp.name + ": expire after");
    pp.source_completes = e.source_completes;
    if (e.priority >= 0) pp.priority = priority(rs_.priorities[static_cast<std::size_t>(e.priority)], e, bp.name);
    if (e.targets >= 0) {
      const auto& t = rs_.targets[static_cast<std::size_t>(e.targets)];
      for (std::size_t i = 0; i < t.stages.size(); ++i) {
        const auto& s = t.stages[i];
        ProgramStage ps;
        ps.kind = s.kind == BoundStageKind::Agent ? ProgramStage::Agent
                  : s.kind == BoundStageKind::Group ? ProgramStage::Group
                                                    : ProgramStage::Skill;
        const std::string where = "targets " + t.name + " stage " + std::to_string(i + 1);
        ps.value = function(s.expr.get(), where);
        ps.duration = function(s.duration.get(), where + ": for");
        if (s.duration && s.duration->kind == BoundExprKind::ShareOfSla) ps.share = s.duration->number_value / 100.0;
        pp.stages.push_back(ps);
      }
    }
    p_.processes.push_back(std::move(pp));
  }

  std::int32_t priority(const BoundPriority& s, const EffectiveClauses& e, const std::string& process) {
    const std::string where = "priority " + s.name;
    ProgramPriority pr;
    pr.start = function(s.start.get(), where + ": start");
    for (const auto& ev : s.every)
      pr.every.push_back({function(ev.period.get(), where + ": every"), function(ev.add.get(), where + ": add"),
                          function(ev.from.get(), where + ": from"), function(ev.until.get(), where + ": until")});
    for (const auto& pt : s.curve)
      pr.curve.push_back({function(pt.at.get(), where + ": curve age"), function(pt.value.get(), where + ": curve value")});
    for (const auto& b : s.boosts)
      pr.boosts.push_back({function(b.amount.get(), where + ": boost"), function(b.when.get(), where + ": boost when")});
    // The process's bounds win over the scheme's (the same rule as the checks use).
    pr.min = e.priority_min ? function(e.priority_min, process + ": min") : function(s.min.get(), where + ": min");
    pr.max = e.priority_max ? function(e.priority_max, process + ": max") : function(s.max.get(), where + ": max");
    pr.overdue = function(s.overdue.get(), where + ": overdue");
    pr.age_calendar = s.age_calendar;
    p_.priorities.push_back(std::move(pr));
    return static_cast<std::int32_t>(p_.priorities.size() - 1);
  }
};

}  // namespace

std::int64_t NodeRegisters::find(FunctionRef f, const BoundExpr* node) const {
  if (f < 0 || static_cast<std::size_t>(f) >= functions.size()) return -1;
  const auto& m = functions[static_cast<std::size_t>(f)];
  auto it = m.find(node);
  return it == m.end() ? -1 : static_cast<std::int64_t>(it->second);
}

std::unique_ptr<Program> lower_program(const BoundRuleset& rs, NodeRegisters* registers) {
  auto p = std::make_unique<Program>();
  if (registers) registers->functions.clear();
  Lowerer(rs, *p, registers).run();
  return p;
}

}  // namespace iwd::compiler
