// Where source-to-native time goes (issue 19, "Compile time"): each phase of loading a
// generated ruleset timed on its own, in one process, phases alternated in every round and the
// median of the rounds printed. Parse, bind, semantic checks and the two lint passes are what
// `iwd check` runs; lowering, the IR, its optimization and code generation are what the JIT
// adds, eagerly (one module, as `iwd build`) and lazily (a load from source: the walk at load,
// each other part at its first call). The IR phases go through program_ir (the only JIT entry without LLVM types), so "IR
// build" includes printing the module, and "optimize" is the difference of the two prints.
//
//   compile_phases_bench [rounds] [departments] [processes per department] [check|jit]
// With `check`, only the phases of `iwd check` run (for profiling them); with `jit`, the IR
// phases are left out (the JIT's own: eager, then lazy at load and its parts after); with
// IWD_DUMP_RULESET=<path> the generated text is also written there (to compare `iwd check`).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "bench/ruleset_gen.h"
#include "compiler/jit/jit.h"
#include "compiler/lower/lower.h"
#include "compiler/sema/binder.h"
#include "compiler/sema/checks.h"
#include "compiler/syntax/parse.h"

namespace {

using namespace iwd::compiler;

// The parse phase's label (the lexer, the parser, the AST: parse_file whole).
constexpr const char* kParse = "parse (lex + parse to AST)";

double ms_of(clockid_t clock) {
  timespec t{};
  clock_gettime(clock, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

struct Phases {
  std::vector<std::string> order;
  // CPU time of the whole process (every thread) and wall time: the JIT generates its two
  // object files on two threads.
  std::map<std::string, std::vector<double>> cpu, wall;
  void time(const std::string& name, const std::function<void()>& f) {
    if (!cpu.count(name)) order.push_back(name);
    const double c0 = ms_of(CLOCK_PROCESS_CPUTIME_ID), w0 = ms_of(CLOCK_MONOTONIC);
    f();
    cpu[name].push_back(ms_of(CLOCK_PROCESS_CPUTIME_ID) - c0);
    wall[name].push_back(ms_of(CLOCK_MONOTONIC) - w0);
  }
  static double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }
};

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 5;
  const int departments = argc > 2 ? std::atoi(argv[2]) : 50;
  const int per_department = argc > 3 ? std::atoi(argv[3]) : 20;
  const bool check_only = argc > 4 && std::string(argv[4]) == "check";
  const bool ir_phases = !(argc > 4 && std::string(argv[4]) == "jit");
  const std::string text = iwd::bench::generate_ruleset(departments, per_department);
  if (const char* dump = std::getenv("IWD_DUMP_RULESET")) {
    std::FILE* f = std::fopen(dump, "w");
    if (!f || std::fwrite(text.data(), 1, text.size(), f) != text.size() || std::fclose(f) != 0) {
      std::fprintf(stderr, "cannot write %s\n", dump);
      return 1;
    }
  }
  std::printf("%d departments x %d processes, %zd lines, %d rounds (medians)\n%-50s %9s %9s\n", departments, per_department,
              std::count(text.begin(), text.end(), '\n'), rounds, "phase", "CPU ms", "wall ms");
  Phases p;
  std::string error;
  for (int r = 0; r < rounds; ++r) {
    SourceManager sm;
    DiagnosticBag diags;
    const FileId id = sm.add("generated.iwd", text);
    std::unique_ptr<SyntaxFile> ast;
    // parse_file: the hand-written lexer, then the hand-written parser straight to the AST
    // (fast_parser.h); ANTLR only for a file that parser gives up on (IWD_PARSER=antlr forces it).
    p.time(kParse, [&] { ast = parse_file(sm, id, diags); });
    std::unique_ptr<BoundRuleset> bound;
    p.time("bind (names, types)", [&] { bound = bind_ruleset(sm, {ast.get()}, diags); });
    p.time("semantic checks", [&] { check_semantics(*bound, diags); });
    p.time("lint_conditions", [&] { lint_conditions(*bound, diags); });
    p.time("lint_ruleset", [&] { lint_ruleset(*bound, diags); });
    if (diags.has_errors()) {
      std::fprintf(stderr, "the generated ruleset has errors: %s\n", diags.all().front().message.c_str());
      return 1;
    }
    if (check_only) continue;
    std::unique_ptr<Program> program;
    p.time("lower", [&] { program = lower_program(*bound); });
    std::size_t ir = 0;
    if (ir_phases) {
      p.time("IR build (+ print)", [&] { ir += program_ir(*program, false).size(); });
      p.time("IR build + optimize (+ print)", [&] { ir += program_ir(*program, true).size(); });
    } else {
      ir = 1;
    }
    std::unique_ptr<JitProgram> jit, lazy;
    p.time("JIT eager (IR, optimize, 2 object files, link)", [&] { jit = JitProgram::compile(*program, &error, nullptr, JitOptions{.lazy = false}); });
    // What a load from source pays now (the walk and the stubs), then what the first calls of
    // every part would add, all at once.
    p.time("JIT lazy: at load (the walk, the stubs)", [&] { lazy = JitProgram::compile(*program, &error); });
    bool all = lazy != nullptr;
    p.time("JIT lazy: every part compiled afterwards", [&] { all = all && lazy->compile_lazy_parts(&error); });
    if (!jit || !all || ir == 0) {
      std::fprintf(stderr, "JIT failed: %s\n", error.c_str());
      return 1;
    }
    lazy.reset();
  }
  double front = 0, front_wall = 0;
  for (const auto& name : p.order) {
    const double m = Phases::median(p.cpu[name]), w = Phases::median(p.wall[name]);
    if (name == kParse || name == "bind (names, types)" || name == "semantic checks" ||
        name.rfind("lint_", 0) == 0)
      front += m, front_wall += w;
    std::printf("%-50s %9.1f %9.1f\n", name.c_str(), m, w);
  }
  std::printf("%-50s %9.1f %9.1f\n", "check (sum of the first five)", front, front_wall);
  return 0;
}
