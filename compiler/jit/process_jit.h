// Private to compiler/jit: the process's one LLJIT and target machines (jit.cpp), shared by
// the eager compile, the loading of object files and the lazy compile (jit_lazy.cpp).
#pragma once

#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/IndirectionUtils.h>
#include <llvm/ExecutionEngine/Orc/LazyReexports.h>
#include <llvm/IR/Module.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Target/TargetMachine.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "compiler/jit/jit.h"
#include "compiler/jit/target.h"

namespace iwd::compiler {

std::string message(llvm::Error e);

// The analysis managers of one run of passes, registered with each other.
struct PassSetup {
  PassSetup();
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
};

// The passes of a whole program's module (jit.cpp): four function passes over every function,
// the `when` functions and pieces inlined, the same four again over the functions that took them.
void optimize(llvm::Module& m);
// The passes of a lazily compiled part (jit_lazy.cpp): its private copies of the program's
// functions inlined first, then the four function passes once over what is left.
void optimize_unit(llvm::Module& m);
// After either: an early CSE again over the functions that call a helper that reads no memory
// (the calendar's, jit.cpp) more than once, whose calls of one question become one only once
// instcombine and simplifycfg have folded the branches around them (the next change's copies
// of `N% of sla`, each behind its test of an elapsed clock: codegen.cpp, codegen_next.cpp).
void merge_pure_calls(llvm::Module& m, PassSetup& passes);

// One LLJIT (and target machines) per process, made on first use; each compiled program lives
// in JITDylibs of its own, removed with the program.
class ProcessJit {
 public:
  static ProcessJit* get(std::string* error);

  llvm::orc::LLJIT& jit() { return *jit_; }
  // The machines generate code on any thread that compiles (a lazily compiled part is compiled
  // by the thread that first calls it): each use holds codegen_mutex(). The optimizing one is
  // made at its first use (jit.cpp: loading a bundle makes none).
  llvm::TargetMachine& fast_target_machine() { return *fast_; }
  llvm::TargetMachine& optimizing_target_machine();
  std::mutex& codegen_mutex() { return codegen_mu_; }
  llvm::orc::LazyCallThroughManager& lazy_calls() { return *lazy_calls_; }
  const JitTarget& target() const { return target_; }
  // Held for the JITDylibs' making, filling and removal.
  std::mutex& mutex() { return mu_; }
  std::uint64_t next_id() { return ++ids_; }
  // A module for this machine (its data layout and triple).
  void prepare(llvm::Module& m) {
    m.setDataLayout(jit_->getDataLayout());
    m.setTargetTriple(target_.triple);
  }

 private:
  ProcessJit(std::unique_ptr<llvm::orc::LLJIT> jit, std::unique_ptr<llvm::TargetMachine> fast,
             llvm::orc::JITTargetMachineBuilder optimizing, std::unique_ptr<llvm::orc::LazyCallThroughManager> lazy_calls,
             JitTarget target)
      : jit_(std::move(jit)), fast_(std::move(fast)), optimizing_builder_(std::move(optimizing)),
        lazy_calls_(std::move(lazy_calls)), target_(std::move(target)) {}
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::unique_ptr<llvm::TargetMachine> fast_, optimizing_;
  llvm::orc::JITTargetMachineBuilder optimizing_builder_;  // what optimizing_ is made from
  std::unique_ptr<llvm::orc::LazyCallThroughManager> lazy_calls_;
  JitTarget target_;
  std::mutex mu_, codegen_mu_;
  std::uint64_t ids_ = 0;
};

struct LazyParts;  // jit_lazy.cpp

struct JitProgram::Impl {
  ProcessJit* process = nullptr;
  llvm::orc::JITDylib* dylib = nullptr;  // the code looked up: the objects, or the walk and the parts' stubs
  // Compiled lazily: the parts' code (each materialized at its stub's first call), their
  // stubs, and what compiles them.
  llvm::orc::JITDylib* parts = nullptr;
  std::unique_ptr<llvm::orc::IndirectStubsManager> stubs;
  std::shared_ptr<LazyParts> lazy;
  // The background compile of the parts left (start_background_compile): its thread, asked to
  // stop between two parts, and its first failure.
  std::thread background;
  std::atomic<bool> stop{false};
  std::string background_error;  // written by the thread, read after joining it
};

// The symbols every program's code calls (the interpreter's slow paths, the process's libm)
// defined in `dylib`.
llvm::Error define_helpers(llvm::orc::LLJIT& jit, llvm::orc::JITDylib& dylib);

}  // namespace iwd::compiler
