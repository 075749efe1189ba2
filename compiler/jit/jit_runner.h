// The JIT as a NativeRunner: the interpreter's decision tables call compiled functions for
// environments that hold a runtime item record.
#pragma once

#include <vector>

#include "compiler/jit/jit.h"

namespace iwd::compiler {

class JitRunner : public NativeRunner {
 public:
  JitRunner(const JitProgram& jit, const Interpreter& interp, std::vector<std::int64_t> string_ids)
      : jit_(jit), interp_(interp), strings_(std::move(string_ids)) {}
  bool run(FunctionRef f, const EvalEnv& env, const TimeInputs& in, Value* out) const override;
  bool classify(const EvalEnv& env, std::int64_t now, std::int32_t* process, std::int32_t* detail) const override;
  bool priority(std::int32_t scheme, const EvalEnv& env, const TimeInputs& in, std::int64_t* out) const override;
  bool stage_openings(std::int32_t process, const EvalEnv& env, const TimeInputs& in, std::int64_t* opens) const override;

 private:
  bool args_for(const EvalEnv& env, const std::int64_t* inputs, JitArgs* args) const;

  const JitProgram& jit_;
  const Interpreter& interp_;
  std::vector<std::int64_t> strings_;  // Program::strings -> interned ids
};

}  // namespace iwd::compiler
