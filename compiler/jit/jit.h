// The JIT (stage: jit): a Program's functions as native code through LLVM ORC LLJIT. No LLVM
// type appears here. Each function keeps the interpreter's semantics exactly (the
// interpreter is the oracle: differential tests compare them); instructions that need the
// environment (skills, agent attributes, list attributes, string order, built-in calls) call
// back into the same C++ code the interpreter runs.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compiler/interp/interp.h"
#include "compiler/jit/target.h"
#include "compiler/lower/program.h"

namespace iwd::compiler {

// What a compiled function reads. `slots` holds one 8-byte value per item attribute (an
// F64 attribute's bits), `present` one bit per attribute, `inputs` the TimeInputs in Input
// order, `strings` the runtime id of each Program::strings constant.
struct JitArgs {
  const std::int64_t* slots = nullptr;
  const std::uint64_t* present = nullptr;
  const std::int64_t* inputs = nullptr;
  const std::int64_t* strings = nullptr;
  const EvalEnv* env = nullptr;
  const Interpreter* interp = nullptr;
};

// The inputs as compiled code reads them (JitArgs::inputs), in Input order (program.h).
std::array<std::int64_t, kInputCount> input_array(const TimeInputs& in);

// A compiled function: returns whether the value is present; the value goes to *out_i (I64,
// Bool) or *out_f (F64).
using JitFunction = std::uint8_t (*)(const JitArgs* args, std::int64_t* out_i, double* out_f);

// The decision walk, compiled: returns the process, or -1 when the item is rejected; then
// *detail is the slot of a missing required attribute (>= 0), kClassifyNoDepartment, or
// kClassifyDepartmentBase + d when department d took the item but none of its processes
// matches and there is no default process.
using JitClassify = std::int32_t (*)(const JitArgs* args, std::int32_t* detail);
// A scheme's priority formula, compiled: the priority at args' inputs (Interpreter::priority).
using JitPriority = std::int64_t (*)(const JitArgs* args);
// A scheme's next priority change, compiled (Interpreter::next_priority_change for the
// schemes codegen_next.cpp covers): 1 with the age in *age, 2 for never, 0 when the walk
// must answer (another kind of scheme, or more candidates than it tries). `sla_open` is the
// open time of the item's SLA clock (its start to its due instant, in the SLA's calendar)
// when the caller knows it without asking the calendar (the SLA itself, for a due instant
// that is the SLA counted from the start: rules_table.cpp), else runtime::abi::kNone; a
// value given must be that open time, or the answer is wrong. `calendar`: the scheme's `age
// in` calendar (args->interp->calendar(age_calendar)) when the caller has it at hand, else
// null (the code resolves it).
using JitNext = std::uint8_t (*)(const JitArgs* args, std::int64_t* age, std::int64_t sla_open,
                                 const stdlib::BusinessCalendar* calendar);
inline constexpr std::uint8_t kNextAskTheWalk = 0, kNextAt = 1, kNextNever = 2;
// A process's stage openings, compiled: one age per stage into `opens`, TimeInputs::kNone
// for never (Interpreter::stage_openings).
using JitStages = void (*)(const JitArgs* args, std::int64_t* opens);
// A process's clock, compiled (runtime::abi::ItemClock as four words, at inputs[Now]).
using JitClock = void (*)(const JitArgs* args, std::int64_t* clock);
// Classify, clock at `now` and priority at `age` of `count` items (runtime::abi::BatchResult
// per item, six words): `items` are their argument blocks, whose `inputs` it ignores (it
// sets its own); `env` and `interp` serve the slow paths as for every function.
using JitBatch = void (*)(const JitArgs* items, std::int64_t count, std::int64_t now, std::int64_t age,
                          std::int64_t* out);
// A scheme's formula with its bounds given (schemes that differ only in constant bounds share
// one: codegen_batch.cpp): the priority at args' inputs, held to [min, max] as the scheme's.
using JitPriorityBounded = std::int64_t (*)(const JitArgs* args, double min, double max);

// What the batch loop (and the table's single calls) compute per process without a call
// through a per-process pointer (issue 19: such calls mispredict with the items' processes):
// the clock of an SLA that is none or a constant, and the priority of schemes that differ
// only in constant bounds, through one formula per group with the bounds from here.
struct BatchPlan {
  std::vector<bool> clock;           // per process: its clock is start, due_at or start + sla below
  std::vector<std::int64_t> sla;     // TimeInputs::kNone without an SLA, else its value (0 if absent)
  std::vector<bool> sla_adds;        // the due instant is start + sla when the item has no due_at
  std::vector<std::int32_t> group;   // per process: its formula's group, -1 for none
  std::vector<double> min, max;      // per process: its bounds as the formula reads them
  std::vector<std::size_t> bounded;  // per group: the scheme whose formula it is
};
BatchPlan batch_plan(const Program& program);
// Whether process `process`'s clock is generated (iwd_clock<p>): no SLA, or one in elapsed
// time that reads no input; else the interpreter computes it (calendars, business days).
bool clock_compiles(const Program& p, std::size_t process);

inline constexpr std::int32_t kClassifyNoDepartment = -1;
inline constexpr std::int32_t kClassifyDepartmentBase = 1 << 20;

// When code is generated (docs/jit.md, "When code is compiled").
struct JitOptions {
  // Lazily: at load only the decision walk is compiled; every other part (each distinct
  // priority formula, next change and stage openings, the batch entry point and clocks, each
  // program function, and on a large ruleset each department's part of the walk) gets a stub
  // and is compiled by the thread that first calls it, once. Eagerly: all of it now, in one
  // module (what a bundle needs: compile() with `objects` is always eager).
  bool lazy = true;
  // A walk over more processes than this is split: the departments' conditions at load, each
  // department's processes compiled when an item first reaches it (one call more per item).
  std::size_t whole_walk_processes = 64;
};

class NativeImage;  // elf_loader.h

class JitProgram {
 public:
  // Compiles `program` to native code: the classification walk (the hot path) with the full
  // instruction selector, everything else with the fast one; lazily or not (JitOptions). On
  // failure returns null and sets *error to LLVM's message. `objects`, when given, receives the
  // object files (what `iwd build` puts in a bundle), and then all of it is compiled now, into
  // one module. A lazily compiled program keeps a copy of `program` to compile its parts from.
  static std::unique_ptr<JitProgram> compile(const Program& program, std::string* error,
                                             std::vector<std::string>* objects = nullptr, const JitOptions& options = {});
  // Loads the object files that compile() made for `program` (from a bundle): no IR, no
  // optimization, no code generation. The caller has checked the target (check_target()).
  static std::unique_ptr<JitProgram> load(const Program& program, const std::vector<std::string>& objects,
                                          std::string* error);
  // The same with iwd's own ELF loader (elf_loader.h, native_load.cpp: issue 19), without LLVM:
  // what a bundle's load uses; load() above is its differential oracle in tests.
  static std::unique_ptr<JitProgram> load_native(const Program& program, const std::vector<std::string>& objects,
                                                 std::string* error);
  // This machine's target, and whether code compiled for `built` runs here: "" when it
  // does, else why not (another architecture, or CPU features this machine lacks).
  static JitTarget host_target();
  // Sets the process's JIT up now (LLVM's target, ORC's session), for a caller that compiles or
  // links with LLVM soon; each of those sets it up at its first use anyway.
  static void set_up();
  static std::string check_target(const JitTarget& built);
  ~JitProgram();

  // A lazily compiled program's parts: how many there are, how many have been compiled so far
  // (each at its first call), and compiling every one left now (for a caller that would rather
  // pay at once than at first calls); false with *error if one fails. Eagerly compiled or
  // loaded code has no parts.
  std::size_t lazy_parts() const;
  std::size_t lazy_parts_compiled() const;
  bool compile_lazy_parts(std::string* error);
  // The same on a thread of its own, one part at a time, so that the threads that evaluate
  // items rarely compile: the parts an item needs first (each department's processes, the
  // priority formulas, next changes and stage openings, the batch entry point), then the groups
  // of program functions. A part a caller reaches first is compiled by that caller as before
  // (the background thread waits for it, or the caller for the background thread). Stopped
  // between two parts by stop_background_compile() and by the destructor (a reload: the old
  // program is destroyed), which wait for the part under way. Does nothing without parts or
  // when already started.
  void start_background_compile();
  // Waits for the background compile to end (every part compiled, or stopped); false with
  // *error when a part failed to compile.
  bool wait_background_compile(std::string* error);
  void stop_background_compile();

  // Whether the code was loaded by iwd's own ELF loader (load_native), not through LLVM.
  bool loaded_natively() const { return image_ != nullptr; }

  JitFunction function(FunctionRef f) const;
  JitClassify classify() const { return classify_; }
  JitPriority priority(std::int32_t scheme) const { return priorities_.at(static_cast<std::size_t>(scheme)); }
  JitStages stages(std::int32_t process) const { return stages_.at(static_cast<std::size_t>(process)); }
  // Null when the process's clock is the interpreter's (codegen: clock_compiles), or when the
  // native code predates compiled clocks (a bundle of an older iwd).
  JitClock clock(std::int32_t process) const { return clocks_.at(static_cast<std::size_t>(process)); }
  // Null for native code that predates it.
  JitBatch batch() const { return batch_; }
  // The batch plan of the program, and the formula of a group of it (null for native code
  // that predates them).
  const BatchPlan& plan() const { return plan_; }
  JitPriorityBounded bounded_priority(std::int32_t group) const {
    return group >= 0 && static_cast<std::size_t>(group) < bounded_.size() ? bounded_[static_cast<std::size_t>(group)] : nullptr;
  }
  // Null for native code that predates it.
  JitNext next_change(std::int32_t scheme) const {
    return nexts_.empty() ? nullptr : nexts_.at(static_cast<std::size_t>(scheme));
  }

 private:
  JitProgram();
  static std::unique_ptr<JitProgram> compile_lazily(const Program& program, const JitOptions& options, std::string* error);
  // The entry points of a program's native code by name, with whether every native code has
  // them (the others are absent from older bundles' code): the order take_entries reads.
  static std::vector<std::pair<std::string, bool>> entry_names(const Program& program, const BatchPlan& plan);
  // Takes the entry points from their addresses (null: absent), in entry_names' order, with
  // plan_ already set. False with *error when one every native code has is missing.
  bool take_entries(const Program& program, const std::vector<void*>& at, std::string* error);
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<NativeImage> image_;  // load_native's code
  std::vector<JitFunction> functions_;
  JitClassify classify_ = nullptr;
  std::vector<JitPriority> priorities_;
  std::vector<JitStages> stages_;
  std::vector<JitClock> clocks_;
  JitBatch batch_ = nullptr;
  std::vector<JitNext> nexts_;  // empty for native code that predates them
  BatchPlan plan_;
  std::vector<JitPriorityBounded> bounded_;  // per group of plan_; empty for older native code
};

// The IR of a program without compiling it (for `iwd parse --emit=ir`); `optimized`: after
// the JIT's passes, as it goes to the code generator (`--emit=ir-optimized`).
std::string program_ir(const Program& program, bool optimized = false);

}  // namespace iwd::compiler
