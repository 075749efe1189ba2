// The checked ruleset (stage: bound): every name resolved to an index, every expression
// typed, department defaults and decision tables turned into processes. This is what the
// lints read and what lowering turns into a flat rule program. No syntax node is needed
// past this point; ranges point back into the source for diagnostics and explanations.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "compiler/sema/sema_type.h"
#include "compiler/source/source.h"
#include "stdlib/functions.h"

namespace iwd::compiler {

enum class TimeName : std::uint8_t { Now, Age, Sla, Due, OverdueBy };
const char* time_name_spelling(TimeName t);  // "now", "age", ...

enum class BoundOp : std::uint8_t {
  // unary
  Neg, Not,
  // binary
  Coalesce, Or, And, Eq, Ne, Lt, Le, Gt, Ge, Add, Sub, Mul, Div,
};
const char* bound_op_spelling(BoundOp op);

enum class BoundExprKind : std::uint8_t {
  Literal,         // type says which payload: Int/Bool/Duration/Time/Date/TimeOfDay in int_value,
                   // Number in number_value, String in string_value
  Attribute,       // index: into BoundRuleset::attributes
  Define,          // index: into BoundRuleset::defines
  EnumValue,       // index: the value's position; type.enum_index: the enum
  Weekday,         // index: 0 = mon ... 6 = sun
  Time,            // index: a TimeName
  Skill,           // index: into BoundRuleset::skills (the agent's level, absent when unset)
  AgentAttribute,  // name: an agent attribute (`agent.region`), type string?
  Calendar,        // index: into BoundRuleset::calendars (an argument of a time function)
  Call,            // builtin; children: the arguments
  Unary,           // op; children: [operand]
  Binary,          // op; children: [lhs, rhs]
  In,              // negated; children: [value, list] or [value, lo, hi]
  List,            // children: the items
  If,              // children: [cond, then, else]
  Widen,           // int to number; children: [operand]
  ShareOfSla,      // number_value: the percentage (75 for 75%), a duration
  Absent,          // the literal absence of a value (an optional default of nothing)
};

struct BoundExpr {
  BoundExprKind kind = BoundExprKind::Literal;
  SemaType type;
  SourceRange range;
  std::int64_t int_value = 0;
  double number_value = 0;
  std::string string_value;
  std::int32_t index = -1;
  std::string name;
  stdlib::Builtin builtin = stdlib::Builtin::Has;
  BoundOp op = BoundOp::Not;
  bool negated = false;
  std::vector<std::unique_ptr<BoundExpr>> children;

  const BoundExpr& child(std::size_t i) const { return *children.at(i); }
};
using BoundExprPtr = std::unique_ptr<BoundExpr>;

// A new node with no payload, and a deep copy of a tree.
BoundExprPtr make_bound(BoundExprKind kind, SemaType type, SourceRange range);
BoundExprPtr clone_bound(const BoundExpr& e);

struct BoundEnum {
  std::string name;
  std::vector<std::string> values;
  SourceRange range;
  std::vector<SourceRange> value_ranges;
};

struct BoundAttribute {
  std::string name;
  SemaType type;
  bool core = false;
  bool required = false;    // non-optional with no default
  BoundExprPtr default_value;  // a constant, or null
  SourceRange range;
};

struct BoundDefine {
  std::string name;
  BoundExprPtr value;
  SourceRange range;
};

// Open hours per weekday as [from, to) minutes since midnight, sorted and merged; a range
// that runs past midnight is split over the two days.
using DayHours = std::vector<std::pair<int, int>>;

// The built-in calendar open at every instant (LANGUAGE.md 1.1 section 6).
inline constexpr const char* kAlwaysCalendar = "always";

struct BoundCalendar {
  std::string name;
  std::string zone;  // IANA name
  std::array<DayHours, 7> weekly;                // 0 = mon
  std::vector<std::int64_t> closed_days;          // days since epoch, sorted
  std::vector<std::pair<int, int>> closed_yearly;  // (month, day)
  std::map<std::int64_t, DayHours> special_days;  // a date's own hours, replacing its weekday's
  SourceRange range;

  // The clauses as written, for checks and messages (the merged hours above lose them).
  struct WrittenHours {
    int from_minute = 0, to_minute = 0;  // to < from: runs past midnight; to == from: empty
    std::array<bool, 7> days{};          // weekly hours: the weekdays of one day range
    bool special = false;                // special hours on `date` (days since epoch)
    std::int64_t date = 0;
    SourceRange range;                   // the hour range
    SourceRange days_range;              // the day range (weekly) or the date (special)
  };
  struct WrittenClosed {
    std::int64_t from_day = 0, to_day = 0;  // days since epoch; to < from: empty
    SourceRange range;
  };
  SourceRange zone_range;  // the calendar's own `timezone` string; invalid: the ruleset's zone
  std::vector<WrittenHours> written_hours;    // in source order
  std::vector<WrittenClosed> written_closed;  // closed dates and date ranges, in source order
};

struct BoundEvery {
  BoundExprPtr period, add, from, until;  // durations (from/until may be null)
  SourceRange range;
};
struct BoundCurvePoint {
  BoundExprPtr at, value;  // a duration, an int or number
  SourceRange range;
};
struct BoundBoost {
  BoundExprPtr amount, when;
  SourceRange range;
};

struct BoundPriority {
  std::string name;  // inline schemes: "Sales.Gold/priority"
  BoundExprPtr start;
  std::vector<BoundEvery> every;
  std::vector<BoundCurvePoint> curve;
  std::vector<BoundBoost> boosts;
  BoundExprPtr min, max, overdue;
  std::int32_t age_calendar = -1;
  bool is_inline = false;
  SourceRange range;
};

enum class BoundStageKind : std::uint8_t { Agent, Group, Skill };
struct BoundStage {
  BoundStageKind kind = BoundStageKind::Skill;
  BoundExprPtr expr;      // Agent: string? (an agent id); Group: string; Skill: bool? over skills
  BoundExprPtr duration;  // null: never expires
  SourceRange range;
};
struct BoundTargets {
  std::string name;
  std::vector<BoundStage> stages;
  bool is_inline = false;
  SourceRange range;
};

struct BoundCapacity {
  std::string name;
  std::vector<std::pair<std::string, std::int64_t>> limits;  // media (or "total") -> count
  SourceRange range;
};

// `complete by source` / `complete by agent` (docs/language.md): who ends an item's work.
// Unset: the clause is not written here (a process takes its department's; with neither, an
// agent may mark an item done, as without the clause).
enum class CompleteBy : std::uint8_t { Unset, Agent, Source };

// The clauses of a department or process; a process's own clauses win over its
// department's (see effective()).
struct BoundClauses {
  BoundExprPtr sla;                  // duration
  std::int32_t sla_calendar = -1;
  std::int32_t priority = -1;        // into BoundRuleset::priorities
  BoundExprPtr priority_min, priority_max;
  std::int32_t targets = -1;         // into BoundRuleset::targets
  BoundExprPtr media, offer_timeout, complete_within, expire_after;
  CompleteBy complete_by = CompleteBy::Unset;
};

struct BoundDepartment {
  std::string name;
  BoundExprPtr when;  // null: always holds
  BoundClauses clauses;
  std::vector<std::int32_t> processes;  // into BoundRuleset::processes, in order
  SourceRange range;
};

struct BoundProcess {
  std::string name;        // full name: "Sales.Gold"; the default process: its own name
  std::string short_name;  // "Gold"
  std::int32_t department = -1;  // -1: the default process
  BoundExprPtr when;             // null: always holds
  BoundClauses clauses;
  std::int32_t table = -1, table_row = -1;  // for rows of decision tables
  bool table_first = false;                 // the row's table is `table first`
  SourceRange range;                        // the name, or the table row
};

// A process's clauses after inheritance: pointers into the process or its department.
struct EffectiveClauses {
  const BoundExpr* sla = nullptr;
  std::int32_t sla_calendar = -1;
  std::int32_t priority = -1;
  const BoundExpr* priority_min = nullptr;
  const BoundExpr* priority_max = nullptr;
  std::int32_t targets = -1;
  const BoundExpr* media = nullptr;
  const BoundExpr* offer_timeout = nullptr;
  const BoundExpr* complete_within = nullptr;
  const BoundExpr* expire_after = nullptr;
  bool source_completes = false;  // `complete by source`: agents cannot mark its items done
};

enum class BoundExpectKind : std::uint8_t { Process, Rejected, Due, Priority, Eligible };
struct BoundExpectation {
  BoundExpectKind kind = BoundExpectKind::Process;
  std::int32_t process = -1;  // Process
  std::string text;           // Rejected
  BoundExprPtr value;         // Due (time), Priority (int)
  BoundExprPtr age;           // Priority, Eligible (duration)
  std::vector<std::pair<std::int32_t, std::int64_t>> skills;  // Eligible: skill -> level
  bool negated = false;
  SourceRange range;
};
struct BoundTest {
  std::string title;
  std::vector<std::pair<std::int32_t, BoundExprPtr>> given;  // attribute -> constant
  BoundExprPtr at;  // time, null: the default 2026-01-05T09:00:00Z
  std::vector<BoundExpectation> expects;
  SourceRange range;
};

// At most this many `report by` attributes (LANGUAGE.md 1.1 section 11).
inline constexpr std::size_t kMaxReportDimensions = 8;

struct BoundRuleset {
  std::string name, version;
  std::string timezone = "UTC";
  SourceRange timezone_range;  // the `timezone` declaration's string; invalid: the default UTC
  std::vector<BoundEnum> enums;
  std::vector<BoundAttribute> attributes;  // the core attributes first, in LANGUAGE.md order
  std::vector<std::string> skills;
  std::vector<BoundDefine> defines;        // in declaration order
  std::vector<std::int32_t> define_order;  // dependency order: a define only uses earlier ones
  std::vector<BoundCalendar> calendars;
  std::vector<BoundPriority> priorities;
  std::vector<BoundTargets> targets;
  std::vector<BoundCapacity> capacities;
  std::vector<BoundDepartment> departments;
  std::vector<BoundProcess> processes;     // department order; the default process last
  std::int32_t default_process = -1;
  std::vector<BoundTest> tests;
  std::vector<std::int32_t> report_by;     // `report by`: attribute indexes, in order
  std::vector<std::string> outcomes;       // `outcomes { }`, in order
  std::vector<SourceRange> outcome_ranges;

  EffectiveClauses effective(const BoundProcess& p) const;
  std::int32_t find_attribute(std::string_view name) const;
  std::int32_t find_process(std::string_view full_name) const;
};

// "int", "number?", "Segment", "list<string>": for messages.
std::string type_name(const BoundRuleset& rs, const SemaType& t);

}  // namespace iwd::compiler
