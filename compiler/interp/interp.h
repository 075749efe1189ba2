// The reference interpreter (stage: interp): runs a Program's functions instruction by
// instruction and its decision tables as LANGUAGE.md says. It is the oracle the JIT is
// tested against, and the fallback when the JIT is off. Speed is not its goal; clarity is.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/lower/program.h"
#include "runtime/abi.h"
#include "stdlib/calendar.h"

namespace re2 {
class RE2;
}

namespace iwd::compiler {

// A register's value: an I64 or an F64 payload, and whether it is present.
struct Value {
  std::int64_t i = 0;
  double f = 0;
  bool present = false;
  static Value of_int(std::int64_t v) { return Value{v, 0, true}; }
  static Value of_number(double v) { return Value{0, v, true}; }
  static Value absent() { return Value{}; }
};

// What the functions read: the item, the agent (for skill stages), the time inputs, and
// strings. The runtime implements it over its item records; tests over plain vectors.
class EvalEnv {
 public:
  virtual ~EvalEnv() = default;
  virtual Value attribute(std::uint32_t slot) const = 0;
  virtual Value skill(std::uint32_t skill) const = 0;                 // absent: no such skill
  virtual Value agent_attribute(std::string_view name) const = 0;     // a string id, or absent
  virtual bool list_contains(std::int64_t list, const Value& v) const = 0;  // list attribute values
  virtual std::int64_t string_id(std::int64_t constant) const = 0;    // Program::strings[c] -> id
  virtual std::string_view string_text(std::int64_t id) const = 0;
  virtual std::int64_t intern(std::string_view s) const = 0;          // for lower() and upper()
  // The item in the runtime's record layout (runtime/item.h), when the environment has one:
  // compiled functions read it directly.
  virtual const std::uint64_t* record() const { return nullptr; }
  // The agent whose eligibility is asked (`agent` and `group` stages read its id and groups;
  // skill() and agent_attribute() its levels and attributes), as the runtime hands it to the
  // rules (runtime/abi.h); null: none.
  virtual const runtime::abi::Agent* agent() const { return nullptr; }
  // The values of a list attribute (string ids, ints or enum indexes), for explanations;
  // false when the environment cannot list them.
  virtual bool list_values(std::int64_t list, std::vector<std::int64_t>* out) const {
    (void)list;
    (void)out;
    return false;
  }
};


// In Input order (program.h): the JIT passes them as an array of kInputCount (the
// static_asserts below hold the order). An absent time is runtime::abi::kNone, as in the ABI.
struct TimeInputs {
  std::int64_t now = 0;         // the instant of classification (ms)
  std::int64_t age = 0;         // ms (open time under `age in CALENDAR`)
  std::int64_t sla = 0;         // ms: the SLA clause as written (format-1 programs)
  std::int64_t due = 0;         // ms since epoch (kNone: no due instant)
  std::int64_t overdue_by = 0;  // ms
  std::int64_t window = 0;      // ms: due - start, kNone without a due instant
  std::int64_t start = 0;       // ms since epoch: age 0
  std::int64_t sla_calendar = -1;  // the calendar the SLA clock runs in; -1: elapsed time
  std::int64_t age_calendar = -1;  // the calendar `age` is counted in (`age in CAL`); -1: elapsed
  static constexpr std::int64_t kNone = runtime::abi::kNone;
  // What `due` reads in a rule when the item has no due instant: the end of time, a value
  // (so `due < now + 1h` does not hold), not absent. Not the same as kNone.
  static constexpr std::int64_t kDueNever = stdlib::kNever.ms_since_epoch;
  bool has_due() const { return due != kNone; }
  // The value `due` reads in a rule.
  std::int64_t due_value() const { return has_due() ? due : kDueNever; }
};
static_assert(std::is_standard_layout_v<TimeInputs> && sizeof(TimeInputs) == kInputCount * sizeof(std::int64_t),
              "TimeInputs is the JIT's inputs array: one int64 per Input, nothing else");
#define IWD_TIME_INPUT_AT(field, input) \
  static_assert(offsetof(TimeInputs, field) == static_cast<std::size_t>(Input::input) * sizeof(std::int64_t), \
                "TimeInputs::" #field " is at Input::" #input)
IWD_TIME_INPUT_AT(now, Now);
IWD_TIME_INPUT_AT(age, Age);
IWD_TIME_INPUT_AT(sla, Sla);
IWD_TIME_INPUT_AT(due, Due);
IWD_TIME_INPUT_AT(overdue_by, OverdueBy);
IWD_TIME_INPUT_AT(window, Window);
IWD_TIME_INPUT_AT(start, Start);
IWD_TIME_INPUT_AT(sla_calendar, SlaCalendar);
IWD_TIME_INPUT_AT(age_calendar, AgeCalendar);
#undef IWD_TIME_INPUT_AT

// Runs functions in place of the interpreter (the JIT): the interpreter's decision tables
// then call compiled code.
class NativeRunner {
 public:
  virtual ~NativeRunner() = default;
  // False when it cannot run this call (the interpreter then does).
  virtual bool run(FunctionRef f, const EvalEnv& env, const TimeInputs& in, Value* out) const = 0;
  // The whole decision walk: the process, or -1 with `detail` as Interpreter::rejection reads it.
  virtual bool classify(const EvalEnv& env, std::int64_t now, std::int32_t* process, std::int32_t* detail) const = 0;
  // A scheme's priority formula, and a process's stage openings (one per stage, kNone: never).
  virtual bool priority(std::int32_t scheme, const EvalEnv& env, const TimeInputs& in, std::int64_t* out) const {
    return false;
  }
  virtual bool stage_openings(std::int32_t process, const EvalEnv& env, const TimeInputs& in, std::int64_t* opens) const {
    return false;
  }
};

// The outcome of classification.
struct Classification {
  std::int32_t process = -1;  // -1: rejected
  std::string reason;         // why it was rejected
};

// Records of how the decision tables reached a result, for explanations (compiler/explain).
// Each is filled by the code that computes the result, as it computes it, so an explanation
// cannot drift from what the interpreter does.

// Classification: the conditions tried, in order.
struct ClassifyTrace {
  std::int32_t missing_required = -1;  // the slot of the missing required attribute that rejected the item
  struct Step {
    bool department = true;  // a department's `when`, else a process's
    std::int32_t index = -1;  // into Program::departments or Program::processes
    bool holds = false;
  };
  std::vector<Step> steps;
  bool by_default = false;  // the default process took the item
};

// The due instant: from the source's `due_at`, or start + SLA (in the calendar's open time).
struct DueTrace {
  bool from_due_at = false;
  bool has_sla = false;      // the process has an `sla` clause
  Value sla;                 // its value (ms)
  std::int64_t start = 0;    // activation, else capture
  bool from_activation = false;
  // Under a calendar: the open intervals counted, the last one ending at the due instant.
  std::vector<std::pair<stdlib::Instant, stdlib::Instant>> counted;
};

// The pieces of a priority at one age (LANGUAGE.md section 8).
struct PriorityTrace {
  bool scheme = false;    // the process has a scheme (else the priority is 0)
  bool overdue = false;   // from due on with an `overdue` rule: its value, not clamped
  TimeInputs inputs;      // what the scheme's functions saw (the age is open time under `age in`)
  double start = 0;
  struct Every {
    double period = 0, from = 0, until = 0, add = 0;  // until: infinity when not given
    bool started = false;  // age >= from (and period > 0)
    double steps = 0, amount = 0;
  };
  std::vector<Every> every;
  std::vector<std::pair<double, double>> curve;  // (age ms, value) per point
  std::int32_t curve_segment = -1;  // -1: before the first point; i: from point i to i+1; last: after it
  double base = 0;         // start and every steps, or the curve's value
  struct Boost {
    bool holds = false;
    double amount = 0;
  };
  std::vector<Boost> boosts;
  double raw = 0;  // base plus the boosts that hold
  bool has_min = false, has_max = false;
  double min = 0, max = 0;
  std::int64_t value = 0;
};

// A target stage at one age: when it opens.
struct StageTrace {
  std::int64_t opens = runtime::abi::kNone;  // age; kNone: never (after a stage without `for`)
  bool skipped = false;     // an `agent` stage whose agent is absent: skipped at once
  Value duration;           // its `for` (absent: none)
};

class Interpreter {
 public:
  explicit Interpreter(const Program& program);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  const Program& program() const { return p_; }

  // One function.
  Value run(FunctionRef f, const EvalEnv& env, const TimeInputs& in) const;
  // One instruction, given the registers before it (the JIT's slow path runs it this way).
  Value exec(const ProgramFunction& f, const Instr& in, const std::vector<Value>& regs, const std::vector<VTag>& tags,
             const EvalEnv& env, const TimeInputs& inputs) const;


  // Required attributes first, then departments in order, processes in order, then the
  // default process.
  // With a trace, the walk is interpreted (no NativeRunner) and each condition recorded.
  Classification classify(const EvalEnv& env, stdlib::Instant now, ClassifyTrace* trace = nullptr) const;
  // The same without the message: the process, or -1 with *detail for rejection().
  std::int32_t classify_code(const EvalEnv& env, stdlib::Instant now, std::int32_t* detail,
                             ClassifyTrace* trace = nullptr) const;
  // Why an item was rejected, from a code: a missing required attribute's slot (>= 0),
  // kNoDepartment, or kDepartmentBase + d (department d took it, no process matched).
  static constexpr std::int32_t kNoDepartment = -1;
  static constexpr std::int32_t kDepartmentBase = 1 << 20;
  std::string rejection(std::int32_t detail) const;
  // The due instant: a source `due_at` wins; else activation (or capture) plus the SLA,
  // counted in the SLA's calendar when it has one (stdlib::kNever when that calendar never
  // opens). None when the process has no SLA (or its value is absent).
  std::optional<stdlib::Instant> due(std::int32_t process, const EvalEnv& env, stdlib::Instant now,
                                     DueTrace* trace = nullptr) const;
  // A classified item's clock, as the runtime keeps it (runtime/abi.h): classified at `now`,
  // its start (activation, else capture), the process's SLA and the due instant
  // (runtime::abi::kNone when absent).
  runtime::abi::ItemClock clock(std::int32_t process, const EvalEnv& env, stdlib::Instant now) const;
  // The time inputs of the schemes and stages of an item of `process` with that clock, at an
  // age (ms from the clock's start).
  TimeInputs inputs(std::int32_t process, const runtime::abi::ItemClock& clock, std::int64_t age) const;
  // The same with the process's SLA calendar (sla_clock_calendar) already known: what the
  // rules' table calls per item with it looked up once at load.
  static TimeInputs inputs_in(std::int64_t sla_calendar, const runtime::abi::ItemClock& c, std::int64_t age) {
    const bool has_due = c.due != runtime::abi::kNone;
    TimeInputs in;
    in.sla = c.sla == runtime::abi::kNone ? 0 : c.sla;
    in.due = c.due;
    in.start = c.start;
    in.window = has_due ? c.due - c.start : TimeInputs::kNone;
    in.sla_calendar = sla_calendar;
    in.age = age;
    in.now = c.start + age;
    in.overdue_by = has_due ? std::max<std::int64_t>(0, in.now - c.due) : 0;
    return in;
  }
  // `share` of the item's SLA clock (0.75 for `75% of sla`; LANGUAGE.md 1.1 section 5): the age
  // at which that much of the clock has run, in the age's own terms (open time of the age
  // calendar under `age in CAL`); TimeInputs::kNone without a due instant. Answers in
  // calendar time are memoized per thread (they depend on the clock and the share only).
  std::int64_t share_age(const TimeInputs& in, double share) const;
  // The calendar the SLA clock of `process` runs in (-1: elapsed time).
  std::int32_t sla_clock_calendar(std::int32_t process) const;
  // The priority at an age (LANGUAGE.md section 8). `raw`, when given, receives the value
  // before the min/max clamp (not set for an overdue item).
  std::int64_t priority(std::int32_t process, const EvalEnv& env, const TimeInputs& at, double* raw = nullptr,
                        PriorityTrace* trace = nullptr) const;
  // The next age after `at.age` at which the priority changes (LANGUAGE.md section 8: the
  // runtime needs no periodic sweep). `exact` is false when the scheme uses the age in a way
  // the analysis does not follow (inside a function call, or as a continuously changing
  // value); `age` is then a conservative time to look again (at most one minute later).
  runtime::abi::NextChange next_priority_change(std::int32_t process, const EvalEnv& env, const TimeInputs& at) const;

  // The age at which each target stage opens (runtime::abi::kNone: never; a skipped agent
  // stage opens at once and adds no agent). An age below 0 has passed: open at once.
  std::vector<std::int64_t> stage_openings(std::int32_t process, const EvalEnv& env, const TimeInputs& in,
                                           std::vector<StageTrace>* trace = nullptr) const;
  // Whether env's agent (EvalEnv::agent(), skill(), agent_attribute()) is eligible at an age:
  // any open stage takes it.
  bool eligible(std::int32_t process, const EvalEnv& env, const TimeInputs& at) const;
  // The first open stage that admits the agent, or -1: what eligible() decides by.
  std::int32_t eligible_stage(std::int32_t process, const EvalEnv& env, const TimeInputs& at) const;
  // Whether stage `stage` admits env's agent, open or not.
  bool admits(std::int32_t process, std::size_t stage, const EvalEnv& env, const TimeInputs& at) const;

  // A function run by the interpreter, with the value of every register: an explanation
  // reads a condition's parts and the attributes it loaded from them.
  std::vector<Value> registers(FunctionRef f, const EvalEnv& env, const TimeInputs& in) const {
    return run_registers(f, env, in);
  }

  const stdlib::BusinessCalendar& calendar(std::int64_t index) const;

  // Functions run natively when a runner is set (null: interpreted).
  void set_native(const NativeRunner* runner) { native_ = runner; }

 private:
  Value call(const Instr& in, const std::vector<Value>& regs, const std::vector<VTag>& tags, const ProgramFunction& f,
             const EvalEnv& env) const;
  bool holds(FunctionRef f, const EvalEnv& env, const TimeInputs& in) const;
  // Every register of a run, for the change analysis.
  std::vector<Value> run_registers(FunctionRef f, const EvalEnv& env, const TimeInputs& in) const;

  // share_age without the memo.
  std::int64_t clock_share_age(const TimeInputs& in, double share) const;

  const Program& p_;
  const std::uint64_t serial_;  // this interpreter in share_age's memo
  const NativeRunner* native_ = nullptr;
  std::vector<stdlib::BusinessCalendar> calendars_;
  std::vector<const stdlib::TimeZone*> zones_;
  std::vector<std::unique_ptr<re2::RE2>> regexes_;
};

}  // namespace iwd::compiler
