// The JIT (stage: jit): a Program's functions as native code through LLVM ORC LLJIT. No LLVM
// type appears here. Each function keeps the interpreter's semantics exactly (the
// interpreter is the oracle: differential tests compare them); instructions that need the
// environment (skills, agent attributes, list attributes, string order, built-in calls) call
// back into the same C++ code the interpreter runs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "compiler/interp/interp.h"
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

// A compiled function: returns whether the value is present; the value goes to *out_i (I64,
// Bool) or *out_f (F64).
using JitFunction = std::uint8_t (*)(const JitArgs* args, std::int64_t* out_i, double* out_f);

// The decision walk, compiled: returns the process, or -1 when the item is rejected; then
// *detail is the slot of a missing required attribute (>= 0), kClassifyNoDepartment, or
// kClassifyDepartmentBase + d when department d took the item but none of its processes
// matches and there is no default process.
using JitClassify = std::int32_t (*)(const JitArgs* args, std::int32_t* detail);
inline constexpr std::int32_t kClassifyNoDepartment = -1;
inline constexpr std::int32_t kClassifyDepartmentBase = 1 << 20;

class JitProgram {
 public:
  // Compiles every function of `program` into one module. On failure returns null and sets
  // *error to LLVM's message.
  static std::unique_ptr<JitProgram> compile(const Program& program, std::string* error);
  ~JitProgram();

  JitFunction function(FunctionRef f) const;
  JitClassify classify() const { return classify_; }

 private:
  JitProgram() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::vector<JitFunction> functions_;
  JitClassify classify_ = nullptr;
};

// The IR of a program without compiling it (for `iwd parse --emit=ir`).
std::string program_ir(const Program& program);

}  // namespace iwd::compiler
