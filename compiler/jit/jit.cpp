// ORC LLJIT, eager: optimize the whole program's module with four function passes (SROA, early
// CSE, instcombine, simplifycfg) before inlining the `when` functions and again on the
// functions that took them -- not the O2 pipeline --, compile it to native code (the walk with
// the full instruction selector, the rest with the fast one), look the functions up. This is
// what `iwd build` puts in a bundle and what loading a bundle links; a program compiled from
// source is compiled lazily by default (jit_lazy.cpp).
#include "compiler/jit/jit.h"

#include <limits>

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/EarlyCSE.h>
#include <llvm/Transforms/Scalar/SROA.h>
#include <llvm/Transforms/IPO/AlwaysInliner.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/ExecutionEngine/Orc/CompileUtils.h>
#include <llvm/ADT/StringMap.h>
#include <llvm/MC/SubtargetFeature.h>
#include <llvm/ADT/Triple.h>
#include <llvm/Support/Host.h>
#include <llvm/Support/MemoryBuffer.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/Transforms/Utils/Cloning.h>
#include <llvm/Transforms/Utils/ValueMapper.h>
#include <llvm/Support/raw_ostream.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "compiler/jit/codegen.h"
#include "compiler/jit/elf_loader.h"
#include "compiler/jit/helpers.h"
#include "compiler/jit/process_jit.h"

namespace iwd::compiler {
namespace {

void init_llvm() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

// A lazily compiled part that could not be compiled: a bug (its IR was made by codegen.cpp
// from a checked program), reported by ORC on stderr before this.
void lazy_failure() {
  std::fprintf(stderr, "iwd: internal error: a lazily compiled part of the rules did not compile\n");
  std::abort();
}

}  // namespace

std::string message(llvm::Error e) {
  std::string s;
  llvm::raw_string_ostream out(s);
  out << e;
  return out.str();
}

PassSetup::PassSetup() {
  llvm::PassBuilder pb;
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
}

void optimize(llvm::Module& m) {
  PassSetup passes;
  // The functions are straight-line code over stack arrays: promoting the arrays to SSA
  // values, folding and common-subexpression elimination do nearly all the good that the full
  // O2 pipeline does, at a fraction of its cost on rulesets with thousands of functions.
  llvm::FunctionPassManager fpm;
  fpm.addPass(llvm::SROAPass());
  fpm.addPass(llvm::EarlyCSEPass());
  fpm.addPass(llvm::InstCombinePass());
  fpm.addPass(llvm::SimplifyCFGPass());
  llvm::ModulePassManager mpm;
  mpm.addPass(llvm::createModuleToFunctionPassAdaptor(std::move(fpm)));
  mpm.addPass(llvm::AlwaysInlinerPass());  // the `when` functions into the decision walk
  // Only the functions that take inlined bodies change from here on (the walk, the batch, the
  // formulas that call shared pieces): the second round goes over them alone, not over the
  // thousands of functions of a large ruleset that the first round already simplified.
  std::vector<llvm::Function*> callers;
  for (llvm::Function& f : m) {
    bool inlines = false;
    for (const llvm::BasicBlock& b : f)
      for (const llvm::Instruction& i : b)
        if (const auto* call = llvm::dyn_cast<llvm::CallBase>(&i); call && call->getCalledFunction() &&
                                                                    call->getCalledFunction()->hasFnAttribute(llvm::Attribute::AlwaysInline))
          inlines = true;
    // A private function that is itself inlined (iwd_priority_bounded<k>) is gone after the
    // inliner: its callers take the second round instead.
    if (inlines && !(f.hasLocalLinkage() && f.hasFnAttribute(llvm::Attribute::AlwaysInline))) callers.push_back(&f);
  }
  mpm.run(m, passes.mam);
  llvm::FunctionPassManager after;
  after.addPass(llvm::SROAPass());  // the inlined functions' result slots
  after.addPass(llvm::EarlyCSEPass(/*UseMemorySSA=*/true));  // one load of each argument field
  after.addPass(llvm::InstCombinePass());
  after.addPass(llvm::SimplifyCFGPass());
  for (llvm::Function* f : callers) after.run(*f, passes.fam);
  merge_pure_calls(m, passes);
}

void merge_pure_calls(llvm::Module& m, PassSetup& passes) {
  for (llvm::Function& f : m) {
    int pure = 0;
    for (const llvm::BasicBlock& b : f)
      for (const llvm::Instruction& i : b)
        if (const auto* call = llvm::dyn_cast<llvm::CallBase>(&i); call && call->getCalledFunction() &&
                                                                    !call->getCalledFunction()->isIntrinsic() &&
                                                                    call->getCalledFunction()->doesNotAccessMemory())
          ++pure;
    if (pure < 2) continue;
    llvm::FunctionPassManager fpm;
    fpm.addPass(llvm::EarlyCSEPass(/*UseMemorySSA=*/true));
    fpm.run(f, passes.fam);
  }
}

ProcessJit* ProcessJit::get(std::string* error) {
  static std::mutex mu;
  static std::unique_ptr<ProcessJit> instance;
  static std::string failure;
  std::lock_guard<std::mutex> lock(mu);
  if (!instance && failure.empty()) {
    init_llvm();
    auto host = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!host) {
      failure = message(host.takeError());
    } else {
      // Instruction selection dominates compile time for thousands of small functions. The
      // IR is straight-line and already simplified (optimize()), so the fast instruction
      // selector of level None loses nothing measurable at run time (bench/RESULTS.md) and
      // compiles ~4x faster.
      host->setCodeGenOptLevel(llvm::CodeGenOpt::None);
      JitTarget target{host->getTargetTriple().str(), host->getCPU(), host->getFeatures().getString()};
      const llvm::Triple triple = host->getTargetTriple();
      // One target machine at start (issue 19: loading a bundle compiles nothing, and each
      // machine made was ~1 % of a one-item `iwd eval`): the fast one, whose data layout the
      // LLJIT takes instead of making a machine of its own for it. LLJIT's own compile layer is
      // never used (the eager and the lazy compile run SimpleCompiler with these machines and
      // hand objects to its linking layer): it gets a compiler that would make a machine at
      // its first compile, not one made now. The optimizing machine is made at first use.
      auto fast = host->createTargetMachine();
      if (!fast) {
        failure = message(fast.takeError());
      } else {
        // The classification walk is one function per ruleset and the hottest code there is:
        // worth the full instruction selector (bench/RESULTS.md).
        auto optimizing = *host;
        optimizing.setCodeGenOptLevel(llvm::CodeGenOpt::Default);
        auto jit = llvm::orc::LLJITBuilder()
                       .setJITTargetMachineBuilder(std::move(*host))
                       .setDataLayout((*fast)->createDataLayout())
                       .setCompileFunctionCreator(
                           [](llvm::orc::JITTargetMachineBuilder builder)
                               -> llvm::Expected<std::unique_ptr<llvm::orc::IRCompileLayer::IRCompiler>> {
                             return std::make_unique<llvm::orc::ConcurrentIRCompiler>(std::move(builder));
                           })
                       .create();
        if (!jit) failure = message(jit.takeError());
        if (failure.empty()) {
          // The stubs of lazily compiled parts call through it (jit_lazy.cpp).
          auto calls = llvm::orc::createLocalLazyCallThroughManager(triple, (*jit)->getExecutionSession(),
                                                                    llvm::pointerToJITTargetAddress(&lazy_failure));
          if (!calls) failure = message(calls.takeError());
          else
            instance.reset(new ProcessJit(std::move(*jit), std::move(*fast), std::move(optimizing), std::move(*calls),
                                          std::move(target)));
        }
      }
    }
  }
  if (!instance) *error = failure;
  return instance.get();
}

llvm::TargetMachine& ProcessJit::optimizing_target_machine() {
  if (!optimizing_) {
    // The builder made the fast machine for the same target at start: it cannot fail here.
    auto made = optimizing_builder_.createTargetMachine();
    if (!made) {
      std::fprintf(stderr, "iwd: internal error: no optimizing target machine: %s\n", message(made.takeError()).c_str());
      std::abort();
    }
    optimizing_ = std::move(*made);
  }
  return *optimizing_;
}

llvm::Error define_helpers(llvm::orc::LLJIT& lljit, llvm::orc::JITDylib& dylib) {
  // `llround` and the like from the process; the slow path by its address.
  auto symbols_of_process =
      llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(lljit.getDataLayout().getGlobalPrefix());
  if (!symbols_of_process) return symbols_of_process.takeError();
  dylib.addGenerator(std::move(*symbols_of_process));
  // The helpers by their addresses: the table the ELF loader resolves against too.
  llvm::orc::SymbolMap symbols;
  for (const NativeSymbol& s : native_symbols())
    symbols[lljit.mangleAndIntern(llvm::StringRef(s.name.data(), s.name.size()))] =
        llvm::JITEvaluatedSymbol(llvm::pointerToJITTargetAddress(s.address), llvm::JITSymbolFlags::Exported);
  return dylib.define(llvm::orc::absoluteSymbols(symbols));
}

JitProgram::JitProgram() = default;

JitProgram::~JitProgram() {
  stop_background_compile();  // before the JITDylibs go: it may be compiling into them
  if (impl_ && impl_->dylib) {
    std::lock_guard<std::mutex> lock(impl_->process->mutex());
    auto& session = impl_->process->jit().getExecutionSession();
    llvm::consumeError(session.removeJITDylib(*impl_->dylib));  // the stubs first: they call into the parts
    if (impl_->parts) llvm::consumeError(session.removeJITDylib(*impl_->parts));
  }
}

std::string program_ir(const Program& program, bool optimized) {
  llvm::LLVMContext ctx;
  auto m = build_module(ctx, program);
  if (optimized) {
    std::string error;
    if (ProcessJit* process = ProcessJit::get(&error)) process->prepare(*m);
    optimize(*m);
  }
  return module_text(*m);
}

std::unique_ptr<JitProgram> JitProgram::compile(const Program& program, std::string* error,
                                                std::vector<std::string>* objects, const JitOptions& options) {
  if (options.lazy && objects == nullptr) return compile_lazily(program, options, error);
  ProcessJit* process = ProcessJit::get(error);
  if (!process) return nullptr;
  llvm::LLVMContext ctx;
  auto module = build_module(ctx, program);
  std::string verify;
  llvm::raw_string_ostream vs(verify);
  if (llvm::verifyModule(*module, &vs)) {
    *error = "internal error: invalid IR: " + vs.str();
    return nullptr;
  }
  std::vector<std::string> files;
  {
    process->prepare(*module);
    optimize(*module);
    std::lock_guard<std::mutex> lock(process->codegen_mutex());
    // The walk (its conditions inlined) and the batch loop (its formulas inlined) go to a
    // module of their own for the full instruction selector, with copies of the module's
    // private tables and functions they may use; the rest keeps declarations of them.
    llvm::ValueToValueMapTy map;
    auto hot = [](const llvm::GlobalValue* gv) { return gv->getName() == "iwd_classify" || gv->getName() == "iwd_batch"; };
    auto walk = llvm::CloneModule(*module, map, [&](const llvm::GlobalValue* gv) { return hot(gv) || gv->hasLocalLinkage(); });
    for (const char* name : {"iwd_classify", "iwd_batch"})
      if (llvm::Function* f = module->getFunction(name)) f->deleteBody();  // declarations here
    for (auto [m, tm] : {std::pair{module.get(), &process->fast_target_machine()},
                         std::pair{walk.get(), &process->optimizing_target_machine()}}) {
      auto buffer = llvm::orc::SimpleCompiler(*tm)(*m);
      if (!buffer) {
        *error = message(buffer.takeError());
        return nullptr;
      }
      files.emplace_back((*buffer)->getBufferStart(), (*buffer)->getBufferSize());
    }
  }
  auto out = load(program, files, error);
  if (out && objects) *objects = std::move(files);
  return out;
}

std::unique_ptr<JitProgram> JitProgram::load(const Program& program, const std::vector<std::string>& objects,
                                             std::string* error) {
  ProcessJit* process = ProcessJit::get(error);
  if (!process) return nullptr;
  auto& lljit = process->jit();
  // Declared before the lock: on failure it is destroyed (removing its JITDylib, which takes
  // the lock) after the lock is released.
  auto out = std::unique_ptr<JitProgram>(new JitProgram());
  std::lock_guard<std::mutex> lock(process->mutex());
  auto dylib = lljit.getExecutionSession().createJITDylib(fmt::format("iwd_program_{}", process->next_id()));
  if (!dylib) {
    *error = message(dylib.takeError());
    return nullptr;
  }
  out->impl_ = std::make_unique<Impl>();
  out->impl_->process = process;
  out->impl_->dylib = &*dylib;  // removed by the destructor from here on
  if (auto e = define_helpers(lljit, *dylib)) {
    *error = message(std::move(e));
    return nullptr;
  }
  for (std::size_t k = 0; k < objects.size(); ++k) {
    auto buffer = llvm::MemoryBuffer::getMemBufferCopy(llvm::StringRef(objects[k].data(), objects[k].size()),
                                                       fmt::format("iwd-rules-{}.o", k));
    if (auto e = lljit.addObjectFile(*dylib, std::move(buffer))) {
      *error = message(std::move(e));
      return nullptr;
    }
  }
  // Every function in one lookup (issue 19: one a name was a query of its own through the
  // session each, for a ruleset's hundreds of names): those every native code has, and, weakly
  // referenced, those older native code lacks (the compiled clocks, the batch entry point, the
  // bounded groups, the next changes), absent from the answer when not there.
  auto& session = lljit.getExecutionSession();
  out->plan_ = batch_plan(program);
  const auto entries = entry_names(program, out->plan_);
  std::vector<llvm::orc::SymbolStringPtr> names;
  llvm::orc::SymbolLookupSet wanted;
  for (const auto& [name, required] : entries) {
    names.push_back(lljit.mangleAndIntern(name));
    wanted.add(names.back(), required ? llvm::orc::SymbolLookupFlags::RequiredSymbol
                                      : llvm::orc::SymbolLookupFlags::WeaklyReferencedSymbol);
  }
  auto found = session.lookup(llvm::orc::makeJITDylibSearchOrder(&*dylib, llvm::orc::JITDylibLookupFlags::MatchAllSymbols),
                              wanted);
  if (!found) {
    *error = message(found.takeError());
    return nullptr;
  }
  std::vector<void*> at(names.size(), nullptr);
  for (std::size_t k = 0; k < names.size(); ++k)
    if (auto it = found->find(names[k]); it != found->end()) at[k] = reinterpret_cast<void*>(it->second.getAddress());
  if (!out->take_entries(program, at, error)) return nullptr;
  return out;
}

void JitProgram::set_up() {
  std::string error;
  ProcessJit::get(&error);
}

JitTarget JitProgram::host_target() {
  // This machine as JITTargetMachineBuilder::detectHost sees it (the ProcessJit's machines are
  // for it), without setting up the JIT (issue 19): a bundle loaded by the ELF loader needs no
  // LLJIT, only this to check its target.
  static const JitTarget host = [] {
    llvm::SubtargetFeatures features;
    llvm::StringMap<bool> map;
    llvm::sys::getHostCPUFeatures(map);
    for (auto& f : map) features.AddFeature(f.first(), f.second);
    return JitTarget{llvm::sys::getProcessTriple(), llvm::sys::getHostCPUName().str(), features.getString()};
  }();
  return host;
}

std::string JitProgram::check_target(const JitTarget& built) {
  const JitTarget host = host_target();
  if (llvm::Triple(built.triple).getArch() != llvm::Triple(host.triple).getArch() ||
      llvm::Triple(built.triple).getOS() != llvm::Triple(host.triple).getOS())
    return fmt::format("it was built for {} and this machine is {}", built.triple, host.triple);
  std::vector<std::string> missing;
  llvm::StringMap<bool> have;
  llvm::SmallVector<llvm::StringRef, 64> parts;
  llvm::StringRef(host.features).split(parts, ',', -1, false);
  for (auto f : parts)
    if (f.size() > 1) have[f.drop_front()] = f.front() == '+';
  parts.clear();
  llvm::StringRef(built.features).split(parts, ',', -1, false);
  for (auto f : parts)
    if (f.size() > 1 && f.front() == '+' && !have.lookup(f.drop_front())) missing.push_back(f.drop_front().str());
  if (!missing.empty())
    return fmt::format("it was built for CPU {} and this machine ({}) lacks {}", built.cpu, host.cpu,
                       fmt::join(missing, ", "));
  return {};
}

JitFunction JitProgram::function(FunctionRef f) const { return functions_.at(static_cast<std::size_t>(f)); }

}  // namespace iwd::compiler

namespace {

// The inputs array of compiled code as the interpreter's TimeInputs (Input order, program.h).
iwd::compiler::TimeInputs inputs_of(const iwd::compiler::JitArgs* args) {
  using iwd::compiler::Input;
  iwd::compiler::TimeInputs in;
  auto v = [args](Input i) { return args->inputs[static_cast<std::size_t>(i)]; };
  in.now = v(Input::Now), in.age = v(Input::Age), in.sla = v(Input::Sla), in.due = v(Input::Due);
  in.overdue_by = v(Input::OverdueBy), in.window = v(Input::Window), in.start = v(Input::Start);
  in.sla_calendar = v(Input::SlaCalendar), in.age_calendar = v(Input::AgeCalendar);
  return in;
}

}  // namespace

// A share of the SLA clock for target stages (Interpreter::share_age): the age it is run at.
extern "C" std::int64_t iwd_jit_share_age(const iwd::compiler::JitArgs* args, double share) {
  return args->interp->share_age(inputs_of(args), share);
}

// The same for a share of an SLA clock in a calendar's time, from the clock's values (all that
// the answer depends on): what `N% of sla` calls, declared as reading no memory.
extern "C" std::int64_t iwd_jit_share_age_of_clock(const iwd::compiler::Interpreter* interp, std::int64_t start,
                                                   std::int64_t window, std::int64_t sla_calendar, std::int64_t age_calendar,
                                                   double share) {
  iwd::compiler::TimeInputs in;
  in.start = start, in.window = window, in.sla_calendar = sla_calendar, in.age_calendar = age_calendar;
  return interp->share_age(in, share);
}

// The slow path: one instruction that needs the environment, run by the interpreter's code.
extern "C" std::uint8_t iwd_jit_slow(const iwd::compiler::JitArgs* args, std::uint32_t fn, std::uint32_t at,
                                     const std::int64_t* ri, const double* rf, const std::uint8_t* rp,
                                     std::int64_t* out_i, double* out_f) {
  using namespace iwd::compiler;
  const Interpreter& interp = *args->interp;
  const ProgramFunction& f = interp.program().functions[fn];
  std::vector<Value> regs(f.reg_types.size());
  std::vector<VTag> tags(f.reg_types.size(), VTag::Int);
  for (std::uint32_t k = 0; k < at; ++k) {
    const auto r = f.code[k].dst;
    regs[r] = Value{ri[r], rf[r], rp[r] != 0};
    tags[r] = f.code[k].tag;
  }
  const Value v = interp.exec(f, f.code[at], regs, tags, *args->env, inputs_of(args));
  *out_i = v.i;
  *out_f = v.f;
  return v.present ? 1 : 0;
}

// `age in CALENDAR`: the open time between two instants, by the interpreter's calendar.
// A clock the generated code does not compute (a calendar, business days): the interpreter's.
extern "C" void iwd_jit_clock(const iwd::compiler::JitArgs* args, std::int32_t process, std::int64_t now,
                              iwd::runtime::abi::ItemClock* out) {
  *out = args->interp->clock(process, *args->env, iwd::stdlib::Instant{now});
}

extern "C" std::int64_t iwd_jit_business_time(const iwd::compiler::JitArgs* args, std::int32_t calendar,
                                              std::int64_t from, std::int64_t to) {
  return args->interp->calendar(calendar).business_time(iwd::stdlib::Instant{from}, iwd::stdlib::Instant{to}).ms;
}

// The elapsed time from `from` to the instant `ms` of `calendar`'s open time after it (the
// next priority change under `age in CALENDAR`, the walk's wall_age, before it called
// iwd_jit_open_add: kept for object code compiled before).
extern "C" std::int64_t iwd_jit_add_business(const iwd::compiler::JitArgs* args, std::int32_t calendar,
                                             std::int64_t from, std::int64_t ms) {
  return iwd_jit_open_add(&args->interp->calendar(calendar), from, ms);
}

// The next change's calendar, resolved once a call (codegen_next.cpp), and the two questions
// it asks of it: the open time between two instants (the walk's scheme_age) and the elapsed
// time to the instant `ms` of open time after `from` (its wall_age).
extern "C" const iwd::stdlib::BusinessCalendar* iwd_jit_calendar(const iwd::compiler::JitArgs* args, std::int32_t calendar) {
  return &args->interp->calendar(calendar);
}
extern "C" std::int64_t iwd_jit_open_time(const iwd::stdlib::BusinessCalendar* calendar, std::int64_t from, std::int64_t to) {
  return calendar->business_time(iwd::stdlib::Instant{from}, iwd::stdlib::Instant{to}).ms;
}
extern "C" std::int64_t iwd_jit_open_add(const iwd::stdlib::BusinessCalendar* calendar, std::int64_t from, std::int64_t ms) {
  // kNever (not reached within the search) stays the latest age: less an instant before 1970
  // it would overflow (and wrap below 0, taken as the earliest), as the walk's wall_age says.
  const iwd::stdlib::Instant at = calendar->add_business(iwd::stdlib::Instant{from}, iwd::stdlib::Duration{ms});
  return at == iwd::stdlib::kNever ? std::numeric_limits<std::int64_t>::max() : at.ms_since_epoch - from;
}

// Reads of the agent and of list attributes: the environment's, as the interpreter reads them.
extern "C" std::uint8_t iwd_jit_skill(const iwd::compiler::JitArgs* args, std::uint32_t skill, std::int64_t* out) {
  const iwd::compiler::Value v = args->env->skill(skill);
  *out = v.i;
  return v.present ? 1 : 0;
}
extern "C" std::uint8_t iwd_jit_agent_attribute(const iwd::compiler::JitArgs* args, std::uint32_t name, std::int64_t* out) {
  const iwd::compiler::Value v = args->env->agent_attribute(args->interp->program().strings[name]);
  *out = v.i;
  return v.present ? 1 : 0;
}
extern "C" std::uint8_t iwd_jit_list_contains(const iwd::compiler::JitArgs* args, std::int64_t list, std::int64_t value,
                                              std::uint8_t present) {
  return present && args->env->list_contains(list, iwd::compiler::Value::of_int(value)) ? 1 : 0;
}
