// Private to compiler/jit: building the LLVM module of a program.
#pragma once

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

}  // namespace iwd::compiler
