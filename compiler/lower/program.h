// The rule program (stage: lower): what the runtime evaluates, as straight-line typed
// functions plus a fixed decision structure that refers to them. Every `when`, define, clause
// value, priority piece and stage expression becomes one ProgramFunction: a flat list of
// three-address instructions over virtual registers, in evaluation order, with no control
// flow (conditional values are selects; nothing has side effects). The reference interpreter
// runs these lists; the JIT turns each into one LLVM function. The decision structure
// (departments in order, processes in order, the default process; priority schemes; target
// stages) is fixed code in both, driven by the tables below.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "stdlib/calendar.h"
#include "stdlib/functions.h"

namespace iwd::compiler {

// Machine type of a register. I64 carries int, time (ms since epoch), duration (ms), date
// (days since epoch), weekday (0 = mon), enum (value index), string (interned id), list
// (a handle) and calendar (an index); Bool is 0/1.
enum class VType : std::uint8_t { Bool, I64, F64 };
// What an I64 (or F64) means, for printing and for calls.
// A String is a string constant's index in Program::strings when it comes from ConstI, and an
// interned id at run time (the loader maps constants to ids once); a Zone is an index into
// Program::zones, a Calendar into Program::calendars, a Regex into Program::regexes.
// BusinessDays: a count of a calendar's open days (`5bd`): the value of a process's `sla` in
// business days (its due instant: BusinessCalendar::add_business_days), or add_business's
// count (program format 3).
enum class VTag : std::uint8_t { Bool, Int, Number, String, Time, Duration, Date, Weekday, Enum, List, Calendar, Zone, Regex, BusinessDays };
const char* vtag_name(VTag t);

// Values a function reads besides the item: the instant of classification, and for priority
// schemes and target stages the item's age, its SLA and due instant, and how long overdue.
// `Sla` is the process's SLA clause as written (programs of format 1); `Window` is the SLA of
// LANGUAGE.md 1.1: the due instant minus the start in elapsed time, absent without a due
// instant. `Start` and the calendars serve ShareOfSla (they are not names of the language).
enum class Input : std::uint8_t { Now, Age, Sla, Due, OverdueBy, Window, Start, SlaCalendar, AgeCalendar };
inline constexpr std::size_t kInputCount = 9;
const char* input_name(Input i);

enum class Op : std::uint8_t {
  ConstI,      // dst = imm (present)
  ConstF,      // dst = fimm (present)
  Absent,      // dst = absent
  LoadAttr,    // dst = item attribute `a` (absent when the item has none)
  LoadInput,   // dst = input `a` (an Input)
  LoadSkill,   // dst = the agent's level in skill `a` (absent when the agent has none)
  LoadAgent,   // dst = agent attribute `a` (a string constant index: its name), string?
  Neg,         // dst = -a
  Add, Sub, Mul, Div,  // dst = a op b, absent if either is; `type` is the result's. Operand types
                       // are the registers' (ProgramFunction::reg_types): a Duration times or
                       // divided by an F64 is rounded to the millisecond
  IntToNumber,         // dst = (double) a
  Eq, Ne, Lt, Le, Gt, Ge,  // dst = a cmp b, compared as `type` (absent if either is)
  And, Or, Not,            // three-valued logic (SQL)
  Coalesce,    // dst = a if present, else b
  Present,     // dst = is a present (never absent)
  Select,      // dst = c ? a : b; an absent c does not hold: b (docs/language.md)
  InList,      // dst = a in constant list `b` (index into Program::lists)
  InAttrList,  // dst = a in the list value b
  InRange,     // dst = b <= a <= c
  Call,        // dst = builtin(args...)
  ShareOfSla,  // dst = the age at which `fimm` (0.75 for 75%) of the item's SLA clock has run
               // (LANGUAGE.md 1.1 section 5; docs/language.md): absent without a due instant
};
const char* op_name(Op op);

struct Instr {
  Op op = Op::ConstI;
  VType type = VType::I64;  // the result's machine type (for compares: the operands')
  VTag tag = VTag::Int;     // the result's meaning
  std::uint32_t dst = 0, a = 0, b = 0, c = 0;
  std::int64_t imm = 0;
  double fimm = 0;
  std::int32_t enum_index = -1;                    // Enum results: which enum
  stdlib::Builtin builtin = stdlib::Builtin::Has;  // Call
  std::vector<std::uint32_t> args;                 // Call
};

struct ProgramFunction {
  std::string name;  // e.g. "dept Sales: when", "Sales.Gold: sla"
  std::vector<Instr> code;
  std::vector<VType> reg_types;  // per register
  std::uint32_t result = 0;  // the register holding the value
  VType type = VType::Bool;
  VTag tag = VTag::Bool;
};

// -1: none (a `when` that always holds, a clause not given).
using FunctionRef = std::int32_t;

struct ProgramStage {
  enum Kind : std::uint8_t { Agent, Group, Skill } kind = Skill;
  FunctionRef value = -1;     // Agent: string? id; Group: string; Skill: bool over the agent
  FunctionRef duration = -1;  // -1: never expires
  // `for N% of sla`: the share (0.1 for 10%), else -1. Consecutive shares add up on the SLA
  // clock: after `for 10% of sla` and `for 20% of sla` the next stage opens when 30% of the
  // clock has run (docs/language.md, "The SLA clock").
  double share = -1;
};

struct ProgramPriority {
  FunctionRef start = -1;
  struct Every { FunctionRef period = -1, add = -1, from = -1, until = -1; };
  std::vector<Every> every;
  struct Point { FunctionRef at = -1, value = -1; };
  std::vector<Point> curve;
  struct Boost { FunctionRef amount = -1, when = -1; };
  std::vector<Boost> boosts;
  FunctionRef min = -1, max = -1, overdue = -1;  // the process's effective bounds
  std::int32_t age_calendar = -1;
};

struct ProgramProcess {
  std::string name;  // "Sales.Gold"
  std::int32_t department = -1;
  FunctionRef when = -1;
  FunctionRef sla = -1;  // a duration, or business days (its function's tag is VTag::BusinessDays)
  std::int32_t sla_calendar = -1;
  FunctionRef media = -1, offer_timeout = -1, complete_within = -1, expire_after = -1;
  std::int32_t priority = -1;  // into Program::priorities (one per process: bounds differ)
  std::vector<ProgramStage> stages;
  bool source_completes = false;  // `complete by source`: an agent cannot mark its items done (format 4)
};

struct ProgramDepartment {
  std::string name;
  FunctionRef when = -1;
  std::vector<std::int32_t> processes;  // in order
};

struct ProgramAttribute {
  std::string name;
  VType type = VType::I64;
  VTag tag = VTag::Int;
  VTag element = VTag::Int;  // lists
  bool optional = false, required = false;
  std::int32_t enum_index = -1;
};

// `capacity NAME { MEDIA N, ..., total N }`.
struct ProgramCapacity {
  std::string name;
  std::vector<std::pair<std::string, std::int64_t>> limits;  // media -> count, in source order
  std::int64_t total = -1;                                   // -1: no total
};

struct Program {
  std::string name, version;                         // `ruleset NAME version "V"`
  std::string timezone = "UTC";                      // for time functions given no zone
  std::vector<ProgramAttribute> attributes;          // the item record's slots, in order
  std::vector<std::string> enum_names;
  std::vector<std::vector<std::string>> enums;       // value names per enum
  std::vector<std::string> skills;
  std::vector<std::string> strings;                  // string constants (interned at load)
  struct ConstList {
    VTag tag = VTag::Int;
    std::vector<std::int64_t> values;  // I64 elements (strings: constant indexes)
    std::vector<double> numbers;       // F64 elements
  };
  std::vector<ConstList> lists;                      // constant lists of `in`
  std::vector<std::string> regexes;                  // `matches` patterns, by constant index
  std::vector<std::string> zones;                    // zone constants (time functions)
  std::vector<stdlib::CalendarSpec> calendars;
  std::vector<std::string> calendar_names;
  std::vector<ProgramFunction> functions;
  std::vector<ProgramDepartment> departments;
  std::vector<ProgramProcess> processes;             // department order, the default last
  std::int32_t default_process = -1;
  std::vector<ProgramPriority> priorities;
  std::vector<ProgramCapacity> capacities;
  std::vector<std::int32_t> report_by;               // `report by`: attribute slots, in order
  std::vector<std::string> outcomes;                 // `outcomes { }`, in order
};

// `iwd parse --emit=program`: a stable text form.
void dump_program(std::ostream& out, const Program& p);

}  // namespace iwd::compiler
