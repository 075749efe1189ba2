// Program <-> CBOR. Each struct is an array of its fields in declaration order (compact and
// quick to read); the whole is {"format": "iwd-program", "version": N, "program": [...]}.
#include "compiler/lower/program_io.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <re2/re2.h>

#include "stdlib/functions.h"
#include "stdlib/tz.h"

namespace iwd::compiler {
namespace {

using json = nlohmann::json;

template <typename E>
std::uint8_t u8(E e) { return static_cast<std::uint8_t>(e); }

json to(const Instr& in) {
  return json::array({u8(in.op), u8(in.type), u8(in.tag), in.dst, in.a, in.b, in.c, in.imm, in.fimm, in.enum_index,
                      u8(in.builtin), in.args});
}
json to(const ProgramFunction& f) {
  json code = json::array();
  for (const auto& in : f.code) code.push_back(to(in));
  std::vector<std::uint8_t> regs;
  for (auto t : f.reg_types) regs.push_back(u8(t));
  return json::array({f.name, code, regs, f.result, u8(f.type), u8(f.tag)});
}
json to(const stdlib::CalendarSpec& c) {
  json weekly = json::array();
  for (const auto& day : c.weekly) weekly.push_back(day);
  json special = json::array();
  for (const auto& [date, ranges] : c.special_days) special.push_back(json::array({date, ranges}));
  return json::array({c.zone, weekly, c.closed_days, c.closed_yearly, special});
}
json to(const ProgramProcess& p) {
  json stages = json::array();
  for (const auto& s : p.stages) stages.push_back(json::array({u8(s.kind), s.value, s.duration, s.share}));
  return json::array({p.name, p.department, p.when, p.sla, p.sla_calendar, p.media, p.offer_timeout, p.complete_within,
                      p.expire_after, p.priority, stages, p.source_completes});
}
json to(const ProgramPriority& s) {
  json every = json::array(), curve = json::array(), boosts = json::array();
  for (const auto& e : s.every) every.push_back(json::array({e.period, e.add, e.from, e.until}));
  for (const auto& pt : s.curve) curve.push_back(json::array({pt.at, pt.value}));
  for (const auto& b : s.boosts) boosts.push_back(json::array({b.amount, b.when}));
  return json::array({s.start, every, curve, boosts, s.min, s.max, s.overdue, s.age_calendar});
}

json to(const Program& p) {
  json attrs = json::array();
  for (const auto& a : p.attributes)
    attrs.push_back(json::array({a.name, u8(a.type), u8(a.tag), u8(a.element), a.optional, a.required, a.enum_index}));
  json lists = json::array();
  for (const auto& l : p.lists) lists.push_back(json::array({u8(l.tag), l.values, l.numbers}));
  json cals = json::array();
  for (const auto& c : p.calendars) cals.push_back(to(c));
  json fns = json::array();
  for (const auto& f : p.functions) fns.push_back(to(f));
  json depts = json::array();
  for (const auto& d : p.departments) depts.push_back(json::array({d.name, d.when, d.processes}));
  json procs = json::array();
  for (const auto& pp : p.processes) procs.push_back(to(pp));
  json prios = json::array();
  for (const auto& s : p.priorities) prios.push_back(to(s));
  json caps = json::array();
  for (const auto& c : p.capacities) caps.push_back(json::array({c.name, c.limits, c.total}));
  // `report by` and `outcomes` (LANGUAGE.md 1.1 section 11) come last, and only when declared,
  // so a program without them reads as before.
  json out = json::array({p.name, p.version, p.timezone, attrs, p.enum_names, p.enums, p.skills, p.strings, lists,
                          p.regexes, p.zones, cals, p.calendar_names, fns, depts, procs, p.default_process, prios, caps});
  if (!p.report_by.empty() || !p.outcomes.empty()) {
    out.push_back(p.report_by);
    out.push_back(p.outcomes);
  }
  return out;
}

// Reading: `at(j, i)` throws json errors on a wrong shape; deserialize_program turns them into
// one message.
template <typename E>
E enum_of(const json& j, unsigned limit, const char* what) {
  const auto v = j.get<unsigned>();
  if (v > limit) throw std::out_of_range(fmt::format("{} {} is out of range", what, v));
  return static_cast<E>(v);
}
constexpr unsigned kLastOp = static_cast<unsigned>(Op::ShareOfSla);
// Format 3 added VTag::BusinessDays; formats 1 and 2 cannot hold it (the check below refuses it there).
constexpr unsigned kLastTag = static_cast<unsigned>(VTag::BusinessDays);
constexpr unsigned kLastBuiltin = static_cast<unsigned>(stdlib::Builtin::Has);

Instr instr_of(const json& j) {
  Instr in;
  in.op = enum_of<Op>(j.at(0), kLastOp, "operation");
  in.type = enum_of<VType>(j.at(1), 2, "machine type");
  in.tag = enum_of<VTag>(j.at(2), kLastTag, "value tag");
  in.dst = j.at(3).get<std::uint32_t>();
  in.a = j.at(4).get<std::uint32_t>();
  in.b = j.at(5).get<std::uint32_t>();
  in.c = j.at(6).get<std::uint32_t>();
  in.imm = j.at(7).get<std::int64_t>();
  in.fimm = j.at(8).get<double>();
  in.enum_index = j.at(9).get<std::int32_t>();
  in.builtin = enum_of<stdlib::Builtin>(j.at(10), kLastBuiltin, "built-in");
  in.args = j.at(11).get<std::vector<std::uint32_t>>();
  return in;
}
ProgramFunction function_of(const json& j) {
  ProgramFunction f;
  f.name = j.at(0).get<std::string>();
  for (const auto& in : j.at(1)) f.code.push_back(instr_of(in));
  for (const auto& t : j.at(2)) f.reg_types.push_back(enum_of<VType>(t, 2, "machine type"));
  f.result = j.at(3).get<std::uint32_t>();
  f.type = enum_of<VType>(j.at(4), 2, "machine type");
  f.tag = enum_of<VTag>(j.at(5), kLastTag, "value tag");
  return f;
}
stdlib::CalendarSpec calendar_of(const json& j) {
  stdlib::CalendarSpec c;
  c.zone = j.at(0).get<std::string>();
  const json& weekly = j.at(1);
  if (weekly.size() != 7) throw std::out_of_range("a calendar's week has 7 days");
  for (std::size_t d = 0; d < 7; ++d) c.weekly[d] = weekly.at(d).get<std::vector<std::pair<int, int>>>();
  c.closed_days = j.at(2).get<std::vector<std::int64_t>>();
  c.closed_yearly = j.at(3).get<std::vector<std::pair<int, int>>>();
  for (const auto& s : j.at(4)) c.special_days[s.at(0).get<std::int64_t>()] = s.at(1).get<std::vector<std::pair<int, int>>>();
  return c;
}
ProgramProcess process_of(const json& j) {
  ProgramProcess p;
  p.name = j.at(0).get<std::string>();
  p.department = j.at(1).get<std::int32_t>();
  p.when = j.at(2).get<FunctionRef>();
  p.sla = j.at(3).get<FunctionRef>();
  p.sla_calendar = j.at(4).get<std::int32_t>();
  p.media = j.at(5).get<FunctionRef>();
  p.offer_timeout = j.at(6).get<FunctionRef>();
  p.complete_within = j.at(7).get<FunctionRef>();
  p.expire_after = j.at(8).get<FunctionRef>();
  p.priority = j.at(9).get<std::int32_t>();
  for (const auto& s : j.at(10))
    p.stages.push_back(ProgramStage{enum_of<ProgramStage::Kind>(s.at(0), 2, "stage kind"), s.at(1).get<FunctionRef>(),
                                    s.at(2).get<FunctionRef>(), s.size() > 3 ? s.at(3).get<double>() : -1.0});
  if (j.size() > 11) p.source_completes = j.at(11).get<bool>();  // format 4
  return p;
}
ProgramPriority priority_of(const json& j) {
  ProgramPriority s;
  s.start = j.at(0).get<FunctionRef>();
  for (const auto& e : j.at(1))
    s.every.push_back({e.at(0).get<FunctionRef>(), e.at(1).get<FunctionRef>(), e.at(2).get<FunctionRef>(), e.at(3).get<FunctionRef>()});
  for (const auto& pt : j.at(2)) s.curve.push_back({pt.at(0).get<FunctionRef>(), pt.at(1).get<FunctionRef>()});
  for (const auto& b : j.at(3)) s.boosts.push_back({b.at(0).get<FunctionRef>(), b.at(1).get<FunctionRef>()});
  s.min = j.at(4).get<FunctionRef>();
  s.max = j.at(5).get<FunctionRef>();
  s.overdue = j.at(6).get<FunctionRef>();
  s.age_calendar = j.at(7).get<std::int32_t>();
  return s;
}

void program_of(const json& j, Program& p) {
  p.name = j.at(0).get<std::string>();
  p.version = j.at(1).get<std::string>();
  p.timezone = j.at(2).get<std::string>();
  for (const auto& a : j.at(3))
    p.attributes.push_back(ProgramAttribute{a.at(0).get<std::string>(), enum_of<VType>(a.at(1), 2, "machine type"),
                                            enum_of<VTag>(a.at(2), kLastTag, "value tag"),
                                            enum_of<VTag>(a.at(3), kLastTag, "value tag"), a.at(4).get<bool>(),
                                            a.at(5).get<bool>(), a.at(6).get<std::int32_t>()});
  p.enum_names = j.at(4).get<std::vector<std::string>>();
  p.enums = j.at(5).get<std::vector<std::vector<std::string>>>();
  p.skills = j.at(6).get<std::vector<std::string>>();
  p.strings = j.at(7).get<std::vector<std::string>>();
  for (const auto& l : j.at(8))
    p.lists.push_back(Program::ConstList{enum_of<VTag>(l.at(0), kLastTag, "value tag"), l.at(1).get<std::vector<std::int64_t>>(),
                                         l.at(2).get<std::vector<double>>()});
  p.regexes = j.at(9).get<std::vector<std::string>>();
  p.zones = j.at(10).get<std::vector<std::string>>();
  for (const auto& c : j.at(11)) p.calendars.push_back(calendar_of(c));
  p.calendar_names = j.at(12).get<std::vector<std::string>>();
  for (const auto& f : j.at(13)) p.functions.push_back(function_of(f));
  for (const auto& d : j.at(14))
    p.departments.push_back(ProgramDepartment{d.at(0).get<std::string>(), d.at(1).get<FunctionRef>(),
                                              d.at(2).get<std::vector<std::int32_t>>()});
  for (const auto& pp : j.at(15)) p.processes.push_back(process_of(pp));
  p.default_process = j.at(16).get<std::int32_t>();
  for (const auto& s : j.at(17)) p.priorities.push_back(priority_of(s));
  for (const auto& c : j.at(18))
    p.capacities.push_back(ProgramCapacity{c.at(0).get<std::string>(),
                                           c.at(1).get<std::vector<std::pair<std::string, std::int64_t>>>(),
                                           c.at(2).get<std::int64_t>()});
  if (j.size() > 19) {
    p.report_by = j.at(19).get<std::vector<std::int32_t>>();
    p.outcomes = j.at(20).get<std::vector<std::string>>();
  }
}

}  // namespace

std::string serialize_program(const Program& p) {
  const json doc = {{"format", "iwd-program"}, {"version", kProgramFormatVersion}, {"program", to(p)}};
  const auto bytes = json::to_cbor(doc);
  return std::string(bytes.begin(), bytes.end());
}

bool deserialize_program(std::string_view bytes, Program* out, std::string* error) {
  json doc;
  try {
    // allow_exceptions=false is not enough: a container header announcing more elements than
    // can exist still throws (nlohmann 3.11's "excessive object size"); found by fuzzing.
    doc = json::from_cbor(bytes.begin(), bytes.end(), /*strict=*/true, /*allow_exceptions=*/false);
  } catch (const std::exception&) {
    doc = json(json::value_t::discarded);
  }
  if (doc.is_discarded() || !doc.is_object()) {
    *error = "the rule program is not valid CBOR";
    return false;
  }
  // Read without json::value(), which throws when a field has another type (found by fuzzing).
  const auto format = doc.find("format");
  if (format == doc.end() || !format->is_string() || format->get<std::string>() != "iwd-program") {
    *error = "the rule program has no `iwd-program` format tag";
    return false;
  }
  const auto version = doc.find("version");
  const long long v = version != doc.end() && version->is_number_integer() ? version->get<long long>() : -1;
  // Format 1 (before LANGUAGE.md 1.1) reads as it is: its shares of the SLA are shares of the
  // SLA clause (Input::Sla), as they ran when it was stored.
  if (v != kProgramFormatVersion && v != 1 && v != 2 && v != 3) {
    *error = fmt::format("the rule program has format version {}; this iwd reads version {}", v, kProgramFormatVersion);
    return false;
  }
  Program p;
  try {
    program_of(doc.at("program"), p);
  } catch (const std::exception& e) {
    *error = fmt::format("the rule program is malformed: {}", e.what());
    return false;
  }
  if (v < 4)  // `complete by source` came with format 4
    for (const auto& pp : p.processes)
      if (pp.source_completes) {
        *error = fmt::format("the rule program is malformed: `complete by source` in a program of format {}", v);
        return false;
      }
  if (v < 3)  // business days came with format 3
    for (const auto& f : p.functions)
      for (const auto& in : f.code)
        if (in.tag == VTag::BusinessDays) {
          *error = fmt::format("the rule program is malformed: business days in a program of format {}", v);
          return false;
        }
  if (auto problem = validate_program(p); !problem.empty()) {
    *error = "the rule program is inconsistent: " + problem;
    return false;
  }
  *out = std::move(p);
  return true;
}

namespace {

class Validator {
 public:
  explicit Validator(const Program& p) : p_(p) {}

  std::string run() {
    for (const auto& a : p_.attributes)
      if ((a.tag == VTag::Enum || (a.tag == VTag::List && a.element == VTag::Enum)) && !index_ok(a.enum_index, p_.enums.size()))
        return fmt::format("attribute `{}` names enum {}", a.name, a.enum_index);
    if (p_.enum_names.size() != p_.enums.size()) return "enum names and values differ in number";
    if (p_.calendar_names.size() != p_.calendars.size()) return "calendar names and calendars differ in number";
    for (std::size_t i = 0; i < p_.calendars.size(); ++i)
      if (auto c = stdlib::BusinessCalendar::make(p_.calendars[i]); !c.ok())
        return fmt::format("calendar `{}`: {}", p_.calendar_names[i], c.error);
    for (const auto& z : p_.zones)
      if (!stdlib::TimeZone::find(z)) return fmt::format("unknown time zone \"{}\"", z);
    if (!stdlib::TimeZone::find(p_.timezone)) return fmt::format("unknown time zone \"{}\"", p_.timezone);
    for (const auto& re : p_.regexes) {
      RE2::Options opts;
      opts.set_log_errors(false);
      if (!RE2(re, opts).ok()) return fmt::format("invalid pattern \"{}\"", re);
    }
    for (const auto& l : p_.lists)
      if (l.tag == VTag::String)
        for (auto v : l.values)
          if (!index_ok(v, p_.strings.size())) return "a constant list names a missing string";
    for (std::size_t i = 0; i < p_.functions.size(); ++i)
      if (auto e = function(p_.functions[i]); !e.empty()) return fmt::format("function {} ({}): {}", i, p_.functions[i].name, e);
    for (const auto& d : p_.departments) {
      if (!ref_ok(d.when)) return fmt::format("department `{}` refers to a missing function", d.name);
      for (auto pi : d.processes)
        if (!index_ok(pi, p_.processes.size())) return fmt::format("department `{}` lists a missing process", d.name);
    }
    for (const auto& pp : p_.processes)
      if (auto e = process(pp); !e.empty()) return fmt::format("process `{}`: {}", pp.name, e);
    if (p_.default_process != -1 && !index_ok(p_.default_process, p_.processes.size())) return "the default process is missing";
    for (const auto& s : p_.priorities)
      if (auto e = priority(s); !e.empty()) return "priority scheme: " + e;
    for (auto slot : p_.report_by)
      if (!index_ok(slot, p_.attributes.size())) return "`report by` names a missing attribute";
    return {};
  }

 private:
  const Program& p_;

  static bool index_ok(std::int64_t i, std::size_t n) { return i >= 0 && static_cast<std::uint64_t>(i) < n; }
  bool ref_ok(FunctionRef f) const { return f == -1 || index_ok(f, p_.functions.size()); }

  std::string function(const ProgramFunction& f) const {
    const std::size_t regs = f.reg_types.size();
    if (!index_ok(f.result, regs)) return "its result register is missing";
    for (std::size_t k = 0; k < f.code.size(); ++k) {
      const Instr& in = f.code[k];
      if (!index_ok(in.dst, regs)) return fmt::format("instruction {} writes a missing register", k);
      auto reg = [&](std::uint32_t r) { return index_ok(r, regs); };
      bool ok = true;
      switch (in.op) {
        case Op::ConstI:
          if (in.tag == VTag::String) ok = index_ok(in.imm, p_.strings.size());
          else if (in.tag == VTag::Calendar) ok = index_ok(in.imm, p_.calendars.size());
          else if (in.tag == VTag::Zone) ok = index_ok(in.imm, p_.zones.size());
          else if (in.tag == VTag::Regex) ok = index_ok(in.imm, p_.regexes.size());
          else if (in.tag == VTag::Enum) ok = index_ok(in.enum_index, p_.enums.size());
          break;
        case Op::ConstF: case Op::Absent: break;
        case Op::LoadAttr: ok = index_ok(in.a, p_.attributes.size()); break;
        case Op::LoadInput: ok = in.a <= static_cast<std::uint32_t>(Input::Window); break;
        case Op::ShareOfSla: ok = in.fimm >= 0 && in.fimm <= 1e6; break;
        case Op::LoadSkill: ok = index_ok(in.a, p_.skills.size()); break;
        case Op::LoadAgent: ok = index_ok(in.a, p_.strings.size()); break;
        case Op::Neg: case Op::Not: case Op::IntToNumber: case Op::Present: ok = reg(in.a); break;
        case Op::InList: ok = reg(in.a) && index_ok(in.b, p_.lists.size()); break;
        case Op::Select: case Op::InRange: ok = reg(in.a) && reg(in.b) && reg(in.c); break;
        case Op::Call: {
          ok = stdlib::function(in.builtin).accepts_arity(in.args.size());
          for (auto r : in.args) ok = ok && reg(r);
          break;
        }
        default: ok = reg(in.a) && reg(in.b); break;  // binary operations
      }
      if (!ok) return fmt::format("instruction {} ({}) has an operand out of range", k, op_name(in.op));
    }
    return {};
  }

  std::string process(const ProgramProcess& pp) const {
    for (auto f : {pp.when, pp.sla, pp.media, pp.offer_timeout, pp.complete_within, pp.expire_after})
      if (!ref_ok(f)) return "a clause refers to a missing function";
    if (pp.department != -1 && !index_ok(pp.department, p_.departments.size())) return "its department is missing";
    if (pp.sla_calendar != -1 && !index_ok(pp.sla_calendar, p_.calendars.size())) return "its SLA calendar is missing";
    if (pp.sla >= 0 && p_.functions[static_cast<std::size_t>(pp.sla)].tag == VTag::BusinessDays && pp.sla_calendar < 0)
      return "its SLA in business days has no calendar";
    if (pp.priority != -1 && !index_ok(pp.priority, p_.priorities.size())) return "its priority scheme is missing";
    for (const auto& s : pp.stages)
      if (!ref_ok(s.value) || !ref_ok(s.duration)) return "a target stage refers to a missing function";
    return {};
  }

  std::string priority(const ProgramPriority& s) const {
    std::vector<FunctionRef> refs = {s.start, s.min, s.max, s.overdue};
    for (const auto& e : s.every) refs.insert(refs.end(), {e.period, e.add, e.from, e.until});
    for (const auto& pt : s.curve) refs.insert(refs.end(), {pt.at, pt.value});
    for (const auto& b : s.boosts) refs.insert(refs.end(), {b.amount, b.when});
    for (auto f : refs)
      if (!ref_ok(f)) return "it refers to a missing function";
    if (s.age_calendar != -1 && !index_ok(s.age_calendar, p_.calendars.size())) return "its age calendar is missing";
    return {};
  }
};

}  // namespace

std::string validate_program(const Program& p) { return Validator(p).run(); }

}  // namespace iwd::compiler
