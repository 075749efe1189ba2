// `iwd parse --emit=bound`: the checked ruleset, one declaration per line, expressions as
// typed s-expressions. Stable: golden tests compare it.
#include <fmt/format.h>

#include "compiler/sema/bound_dump.h"
#include "stdlib/time.h"

namespace iwd::compiler {
namespace {

class BoundDumper {
 public:
  BoundDumper(std::ostream& out, const BoundRuleset& rs) : out_(out), rs_(rs) {}

  std::string expr(const BoundExpr* e) const {
    if (!e) return "-";
    const std::string type = type_name(rs_, e->type);
    switch (e->kind) {
      case BoundExprKind::Literal:
        switch (e->type.kind) {
          case TypeKind::Int: return fmt::format("{}", e->int_value);
          case TypeKind::Bool: return e->int_value ? "true" : "false";
          case TypeKind::Number: return fmt::format("{}n", e->number_value);
          case TypeKind::String: return fmt::format("\"{}\"", e->string_value);
          case TypeKind::Duration: return stdlib::format_duration(stdlib::Duration{e->int_value});
          case TypeKind::Time: return stdlib::format_instant(stdlib::Instant{e->int_value});
          case TypeKind::Date: return stdlib::format_date(e->int_value);
          case TypeKind::BusinessDays: return fmt::format("{}bd", e->int_value);
          default: return "<error>";
        }
      case BoundExprKind::Attribute: return rs_.attributes[static_cast<std::size_t>(e->index)].name + ":" + type;
      case BoundExprKind::Define: return "define " + rs_.defines[static_cast<std::size_t>(e->index)].name + ":" + type;
      case BoundExprKind::EnumValue: {
        const auto& en = rs_.enums[static_cast<std::size_t>(e->type.enum_index)];
        return en.name + "." + en.values[static_cast<std::size_t>(e->index)];
      }
      case BoundExprKind::Weekday: {
        static constexpr const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
        return kDays[e->index];
      }
      case BoundExprKind::Time: return time_name_spelling(static_cast<TimeName>(e->index));
      case BoundExprKind::Skill: return "skill " + rs_.skills[static_cast<std::size_t>(e->index)];
      case BoundExprKind::AgentAttribute: return "agent." + e->name;
      case BoundExprKind::Calendar: return "calendar " + rs_.calendars[static_cast<std::size_t>(e->index)].name;
      case BoundExprKind::ShareOfSla: return fmt::format("{}% of sla", e->number_value);
      case BoundExprKind::Absent: return "absent";
      case BoundExprKind::Widen: return fmt::format("(number {})", expr(e->children[0].get()));
      default: break;
    }
    std::string head;
    switch (e->kind) {
      case BoundExprKind::Call: head = std::string(stdlib::function(e->builtin).name); break;
      case BoundExprKind::Unary:
      case BoundExprKind::Binary: head = bound_op_spelling(e->op); break;
      case BoundExprKind::In: head = e->negated ? "not in" : "in"; break;
      case BoundExprKind::List: head = "list"; break;
      case BoundExprKind::If: head = "if"; break;
      default: head = "?"; break;
    }
    std::string s = "(" + head;
    for (const auto& c : e->children) s += " " + expr(c.get());
    return s + "):" + type;
  }

  void dump() {
    out_ << fmt::format("Ruleset {} version \"{}\" timezone \"{}\"\n", rs_.name.empty() ? "-" : rs_.name, rs_.version,
                        rs_.timezone);
    for (const auto& e : rs_.enums) {
      out_ << "Enum " << e.name << " {";
      for (std::size_t i = 0; i < e.values.size(); ++i) out_ << (i ? ", " : " ") << e.values[i];
      out_ << " }\n";
    }
    for (std::size_t i = 0; i < rs_.attributes.size(); ++i) {
      const auto& a = rs_.attributes[i];
      out_ << fmt::format("Attribute #{} {}: {}{}{}{}\n", i, a.name, type_name(rs_, a.type),
                          a.default_value ? " = " + expr(a.default_value.get()) : "", a.core ? " (core)" : "",
                          a.required ? " (required)" : "");
    }
    for (std::size_t i = 0; i < rs_.skills.size(); ++i) out_ << fmt::format("Skill #{} {}\n", i, rs_.skills[i]);
    if (!rs_.report_by.empty()) {
      out_ << "ReportBy";
      for (std::size_t i = 0; i < rs_.report_by.size(); ++i)
        out_ << (i ? ", #" : " #") << rs_.report_by[i] << " "
             << rs_.attributes[static_cast<std::size_t>(rs_.report_by[i])].name;
      out_ << "\n";
    }
    if (!rs_.outcomes.empty()) {
      out_ << "Outcomes {";
      for (std::size_t i = 0; i < rs_.outcomes.size(); ++i) out_ << (i ? ", " : " ") << rs_.outcomes[i];
      out_ << " }\n";
    }
    for (auto i : rs_.define_order) {
      const auto& d = rs_.defines[static_cast<std::size_t>(i)];
      out_ << fmt::format("Define #{} {} = {}\n", i, d.name, expr(d.value.get()));
    }
    for (const auto& c : rs_.calendars) calendar(c);
    for (const auto& p : rs_.priorities) priority(p);
    for (const auto& t : rs_.targets) {
      out_ << "Targets " << t.name << "\n";
      static constexpr const char* kKinds[] = {"agent", "group", "skill"};
      for (const auto& s : t.stages)
        out_ << fmt::format("  {} {}{}\n", kKinds[static_cast<int>(s.kind)], expr(s.expr.get()),
                            s.duration ? " for " + expr(s.duration.get()) : "");
    }
    for (const auto& c : rs_.capacities) {
      out_ << "Capacity " << c.name;
      for (const auto& [media, n] : c.limits) out_ << " " << media << "=" << n;
      out_ << "\n";
    }
    for (const auto& d : rs_.departments) {
      out_ << "Department " << d.name << " when " << expr(d.when.get()) << "\n";
      for (auto pi : d.processes) process(rs_.processes[static_cast<std::size_t>(pi)], "  ");
    }
    if (rs_.default_process >= 0) process(rs_.processes[static_cast<std::size_t>(rs_.default_process)], "Default ");
    for (const auto& t : rs_.tests) {
      out_ << fmt::format("Test \"{}\"", t.title);
      if (t.at) out_ << " at " << expr(t.at.get());
      out_ << "\n";
      for (const auto& [attr, v] : t.given)
        out_ << fmt::format("  given {} = {}\n", rs_.attributes[static_cast<std::size_t>(attr)].name, expr(v.get()));
      for (const auto& x : t.expects) {
        switch (x.kind) {
          case BoundExpectKind::Process:
            out_ << "  expect process " << rs_.processes[static_cast<std::size_t>(x.process)].name << "\n";
            break;
          case BoundExpectKind::Rejected: out_ << fmt::format("  expect rejected \"{}\"\n", x.text); break;
          case BoundExpectKind::Due: out_ << "  expect due " << expr(x.value.get()) << "\n"; break;
          case BoundExpectKind::Priority:
            out_ << "  expect priority " << expr(x.value.get()) << " at " << expr(x.age.get()) << "\n";
            break;
          case BoundExpectKind::Eligible: {
            out_ << "  expect " << (x.negated ? "not " : "") << "eligible {";
            for (const auto& [skill, level] : x.skills)
              out_ << fmt::format(" {}: {}", rs_.skills[static_cast<std::size_t>(skill)], level);
            out_ << " } at " << expr(x.age.get()) << "\n";
            break;
          }
        }
      }
    }
  }

 private:
  std::ostream& out_;
  const BoundRuleset& rs_;

  static std::string hours(const DayHours& h) {
    std::string s;
    for (const auto& [from, to] : h)
      s += fmt::format(" {}-{}", stdlib::format_time_of_day(from), stdlib::format_time_of_day(to));
    return s.empty() ? " closed" : s;
  }

  void calendar(const BoundCalendar& c) {
    static constexpr const char* kDays[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    out_ << fmt::format("Calendar {} zone \"{}\"\n", c.name, c.zone);
    for (std::size_t d = 0; d < 7; ++d) out_ << "  " << kDays[d] << hours(c.weekly[d]) << "\n";
    for (auto day : c.closed_days) out_ << "  closed " << stdlib::format_date(day) << "\n";
    for (const auto& [m, d] : c.closed_yearly) out_ << fmt::format("  closed every {:02}-{:02}\n", m, d);
    for (const auto& [day, h] : c.special_days) out_ << "  " << stdlib::format_date(day) << hours(h) << "\n";
  }

  void priority(const BoundPriority& p) {
    out_ << "Priority " << p.name << "\n";
    if (p.start) out_ << "  start " << expr(p.start.get()) << "\n";
    for (const auto& e : p.every)
      out_ << fmt::format("  every {} add {}{}{}\n", expr(e.period.get()), expr(e.add.get()),
                          e.from ? " from " + expr(e.from.get()) : "", e.until ? " until " + expr(e.until.get()) : "");
    if (!p.curve.empty()) {
      out_ << "  curve";
      for (const auto& pt : p.curve) out_ << " " << expr(pt.at.get()) << ":" << expr(pt.value.get());
      out_ << "\n";
    }
    for (const auto& b : p.boosts) out_ << "  boost " << expr(b.amount.get()) << " when " << expr(b.when.get()) << "\n";
    if (p.min) out_ << "  min " << expr(p.min.get()) << "\n";
    if (p.max) out_ << "  max " << expr(p.max.get()) << "\n";
    if (p.overdue) out_ << "  overdue " << expr(p.overdue.get()) << "\n";
    if (p.age_calendar >= 0) out_ << "  age in " << rs_.calendars[static_cast<std::size_t>(p.age_calendar)].name << "\n";
  }

  void process(const BoundProcess& p, const char* prefix) {
    const EffectiveClauses e = rs_.effective(p);
    out_ << prefix << "Process " << p.name << " when " << expr(p.when.get()) << "\n";
    std::string indent = std::string(prefix) == "  " ? "    " : "  ";
    if (e.sla)
      out_ << indent << "sla " << expr(e.sla) << (e.sla_calendar >= 0 ? " in " + rs_.calendars[static_cast<std::size_t>(e.sla_calendar)].name : "")
           << "\n";
    if (e.priority >= 0)
      out_ << indent << "priority " << rs_.priorities[static_cast<std::size_t>(e.priority)].name
           << (e.priority_min ? " min " + expr(e.priority_min) : "") << (e.priority_max ? " max " + expr(e.priority_max) : "")
           << "\n";
    if (e.targets >= 0) out_ << indent << "targets " << rs_.targets[static_cast<std::size_t>(e.targets)].name << "\n";
    if (e.media) out_ << indent << "media " << expr(e.media) << "\n";
    if (e.offer_timeout) out_ << indent << "offer timeout " << expr(e.offer_timeout) << "\n";
    if (e.complete_within) out_ << indent << "complete within " << expr(e.complete_within) << "\n";
    if (e.expire_after) out_ << indent << "expire after " << expr(e.expire_after) << "\n";
    if (e.source_completes) out_ << indent << "complete by source\n";
  }
};

}  // namespace

void dump_bound(std::ostream& out, const BoundRuleset& rs) { BoundDumper(out, rs).dump(); }

std::string bound_expr_text(const BoundRuleset& rs, const BoundExpr* e) {
  std::ostringstream unused;
  return BoundDumper(unused, rs).expr(e);
}

}  // namespace iwd::compiler
