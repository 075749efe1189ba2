// The lazy compile (issue 19, "Compile time"): a program compiled from source has only its
// decision walk compiled at load; each other part is compiled by the thread that first calls
// it, once, as PostgreSQL's JIT and Gandiva compile what a query needs when it needs it.
//
// Two JITDylibs per program. The program's own (`dylib`) holds the walk's object file and a
// stub for every other part (ORC's lazy reexports): the addresses JitProgram hands out are the
// stubs', so handing them out compiles nothing. The parts' (`parts`) holds one
// materialization unit per part, which builds the part's module (codegen.h: build_unit), runs
// the passes and generates its object file when the stub is first called; the stub then
// jumps straight to the code. Parts call each other by name, and the parts' link order looks
// in the program's dylib first: a call from one part to another goes through the other's
// stub, so compiling the batch entry point (which names every priority formula) compiles no
// formula. Shared formulas stay shared: the stubs of schemes with the same formula all lead to
// the first one's code (SharedCode).
#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Transforms/IPO/AlwaysInliner.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>

#include <fmt/format.h>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "compiler/jit/codegen.h"
#include "compiler/jit/process_jit.h"

namespace iwd::compiler {

struct LazyParts {
  LazyParts(const Program& p, ProcessJit* jit) : program(p), process(jit) {}
  const Program program;  // a copy: parts compile from it for as long as the JitProgram lives
  ProcessJit* const process;
  std::vector<std::string> symbols;  // what the parts define (compile_lazy_parts looks them up)
  std::vector<std::pair<CodeUnit, std::vector<std::string>>> units;  // each part and its symbols
  std::size_t count = 0;
  std::atomic<std::size_t> compiled{0};
};

void optimize_unit(llvm::Module& m) {
  PassSetup passes;
  // A part's private copies of program functions exist only to be inlined: inlined first (and
  // then gone), the passes run once over the result instead of over each copy and again after.
  llvm::ModulePassManager mpm;
  mpm.addPass(llvm::AlwaysInlinerPass());
  llvm::FunctionPassManager fpm;
  fpm.addPass(llvm::SROAPass());
  fpm.addPass(llvm::EarlyCSEPass(/*UseMemorySSA=*/true));  // one load of each argument field
  fpm.addPass(llvm::InstCombinePass());
  fpm.addPass(llvm::SimplifyCFGPass());
  mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
  mpm.run(m, passes.mam);
  merge_pure_calls(m, passes);
}

namespace {

// Optimized and compiled to an object file: the walk and the departments' parts with the full
// instruction selector (the hot path), the rest with the fast one.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> object_of(ProcessJit& process, llvm::Module& m, bool hot) {
  std::string invalid;
  llvm::raw_string_ostream out(invalid);
  if (llvm::verifyModule(m, &out))
    return llvm::make_error<llvm::StringError>("internal error: invalid IR: " + out.str(), llvm::inconvertibleErrorCode());
  process.prepare(m);
  optimize_unit(m);
  std::lock_guard<std::mutex> lock(process.codegen_mutex());
  return llvm::orc::SimpleCompiler(hot ? process.optimizing_target_machine() : process.fast_target_machine())(m);
}

// One part, compiled when one of its symbols is first looked up (its stub's first call), on
// that thread. Its module lives only while it compiles, in a context of its own.
class LazyPart : public llvm::orc::MaterializationUnit {
 public:
  LazyPart(std::shared_ptr<LazyParts> parts, CodeUnit unit, llvm::orc::SymbolFlagsMap symbols)
      : MaterializationUnit(Interface(std::move(symbols), nullptr)), parts_(std::move(parts)), unit_(unit) {}

  llvm::StringRef getName() const override { return "iwd_lazy_part"; }

  void materialize(std::unique_ptr<llvm::orc::MaterializationResponsibility> r) override {
    ProcessJit& process = *parts_->process;
    llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> object = [&] {
      llvm::LLVMContext ctx;
      auto m = build_unit(ctx, parts_->program, unit_);
      // The batch entry point's loop is hot too (one function, its formulas inlined).
      // The next priority change too (issue 19): a loop over candidates whose values the fast
      // register allocator kept on the stack, each block reloading them.
      return object_of(process, *m, unit_.kind == CodeUnit::Department || unit_.kind == CodeUnit::Batch || unit_.kind == CodeUnit::Next);
    }();
    if (!object) {
      process.jit().getExecutionSession().reportError(object.takeError());
      r->failMaterialization();
      return;
    }
    ++parts_->compiled;
    process.jit().getObjLinkingLayer().emit(std::move(r), std::move(*object));
  }

 private:
  // Nothing else defines a part's symbols: never asked.
  void discard(const llvm::orc::JITDylib&, const llvm::orc::SymbolStringPtr&) override {}

  std::shared_ptr<LazyParts> parts_;
  CodeUnit unit_;
};

}  // namespace

std::unique_ptr<JitProgram> JitProgram::compile_lazily(const Program& program, const JitOptions& options,
                                                       std::string* error) {
  ProcessJit* process = ProcessJit::get(error);
  if (!process) return nullptr;
  const bool split = program.processes.size() > options.whole_walk_processes;
  std::unique_ptr<llvm::MemoryBuffer> walk;
  {
    llvm::LLVMContext ctx;
    auto m = build_walk(ctx, program, split);
    auto object = object_of(*process, *m, /*hot=*/true);
    if (!object) {
      *error = message(object.takeError());
      return nullptr;
    }
    walk = std::move(*object);
  }
  auto parts = std::make_shared<LazyParts>(program, process);
  auto& lljit = process->jit();
  auto& session = lljit.getExecutionSession();
  // Declared before the lock: on failure it is destroyed (removing its JITDylibs, which takes
  // the lock) after the lock is released.
  auto out = std::unique_ptr<JitProgram>(new JitProgram());
  std::lock_guard<std::mutex> lock(process->mutex());
  const std::uint64_t id = process->next_id();
  auto dylib = session.createJITDylib(fmt::format("iwd_program_{}", id));
  if (!dylib) {
    *error = message(dylib.takeError());
    return nullptr;
  }
  out->impl_ = std::make_unique<Impl>();
  out->impl_->process = process;
  out->impl_->dylib = &*dylib;  // removed by the destructor from here on
  auto parts_dylib = session.createJITDylib(fmt::format("iwd_program_{}_parts", id));
  if (!parts_dylib) {
    *error = message(parts_dylib.takeError());
    return nullptr;
  }
  out->impl_->parts = &*parts_dylib;
  out->impl_->lazy = parts;
  parts_dylib->setLinkOrder({{&*dylib, llvm::orc::JITDylibLookupFlags::MatchAllSymbols},
                             {&*parts_dylib, llvm::orc::JITDylibLookupFlags::MatchAllSymbols}},
                            /*LinkAgainstThisJITDylibFirst=*/false);
  if (auto e = define_helpers(lljit, *dylib)) {
    *error = message(std::move(e));
    return nullptr;
  }
  if (auto e = lljit.addObjectFile(*dylib, std::move(walk))) {
    *error = message(std::move(e));
    return nullptr;
  }

  // The parts, and a stub for each name: a part's own, or another scheme's of the same formula.
  const auto flags = llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable;
  llvm::orc::SymbolAliasMap stubs;
  auto part = [&](CodeUnit unit, const std::vector<std::string>& names) -> bool {
    llvm::orc::SymbolFlagsMap symbols;
    for (const auto& name : names) {
      symbols[lljit.mangleAndIntern(name)] = flags;
      parts->symbols.push_back(name);
    }
    ++parts->count;
    parts->units.emplace_back(unit, names);
    if (auto e = parts_dylib->define(std::make_unique<LazyPart>(parts, unit, std::move(symbols)))) {
      *error = message(std::move(e));
      return false;
    }
    return true;
  };
  auto stub = [&](const std::string& name, const std::string& code) {
    stubs[lljit.mangleAndIntern(name)] = llvm::orc::SymbolAliasMapEntry(lljit.mangleAndIntern(code), flags);
  };
  for (std::size_t first = 0; first < program.functions.size(); first += kFunctionsPerPart) {
    std::vector<std::string> names;
    for (std::size_t i = first; i < std::min(program.functions.size(), first + kFunctionsPerPart); ++i)
      names.push_back(fmt::format("iwd_f{}", i));
    if (!part({CodeUnit::Functions, first / kFunctionsPerPart}, names)) return nullptr;
    for (const auto& name : names) stub(name, name);
  }
  const SharedCode shared = shared_code(program);
  auto schemes = [&](CodeUnit::Kind kind, const char* prefix, const std::vector<std::size_t>& first) {
    for (std::size_t k = 0; k < first.size(); ++k) {
      if (first[k] == k && !part({kind, k}, {fmt::format("{}{}", prefix, k)})) return false;
      stub(fmt::format("{}{}", prefix, k), fmt::format("{}{}", prefix, first[k]));
    }
    return true;
  };
  if (!schemes(CodeUnit::Priority, "iwd_priority", shared.priority) || !schemes(CodeUnit::Next, "iwd_next", shared.next) ||
      !schemes(CodeUnit::Stages, "iwd_stages", shared.stages))
    return nullptr;
  std::vector<std::string> batch = {"iwd_batch"};
  for (std::size_t p = 0; p < program.processes.size(); ++p)
    if (clock_compiles(program, p)) batch.push_back(fmt::format("iwd_clock{}", p));
  out->plan_ = batch_plan(program);
  for (std::size_t g = 0; g < out->plan_.bounded.size(); ++g) batch.push_back(fmt::format("iwd_priority_group{}", g));
  if (!part({CodeUnit::Batch, 0}, batch)) return nullptr;
  for (const auto& name : batch) stub(name, name);
  if (split)
    for (std::size_t d = 0; d < program.departments.size(); ++d) {
      const std::string name = fmt::format("iwd_department{}", d);
      if (!part({CodeUnit::Department, d}, {name})) return nullptr;
      stub(name, name);
    }
  auto stubs_manager = llvm::orc::createLocalIndirectStubsManagerBuilder(llvm::Triple(process->target().triple));
  out->impl_->stubs = stubs_manager();
  if (auto e = dylib->define(llvm::orc::lazyReexports(process->lazy_calls(), *out->impl_->stubs, *parts_dylib, std::move(stubs)))) {
    *error = message(std::move(e));
    return nullptr;
  }

  // Every address at once: the walk's and the stubs' (making the stubs compiles no part).
  llvm::orc::SymbolLookupSet wanted;
  auto want = [&](const std::string& name) { wanted.add(lljit.mangleAndIntern(name)); };
  want("iwd_classify");
  for (const auto& name : batch) want(name);
  for (std::size_t i = 0; i < program.functions.size(); ++i) want(fmt::format("iwd_f{}", i));
  for (std::size_t k = 0; k < program.priorities.size(); ++k) want(fmt::format("iwd_priority{}", k)), want(fmt::format("iwd_next{}", k));
  for (std::size_t p = 0; p < program.processes.size(); ++p) want(fmt::format("iwd_stages{}", p));
  auto found = session.lookup(llvm::orc::makeJITDylibSearchOrder(&*dylib), std::move(wanted));
  if (!found) {
    *error = message(found.takeError());
    return nullptr;
  }
  auto address = [&](const std::string& name) {
    return reinterpret_cast<void*>((*found)[lljit.mangleAndIntern(name)].getAddress());
  };
  out->classify_ = reinterpret_cast<JitClassify>(address("iwd_classify"));
  out->batch_ = reinterpret_cast<JitBatch>(address("iwd_batch"));
  for (std::size_t g = 0; g < out->plan_.bounded.size(); ++g)
    out->bounded_.push_back(reinterpret_cast<JitPriorityBounded>(address(fmt::format("iwd_priority_group{}", g))));
  for (std::size_t i = 0; i < program.functions.size(); ++i)
    out->functions_.push_back(reinterpret_cast<JitFunction>(address(fmt::format("iwd_f{}", i))));
  for (std::size_t k = 0; k < program.priorities.size(); ++k) {
    out->priorities_.push_back(reinterpret_cast<JitPriority>(address(fmt::format("iwd_priority{}", k))));
    out->nexts_.push_back(reinterpret_cast<JitNext>(address(fmt::format("iwd_next{}", k))));
  }
  for (std::size_t p = 0; p < program.processes.size(); ++p) {
    out->stages_.push_back(reinterpret_cast<JitStages>(address(fmt::format("iwd_stages{}", p))));
    out->clocks_.push_back(clock_compiles(program, p) ? reinterpret_cast<JitClock>(address(fmt::format("iwd_clock{}", p))) : nullptr);
  }
  return out;
}

std::size_t JitProgram::lazy_parts() const { return impl_ && impl_->lazy ? impl_->lazy->count : 0; }

std::size_t JitProgram::lazy_parts_compiled() const { return impl_ && impl_->lazy ? impl_->lazy->compiled.load() : 0; }

bool JitProgram::compile_lazy_parts(std::string* error) {
  if (!impl_ || !impl_->lazy) return true;
  auto& lljit = impl_->process->jit();
  llvm::orc::SymbolLookupSet wanted;
  for (const auto& name : impl_->lazy->symbols) wanted.add(lljit.mangleAndIntern(name));
  auto found = lljit.getExecutionSession().lookup(llvm::orc::makeJITDylibSearchOrder(impl_->parts), std::move(wanted));
  if (!found) {
    *error = message(found.takeError());
    return false;
  }
  return true;
}

}  // namespace iwd::compiler

namespace iwd::compiler {

void JitProgram::start_background_compile() {
  if (!impl_ || !impl_->lazy || impl_->background.joinable()) return;
  Impl* impl = impl_.get();
  impl->stop = false;
  impl->background = std::thread([impl] {
    // Below the threads that evaluate items (best effort: a thread's own nice value on Linux).
    setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 10);
    // The parts an item needs first, first: a department's processes (classify), the
    // formulas, next changes and stage openings (priority, next change, eligibility), the
    // batch; the groups of program functions (the interpreter's calls through them) last.
    auto rank = [](CodeUnit::Kind kind) {
      switch (kind) {
        case CodeUnit::Department: return 0;
        case CodeUnit::Priority: return 1;
        case CodeUnit::Next: return 2;
        case CodeUnit::Stages: return 3;
        case CodeUnit::Batch: return 4;
        default: return 5;
      }
    };
    std::vector<const std::pair<CodeUnit, std::vector<std::string>>*> order;
    for (const auto& unit : impl->lazy->units) order.push_back(&unit);
    std::stable_sort(order.begin(), order.end(), [&](const auto* a, const auto* b) { return rank(a->first.kind) < rank(b->first.kind); });
    auto& lljit = impl->process->jit();
    for (const auto* unit : order) {
      if (impl->stop.load(std::memory_order_relaxed)) return;
      // A part already compiled (by a caller) is found at once.
      llvm::orc::SymbolLookupSet wanted;
      for (const auto& name : unit->second) wanted.add(lljit.mangleAndIntern(name));
      auto found = lljit.getExecutionSession().lookup(llvm::orc::makeJITDylibSearchOrder(impl->parts), std::move(wanted));
      if (!found) {
        impl->background_error = message(found.takeError());
        return;
      }
    }
  });
}

bool JitProgram::wait_background_compile(std::string* error) {
  if (!impl_ || !impl_->background.joinable()) return true;
  impl_->background.join();
  if (impl_->background_error.empty()) return true;
  *error = impl_->background_error;
  return false;
}

void JitProgram::stop_background_compile() {
  if (!impl_ || !impl_->background.joinable()) return;
  impl_->stop = true;
  impl_->background.join();
}

}  // namespace iwd::compiler
