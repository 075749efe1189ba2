// Private to compiler/jit: building the LLVM module of a program.
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <cstddef>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "compiler/jit/jit.h"
#include "compiler/lower/program.h"

namespace iwd::compiler {

// JitArgs as generated code reads it: an array of pointer-sized fields, indexed by these
// (taken from the struct, so reordering its fields moves them; the asserts fail the build if
// a field stops being one pointer-sized word).
inline constexpr unsigned kArgsSlots = offsetof(JitArgs, slots) / sizeof(void*);
inline constexpr unsigned kArgsPresent = offsetof(JitArgs, present) / sizeof(void*);
inline constexpr unsigned kArgsInputs = offsetof(JitArgs, inputs) / sizeof(void*);
inline constexpr unsigned kArgsStrings = offsetof(JitArgs, strings) / sizeof(void*);
inline constexpr unsigned kArgsInterp = offsetof(JitArgs, interp) / sizeof(void*);
inline constexpr unsigned kArgsFieldCount = sizeof(JitArgs) / sizeof(void*);  // copied whole by business_age_args
static_assert(std::is_standard_layout_v<JitArgs> && sizeof(JitArgs) % sizeof(void*) == 0 &&
                  sizeof(JitArgs) == 6 * sizeof(void*),
              "JitArgs is six pointers: the generated code copies it field by field");
static_assert(offsetof(JitArgs, slots) % sizeof(void*) == 0 && offsetof(JitArgs, present) % sizeof(void*) == 0 &&
                  offsetof(JitArgs, inputs) % sizeof(void*) == 0 && offsetof(JitArgs, strings) % sizeof(void*) == 0 &&
                  offsetof(JitArgs, interp) % sizeof(void*) == 0,
              "the fields generated code reads are whole pointer-sized words");
// An Input's index in JitArgs::inputs (TimeInputs' layout; interp.h asserts it).
inline constexpr std::uint64_t input_index(Input i) { return static_cast<std::uint64_t>(i); }

// The whole program in one module (what an eager compile, a bundle and the IR dumps hold).
std::unique_ptr<llvm::Module> build_module(llvm::LLVMContext& ctx, const Program& program);
std::string module_text(const llvm::Module& m);

// A part of a program compiled on its own when first called (jit_lazy.cpp): its module defines
// the part's function (the batch: iwd_batch and the clocks), copies the program functions it
// calls as private functions, and calls every other part by name.
struct CodeUnit {
  enum Kind : std::uint8_t { Functions, Priority, Next, Stages, Batch, Department } kind;
  std::size_t index = 0;  // the group of functions, scheme, process or department
};
// Program functions are compiled in groups of neighbours (a process's conditions and values are
// lowered together): a part of its own for each would cost more than its code (a module, a run
// of passes, an object file, a link).
inline constexpr std::size_t kFunctionsPerPart = 32;
std::unique_ptr<llvm::Module> build_unit(llvm::LLVMContext& ctx, const Program& program, CodeUnit unit);
// The decision walk alone, iwd_classify: with `split`, each department's processes are left to
// iwd_department<d> (a CodeUnit::Department), which the walk calls by name.
std::unique_ptr<llvm::Module> build_walk(llvm::LLVMContext& ctx, const Program& program, bool split);
// Program function `f` for a caller in `m`: iwd_f<f> when the module defines it (a whole
// program's does), else a private copy made on first use.
llvm::Function* program_function(llvm::Module& m, const Program& program, FunctionRef f);

// Schemes (or processes) that share a formula share its code: for each, the first of them
// with the same formula, whose code it runs (codegen_schemes.cpp).
struct SharedCode {
  std::vector<std::size_t> priority, next;  // per scheme
  std::vector<std::size_t> stages;          // per process
};
SharedCode shared_code(const Program& program);
// What identifies scheme k's formula (schemes with one key share code); with `bounds_apart`,
// its min and max functions count only as given or not (iwd_priority_bounded<k>).
std::string formula_key(const Program& program, std::size_t k, bool bounds_apart);
// Whether function `f` is a constant (constants only, no string), and its value as
// SchemeCodegen::number() reads it (absent: 0).
bool constant_number(const Program& program, FunctionRef f, double* value);
// The priority formulas and stage openings (codegen_schemes.cpp), each shared one once.
void emit_schemes(llvm::Module& m, const Program& program);
// One scheme's priority or next change, or one process's stage openings, for build_unit.
void emit_scheme_unit(llvm::Module& m, const Program& program, CodeUnit unit);
// Whether a process's SLA clock runs in a calendar's open time (else in elapsed time).
bool has_sla_calendar(const ProgramProcess& pp);
// Whether priority scheme `scheme` (one per process) reads an SLA clock in elapsed time with
// the age elapsed: its process's SLA has no calendar and the scheme no `age in`.
bool priority_clock_elapsed(const Program& p, std::size_t scheme);

// The items' clocks and the batch entry point (codegen_batch.cpp): iwd_clock<p> for each
// process whose clock compiles, and iwd_batch. After emit_schemes (it calls the priorities).
void emit_batch(llvm::Module& m, const Program& program);
// clock_compiles (which processes have iwd_clock<p>): jit.h.

// A share (a double) of an SLA clock in elapsed time, its age elapsed (Interpreter::share_age):
// round(share * window) as an i64, held at the 64-bit limits. `window` is present.
llvm::Value* elapsed_share(llvm::IRBuilder<>& b, llvm::Module& m, llvm::Value* share, llvm::Value* window);
// Function `f` (its `elapsed` variant when it has one) with a fourth argument, double*: each
// register's value as the interpreter's number() reads it, 0 when absent (the next change
// follows how the age flows through a piece from them: codegen_next.cpp). Private, made on
// first use.
llvm::Function* registers_function(llvm::Module& m, const Program& program, FunctionRef f, bool elapsed);
// Whether a function reads the item's SLA clock (has a ShareOfSla).
bool reads_sla_clock(const ProgramFunction& f);
// Function `f` for callers that know the item's SLA clock runs in elapsed time and its age is
// elapsed: `iwd_f<f>` itself when it reads no share of the clock, else its variant with each
// share one multiplication (no calendar read, no branch), emitted on first use.
llvm::Function* elapsed_clock_function(llvm::Module& m, const Program& program, FunctionRef f);

}  // namespace iwd::compiler
