// Explanations (stage: explain, beside interp): why an item got its process, how its due
// instant was computed, its priority at an age piece by piece, which target stages are open
// and which agents are eligible, as a typed Explanation (`iwd explain`, docs/explain.md).
//
// Nothing here re-implements the rules: the results are the calls `iwd eval` makes, on the
// runtime's table (runtime/abi.h) when one is given, else on the interpreter (classify, clock,
// priority, next_priority_change, stage_openings, eligible); the breakdowns are the traces the same functions fill when given one, and the values of a
// condition's parts and of the attributes it read are the registers of the rule program's
// function (Interpreter::registers, located through NodeRegisters). Values are written as
// the language writes them: `"Sales"`, `Gold`, `1h30m`, instants in UTC ISO 8601, `absent`.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "compiler/interp/interp.h"
#include "compiler/lower/lower.h"
#include "compiler/sema/bound.h"
#include "compiler/source/source.h"
#include "runtime/runtime.h"

namespace iwd::compiler {

struct NamedValue {
  std::string name;
  std::string value;  // as the language writes it
};

// An expression as written, with its value; for conditions, the values of its parts.
struct ExplainedExpr {
  std::string text;      // the source text; empty: not given (a process without `when`)
  std::string location;  // "enterprise.iwd:63"
  std::string value;     // `true`, `false`, `absent`, `72h`, ...
  std::vector<ExplainedExpr> parts;  // operands of `and`, `or`, `not` and of defines, nested
  std::vector<NamedValue> reads;     // what the whole expression read: attributes, skills, age...
  bool given() const { return !text.empty(); }
};

// One condition tried while classifying, in order.
struct ClassificationStep {
  bool department = true;  // a department's `when`, else a process's
  std::string name;        // "Sales", "Sales.Gold"
  std::string location;    // the declaration (a table row for table processes)
  bool table_row = false;
  bool holds = false;
  ExplainedExpr when;      // not given: the department or process has no `when`
};

struct ExplainedClassification {
  bool rejected = false;
  std::string rejection;         // the interpreter's reason
  std::string missing_required;  // the attribute whose absence rejected the item
  std::string process, department;  // department: empty for the default process
  std::string location;          // the process's declaration
  bool by_default = false;       // the default process took the item
  bool source_completes = false;  // its process says `complete by source`: agents cannot mark it done
  std::vector<ClassificationStep> steps;
};

// `--process NAME`: why the item did not get that process (or that it did).
struct WhyNot {
  std::string process;
  std::string verdict;  // one sentence
  std::vector<ClassificationStep> conditions;  // its department's and its own, evaluated
};

// One local day of a calendar SLA count.
struct CalendarDay {
  std::string date, weekday;  // local: "2026-11-23", "mon"
  std::vector<std::pair<std::string, std::string>> counted;  // local times "09:00", "18:00"
  std::string time, total;    // open time counted that day, and so far
  std::string closed;         // nothing counted: why ("closed 2026-12-24", "no open hours on sat", ...)
};

struct ExplainedDue {
  std::string source;      // "due_at", "sla" or "none"
  std::string due;         // the instant; empty: none
  std::string start;       // the instant the SLA counts from
  std::string start_from;  // "activate_at" or "captured_at"
  ExplainedExpr sla;       // the clause's expression and its value
  bool sla_inherited = false;  // the department's clause
  std::string calendar, zone;  // empty: wall-clock time
  std::string calendar_from;   // "clause" (written in it) or "department" (a process's sla without `in`)
  std::string open_time;       // the SLA in open hours (`120h`: `5d` of open time is not five days)
  // `sla 5bd in CAL`: the count of open days (0: the SLA is open time) and the start's local time
  // of day that the due instant keeps; open_time is then the open time from the start to due.
  std::int64_t business_days = 0;
  std::string time_of_day;
  std::vector<CalendarDay> days;
  std::size_t days_left_out = 0;  // days not listed (very long counts)
};

struct ExplainedEvery {
  std::string text, location;
  std::string period, from, until;  // durations; until empty: none
  double add = 0;
  bool started = false;
  std::int64_t steps = 0;
  double amount = 0;
};

struct ExplainedBoost {
  std::string text, location;
  double amount = 0;
  bool holds = false;
  ExplainedExpr when;
};

struct ExplainedBound {
  ExplainedExpr expr;   // not given: no bound
  double value = 0;
  bool applied = false;  // it changed the value
};

// A supervisor's priority override of the item (runtime::PriorityOverride), as the runtime
// applies it on top of the rules' priority: a fixed value replaces it, a boost is added.
struct ExplainedOverride {
  bool fixed = true;          // else a boost
  std::int64_t amount = 0;    // the value, or what is added
  std::string until;          // the instant it ends; empty: not by time
  bool until_handled = false; // it ends when an agent next accepts the item
  bool in_force = false;      // at the age asked (an `until` at or before that instant: ended)
  std::int64_t rules_value = 0;  // the rules' priority at the age, without it
};

struct ExplainedPriority {
  bool scheme = false;   // false: the process has no scheme, the priority is 0
  std::string name, location;  // an inline scheme is named "OWNER/priority"
  bool inline_scheme = false;
  std::string age;       // the age asked
  std::string scheme_age, age_calendar;  // under `age in CALENDAR`: the open time
  bool overdue = false;  // the `overdue` rule is in force
  ExplainedExpr overdue_rule;
  std::string due, overdue_by;
  ExplainedExpr start;
  std::vector<ExplainedEvery> every;
  struct Curve {
    std::string location;
    std::vector<std::pair<std::string, double>> points;  // (age, value)
    std::int32_t segment = -1;  // -1 before the first point; i: from point i to i+1; last: after it
    std::string offset, span;   // on a sloped segment: the age past its first point, its length
  };
  std::optional<Curve> curve;
  double base = 0;
  std::vector<ExplainedBoost> boosts;
  double raw = 0;
  ExplainedBound min, max;
  std::int64_t value = 0;
  bool changes = false;  // false: the priority never changes again
  std::string next_age, next_at;
  std::int64_t next_value = 0;
  bool next_exact = true;
  // Given with ExplainRequest::override: `value` and the next change are then the item's,
  // with the override applied.
  std::optional<ExplainedOverride> override;
};

struct ExplainedStage {
  std::string kind;  // "agent", "group" or "skill"
  std::string text, location;
  ExplainedExpr value;   // agent and group stages: who (a skill stage's value depends on the agent)
  std::string duration;  // its `for`; empty: none (the last stage)
  std::string opens;     // age; empty: never
  std::string opens_at;  // instant
  bool skipped = false;  // an agent stage whose agent is absent
  bool open = false;     // open at the age asked
};

struct ExplainedTargets {
  bool plan = false;
  std::string name, location;  // an inline plan is named "OWNER/targets"
  bool inline_plan = false;
  std::vector<ExplainedStage> stages;
};

struct ExplainedAgent {
  std::size_t index = 0;
  std::string id;                  // empty: none given
  std::vector<std::string> groups;
  std::vector<NamedValue> skills;  // the levels it has
  bool eligible = false;
  std::int32_t stage = -1;         // the stage that takes it (0-based), -1: none
  struct Check {
    std::int32_t stage = 0;
    bool open = false, takes = false;
    ExplainedExpr expr;  // the stage's expression for this agent
  };
  std::vector<Check> checks;       // every stage
  std::string later_age;           // not eligible now: the age from which it is, if any
  std::int32_t later_stage = -1;
};

struct Explanation {
  std::string ruleset, version, file;
  std::string at;   // the instant of classification
  std::string age;  // the age asked
  std::string now;  // the instant at that age
  std::string age_from;  // what the age counts from: "activate_at" or "captured_at"
  std::vector<NamedValue> item;
  ExplainedClassification classification;
  std::optional<WhyNot> why_not;
  // When the item has a process:
  ExplainedDue due;
  ExplainedPriority priority;
  ExplainedTargets targets;
  std::vector<ExplainedAgent> agents;
  // With the runtime's table (ExplainRules::table): where the interpreter's trace and the table
  // disagree on a figure (the figure shown is the table's). Always a bug: `iwd explain` fails.
  std::vector<std::string> disagreements;
};

// What an explanation reads; everything must outlive the call. `program` and `registers`
// come from one lower_program(rs, &registers) call.
struct ExplainRules {
  const SourceManager& sm;
  const BoundRuleset& rs;
  const Program& program;
  const NodeRegisters& registers;
  const Interpreter& interp;
  // The table the runtime is handed for these rules (runtime/abi.h, filled over `program` and
  // `interp`): when given with ExplainRequest::record, the figures (process or rejection, due
  // instant, priority and next change, stage openings, eligibility) are the table's, and the
  // interpreter's traces only say why.
  const runtime::abi::RulesV1* table = nullptr;
};

struct ExplainAgent {
  const EvalEnv* env = nullptr;  // the item with this agent (EvalEnv::agent(): runtime::kNoId as
                                 // its id when it has none)
};

struct ExplainRequest {
  const runtime::ItemRecord* record = nullptr;  // the item as the runtime holds it (with ExplainRules::table)
  std::int64_t at = 0;    // the instant of classification (ms)
  std::int64_t age = 0;   // ms
  std::int32_t process = -1;  // `--process`: also say why the item did or did not get it
  std::vector<ExplainAgent> agents;
  const runtime::PriorityOverride* override = nullptr;  // a supervisor's, on the item (or none)
};

// The item's priority over its life, for a chart (`iwd serve`'s GET /v1/items/{id}/explain
// ?curve=N): at `points` ages spread evenly from 0 to the end, plus the age asked and the due
// instant's age exactly. The end is the due instant when it is later than the age asked, else
// the age asked and a quarter more (at least an hour). Each value is the rules' (the table's
// when given with a record, else the interpreter's) and, where the override is in force, the
// override's on top: what the runtime would hold at that age.
struct CurvePoint {
  std::int64_t age = 0;  // ms from the clock's start
  std::int64_t rules_value = 0;
  std::int64_t value = 0;
  bool overridden = false;
};
struct PriorityCurve {
  bool classified = false;  // false: the item is rejected, no curve
  std::int64_t start = 0;   // the instant age 0 is (activate_at or captured_at)
  std::int64_t due = runtime::abi::kNone;
  std::vector<CurvePoint> points;  // by age
};
inline constexpr std::int32_t kMaxCurvePoints = 1000;
PriorityCurve priority_curve(const ExplainRules& rules, const EvalEnv& item, const ExplainRequest& request,
                             std::int32_t points);

Explanation explain(const ExplainRules& rules, const EvalEnv& item, const ExplainRequest& request);

// The two renderings (docs/explain.md): text for people, JSON (indented) for tools.
void render_explanation_text(std::ostream& out, const Explanation& e);
std::string explanation_json(const Explanation& e);

}  // namespace iwd::compiler
