// What `iwd eval` and `iwd explain` share: loading one ruleset and compiling it for
// evaluation (the interpreter, with the JIT's functions unless --no-jit), the capture
// instant, agents and items from JSON.
#pragma once

#include <memory>
#include <string>

#include "compiler/diag/diagnostic.h"
#include "compiler/driver/compilation.h"
#include "compiler/interp/interp.h"
#include "compiler/interp/record_env.h"
#include "compiler/jit/jit.h"
#include "compiler/jit/jit_runner.h"
#include "compiler/lower/lower.h"
#include "runtime/item_json.h"
#include "runtime/schema.h"

namespace iwd::cli {

// Everything one run needs: the compiled ruleset and how to evaluate it.
struct RulesEngine {
  compiler::SourceManager sm;
  compiler::DiagnosticBag diags;
  std::unique_ptr<compiler::Compilation> comp;
  std::unique_ptr<compiler::Program> program;
  compiler::NodeRegisters registers;  // where the program's functions keep each node's value
  runtime::Schema schema;
  runtime::StringPool pool;
  std::unique_ptr<compiler::Interpreter> interp;
  std::unique_ptr<compiler::JitProgram> jit;
  std::unique_ptr<compiler::JitRunner> runner;
};

// Loads RULES (a file, or a folder with one root file), checks and lowers it. On failure
// prints the problem on stderr prefixed with `command` ("iwd eval") and returns the exit
// code (2 for usage and paths, 1 when the rules have errors); 0 when loaded.
int load_rules(RulesEngine& e, const std::string& rules, bool no_jit, const std::string& command);

// `--at`: an ISO 8601 instant; empty: now. False with `error` set when malformed.
bool parse_at(const std::string& text, std::int64_t* at, std::string* error);

// `--agent` JSON: {"skills": {...}, "groups": [...], "id": "...", "attributes": {...}}.
// Empty on success, else the problem in one sentence.
std::string parse_agent(RulesEngine& e, const std::string& text, compiler::Agent* agent);

// Decoding items the way `iwd eval` does: captured at `at` unless the item says, `id` "eval".
runtime::DecodeOptions eval_decode_options(std::int64_t at);

}  // namespace iwd::cli
