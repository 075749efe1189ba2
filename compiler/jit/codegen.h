// Private to compiler/jit: building the LLVM module of a program.
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>

#include <memory>
#include <string>

#include "compiler/lower/program.h"

namespace iwd::compiler {

std::unique_ptr<llvm::Module> build_module(llvm::LLVMContext& ctx, const Program& program);
std::string module_text(const llvm::Module& m);
// The priority formulas and stage openings (codegen_schemes.cpp).
void emit_schemes(llvm::Module& m, const Program& program);
// Whether a process's SLA clock runs in a calendar's open time (else in elapsed time).
bool has_sla_calendar(const ProgramProcess& pp);
// Whether priority scheme `scheme` (one per process) reads an SLA clock in elapsed time with
// the age elapsed: its process's SLA has no calendar and the scheme no `age in`.
bool priority_clock_elapsed(const Program& p, std::size_t scheme);

// A share (a double) of an SLA clock in elapsed time, its age elapsed (Interpreter::share_age):
// round(share * window) as an i64, held at the 64-bit limits. `window` is present.
llvm::Value* elapsed_share(llvm::IRBuilder<>& b, llvm::Module& m, llvm::Value* share, llvm::Value* window);
// Whether a function reads the item's SLA clock (has a ShareOfSla).
bool reads_sla_clock(const ProgramFunction& f);
// Function `f` for callers that know the item's SLA clock runs in elapsed time and its age is
// elapsed: `iwd_f<f>` itself when it reads no share of the clock, else its variant with each
// share one multiplication (no calendar read, no branch), emitted on first use.
llvm::Function* elapsed_clock_function(llvm::Module& m, const Program& program, FunctionRef f);

}  // namespace iwd::compiler
