// `iwd parse --emit=program`: the rule program as text, stable for golden tests.
#include <fmt/format.h>

#include "compiler/lower/program.h"
#include "stdlib/time.h"

namespace iwd::compiler {

const char* vtag_name(VTag t) {
  static constexpr const char* kNames[] = {"bool", "int",  "number",  "string", "time",     "duration", "date",
                                           "weekday", "enum", "list", "calendar", "zone", "regex", "business_days"};
  return kNames[static_cast<int>(t)];
}

const char* input_name(Input i) {
  // `sla` is the language's (the window due - start); `sla_clause` the format-1 input.
  static constexpr const char* kNames[] = {"now", "age", "sla_clause", "due", "overdue_by", "sla", "start", "sla_calendar",
                                           "age_calendar"};
  return kNames[static_cast<int>(i)];
}

const char* op_name(Op op) {
  static constexpr const char* kNames[] = {
      "const", "const", "absent", "load_attr", "load_input", "load_skill", "load_agent", "neg", "add", "sub",
      "mul", "div", "int_to_number", "eq", "ne", "lt", "le", "gt", "ge", "and", "or", "not", "coalesce",
      "present", "select", "in_list", "in_attr_list", "in_range", "call", "share_of_sla"};
  return kNames[static_cast<int>(op)];
}

namespace {

class ProgramDumper {
 public:
  ProgramDumper(std::ostream& out, const Program& p) : out_(out), p_(p) {}

  void dump() {
    out_ << "attributes\n";
    for (std::size_t i = 0; i < p_.attributes.size(); ++i) {
      const auto& a = p_.attributes[i];
      const std::string type = a.tag == VTag::Enum ? p_.enum_names[static_cast<std::size_t>(a.enum_index)] : vtag_name(a.tag);
      out_ << fmt::format("  #{} {}: {}{}{}{}\n", i, a.name, type,
                          a.tag == VTag::List ? fmt::format("<{}>", vtag_name(a.element)) : "",
                          a.optional ? "?" : "", a.required ? " required" : "");
    }
    for (std::size_t i = 0; i < p_.calendars.size(); ++i)
      out_ << fmt::format("calendar C{} {} zone \"{}\"\n", i, p_.calendar_names[i], p_.calendars[i].zone);
    if (!p_.strings.empty()) {
      out_ << "strings\n";
      for (std::size_t i = 0; i < p_.strings.size(); ++i) out_ << fmt::format("  ${} \"{}\"\n", i, p_.strings[i]);
    }
    for (std::size_t i = 0; i < p_.lists.size(); ++i) out_ << fmt::format("list L{} {}\n", i, list(p_.lists[i]));
    for (std::size_t i = 0; i < p_.regexes.size(); ++i) out_ << fmt::format("regex R{} \"{}\"\n", i, p_.regexes[i]);
    for (std::size_t i = 0; i < p_.zones.size(); ++i) out_ << fmt::format("zone Z{} \"{}\"\n", i, p_.zones[i]);
    out_ << "functions\n";
    for (std::size_t i = 0; i < p_.functions.size(); ++i) function(i);
    out_ << "classify\n";
    for (const auto& d : p_.departments) {
      out_ << fmt::format("  department {} when {}\n", d.name, ref(d.when));
      for (auto pi : d.processes)
        out_ << fmt::format("    process {} when {}\n", p_.processes[static_cast<std::size_t>(pi)].name,
                            ref(p_.processes[static_cast<std::size_t>(pi)].when));
    }
    out_ << "  default "
         << (p_.default_process >= 0 ? p_.processes[static_cast<std::size_t>(p_.default_process)].name : "none (reject)")
         << "\n";
    out_ << "processes\n";
    for (const auto& pp : p_.processes) process(pp);
    for (const auto& c : p_.capacities) {
      std::string s = "capacity " + c.name;
      for (const auto& [media, n] : c.limits) s += fmt::format(" {} {}", media, n);
      if (c.total >= 0) s += fmt::format(" total {}", c.total);
      out_ << s << "\n";
    }
    if (!p_.report_by.empty()) {
      std::string s = "report by";
      for (auto slot : p_.report_by) s += fmt::format(" #{}", slot);
      out_ << s << "\n";
    }
    if (!p_.outcomes.empty()) {
      std::string s = "outcomes";
      for (const auto& o : p_.outcomes) s += " " + o;
      out_ << s << "\n";
    }
  }

 private:
  std::ostream& out_;
  const Program& p_;

  static std::string ref(FunctionRef f) { return f < 0 ? "-" : fmt::format("f{}", f); }

  std::string list(const Program::ConstList& l) const {
    std::string s = fmt::format("{} [", vtag_name(l.tag));
    const std::size_t n = l.tag == VTag::Number ? l.numbers.size() : l.values.size();
    for (std::size_t i = 0; i < n; ++i) {
      if (i) s += ", ";
      s += l.tag == VTag::Number ? fmt::format("{}", l.numbers[i]) : constant(l.values[i], l.tag);
    }
    return s + "]";
  }

  std::string constant(std::int64_t v, VTag tag, std::int32_t enum_index = -1) const {
    switch (tag) {
      case VTag::Enum:
        if (enum_index >= 0)
          return p_.enum_names[static_cast<std::size_t>(enum_index)] + "." +
                 p_.enums[static_cast<std::size_t>(enum_index)][static_cast<std::size_t>(v)];
        return fmt::format("{}", v);
      case VTag::Bool: return v ? "true" : "false";
      case VTag::String: return fmt::format("${} \"{}\"", v, p_.strings[static_cast<std::size_t>(v)]);
      case VTag::Time: return stdlib::format_instant(stdlib::Instant{v});
      case VTag::Duration: return stdlib::format_duration(stdlib::Duration{v});
      case VTag::Date: return stdlib::format_date(v);
      case VTag::Calendar: return fmt::format("C{}", v);
      case VTag::Zone: return fmt::format("Z{}", v);
      case VTag::Regex: return fmt::format("R{}", v);
      case VTag::BusinessDays: return fmt::format("{}bd", v);
      default: return fmt::format("{}", v);
    }
  }

  void function(std::size_t i) {
    const auto& f = p_.functions[i];
    out_ << fmt::format("  f{} {} -> r{} {}\n", i, f.name, f.result, vtag_name(f.tag));
    for (const auto& in : f.code) {
      std::string rhs;
      switch (in.op) {
        case Op::ConstI: rhs = "const " + constant(in.imm, in.tag, in.enum_index); break;
        case Op::ConstF: rhs = fmt::format("const {}", in.fimm); break;
        case Op::Absent: rhs = "absent"; break;
        case Op::LoadAttr: rhs = fmt::format("load_attr #{} {}", in.a, p_.attributes[in.a].name); break;
        case Op::LoadInput: rhs = fmt::format("load_input {}", input_name(static_cast<Input>(in.a))); break;
        case Op::ShareOfSla: rhs = fmt::format("share_of_sla {}", in.fimm); break;
        case Op::LoadSkill: rhs = fmt::format("load_skill {}", p_.skills[in.a]); break;
        case Op::LoadAgent: rhs = fmt::format("load_agent \"{}\"", p_.strings[in.a]); break;
        case Op::Neg: case Op::Not: case Op::IntToNumber: case Op::Present:
          rhs = fmt::format("{} r{}", op_name(in.op), in.a);
          break;
        case Op::Select: rhs = fmt::format("select r{} ? r{} : r{}", in.c, in.a, in.b); break;
        case Op::InList: rhs = fmt::format("in_list r{} L{}", in.a, in.b); break;
        case Op::InRange: rhs = fmt::format("in_range r{} r{}..r{}", in.a, in.b, in.c); break;
        case Op::Call: {
          rhs = fmt::format("call {}(", stdlib::function(in.builtin).name);
          for (std::size_t k = 0; k < in.args.size(); ++k) rhs += fmt::format("{}r{}", k ? ", " : "", in.args[k]);
          rhs += ")";
          break;
        }
        default: rhs = fmt::format("{} r{}, r{}", op_name(in.op), in.a, in.b); break;
      }
      out_ << fmt::format("    r{} = {} : {}\n", in.dst, rhs, vtag_name(in.tag));
    }
  }

  void process(const ProgramProcess& pp) {
    out_ << "  " << pp.name << "\n";
    auto clause = [&](const char* name, FunctionRef f) {
      if (f >= 0) out_ << fmt::format("    {} f{}\n", name, f);
    };
    if (pp.sla >= 0)
      out_ << fmt::format("    sla f{}{}{}\n", pp.sla,
                          pp.sla_calendar >= 0 ? " in " + p_.calendar_names[static_cast<std::size_t>(pp.sla_calendar)] : "",
                          p_.functions[static_cast<std::size_t>(pp.sla)].tag == VTag::BusinessDays ? " (business days)" : "");
    clause("media", pp.media);
    clause("offer timeout", pp.offer_timeout);
    clause("complete within", pp.complete_within);
    clause("expire after", pp.expire_after);
    if (pp.source_completes) out_ << "    complete by source\n";
    if (pp.priority >= 0) {
      const auto& pr = p_.priorities[static_cast<std::size_t>(pp.priority)];
      std::string s = "    priority";
      if (pr.start >= 0) s += " start " + ref(pr.start);
      for (const auto& e : pr.every)
        s += fmt::format("; every {} add {}{}{}", ref(e.period), ref(e.add), e.from >= 0 ? " from " + ref(e.from) : "",
                         e.until >= 0 ? " until " + ref(e.until) : "");
      if (!pr.curve.empty()) {
        s += "; curve";
        for (const auto& pt : pr.curve) s += fmt::format(" {}:{}", ref(pt.at), ref(pt.value));
      }
      for (const auto& b : pr.boosts) s += fmt::format("; boost {} when {}", ref(b.amount), ref(b.when));
      if (pr.min >= 0) s += "; min " + ref(pr.min);
      if (pr.max >= 0) s += "; max " + ref(pr.max);
      if (pr.overdue >= 0) s += "; overdue " + ref(pr.overdue);
      if (pr.age_calendar >= 0) s += "; age in " + p_.calendar_names[static_cast<std::size_t>(pr.age_calendar)];
      out_ << s << "\n";
    }
    static constexpr const char* kStages[] = {"agent", "group", "skill"};
    for (const auto& st : pp.stages)
      out_ << fmt::format("    stage {} {}{}\n", kStages[st.kind], ref(st.value),
                          st.duration >= 0 ? " for " + ref(st.duration) : "");
  }
};

}  // namespace

void dump_program(std::ostream& out, const Program& p) { ProgramDumper(out, p).dump(); }

}  // namespace iwd::compiler
