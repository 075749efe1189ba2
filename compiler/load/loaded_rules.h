// The loader with everything behind it: load.h (the interface the runtime's users need) plus
// the front end, the program, the interpreter and the JIT, for tools that show the rules as
// written (`iwd explain`, `iwd test`) or reach into the program. The server includes load.h.
#pragma once

#include <memory>

#include "compiler/driver/compilation.h"
#include "compiler/interp/interp.h"
#include "compiler/jit/jit.h"
#include "compiler/jit/jit_runner.h"
#include "compiler/load/bundle.h"
#include "compiler/load/load.h"
#include "compiler/lower/lower.h"
#include "compiler/lower/program.h"

namespace iwd::compiler {

// The front end's view of rules loaded from source, for tools that show the rules as written
// (`iwd explain`): the files, the checked ruleset, and where the program keeps each
// expression's value. Filled by load_rules from source; a bundle has none.
struct SourceRules {
  std::shared_ptr<SourceManager> sm = std::make_shared<SourceManager>();
  DiagnosticBag diags;
  std::unique_ptr<Compilation> comp;
  NodeRegisters registers;
};

}  // namespace iwd::compiler
