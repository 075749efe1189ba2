// Private to compiler/jit: the code generator of the parts of a program that combine its
// functions (codegen_schemes.cpp: priority formulas and stage openings; codegen_next.cpp: the
// next priority change). Each piece is one of the program's compiled functions, called
// directly (inlined).
#pragma once

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>

#include <fmt/format.h>

#include "compiler/interp/interp.h"
#include "compiler/jit/codegen.h"

namespace iwd::compiler {

class SchemeCodegen {
 public:
  SchemeCodegen(llvm::Module& m, const Program& p) : m_(m), ctx_(m.getContext()), b_(ctx_), p_(p) {}

  // i64 iwd_priority<k>(const JitArgs*): the priority of scheme k at args' inputs. With
  // `bounded`, i64 iwd_priority_bounded<k>(const JitArgs*, double min, double max), private
  // and inlined into its caller: the same formula with the scheme's bounds (whose functions
  // are constants, constant_number()) given as arguments, so that schemes differing only in
  // their bounds share one body (the batch entry point, codegen_batch.cpp). With `inlined_as`
  // (not bounded), i64 <inlined_as>(const JitArgs* at, i64 open_age), private, for the next
  // change to inline (codegen_next.cpp): the formula at `at` (a copy of the caller's block at
  // other inputs, on its stack) whose age under `age in` is `open_age`, which the caller knows
  // (issue 19: no call of the calendar's code in the copy, and none takes the copy, so that it
  // lives in registers once inlined).
  void priority(std::size_t k, bool bounded = false, const std::string& inlined_as = {});
  // void iwd_stages<p>(const JitArgs*, i64* opens): the opening age of each stage.
  void stages(std::size_t process);
  // i8 iwd_next<k>(const JitArgs*, i64* age, i64 open, i8* calendar): scheme k's next priority
  // change, `open` the SLA clock's open time when the caller knows it (else kNone), `calendar`
  // its `age in` calendar when the caller has it (else null; codegen_next.cpp).
  void next_change(std::size_t k);
  // Whether next_change(k) answers at all, or its function only sends every item to the walk.
  static bool next_change_compiles(const Program& p, std::size_t k);

 private:
  struct Result {
    llvm::Value* present;  // i1
    llvm::Value* i;
    llvm::Value* f;
  };

  llvm::Module& m_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  const Program& p_;
  llvm::Value *out_i_ = nullptr, *out_f_ = nullptr;
  bool elapsed_ = false;  // the function being emitted is for an SLA clock and an age in elapsed time
  llvm::Value* open_age_ = nullptr;  // the inlined formula's age under `age in`, given by its caller

  llvm::Type* i64() { return llvm::Type::getInt64Ty(ctx_); }
  llvm::Type* f64() { return llvm::Type::getDoubleTy(ctx_); }
  llvm::Type* i8() { return llvm::Type::getInt8Ty(ctx_); }
  llvm::Type* ptr() { return i8()->getPointerTo(); }
  llvm::Value* ci(std::int64_t v) { return llvm::ConstantInt::get(i64(), static_cast<std::uint64_t>(v), true); }
  llvm::Value* cf(double v) { return llvm::ConstantFP::get(f64(), v); }

  void begin(llvm::Function* fn) {
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", fn));
    out_i_ = b_.CreateAlloca(i64());
    out_f_ = b_.CreateAlloca(f64());
  }
  // Field `index` of a JitArgs (all pointers).
  llvm::Value* field(llvm::Value* args, unsigned index) {
    auto* fields = b_.CreateBitCast(args, i64()->getPointerTo()->getPointerTo());
    return b_.CreateLoad(i64()->getPointerTo(), b_.CreateConstInBoundsGEP1_64(i64()->getPointerTo(), fields, index));
  }
  Result call(FunctionRef f, llvm::Value* args) {
    auto* callee = elapsed_ ? elapsed_clock_function(m_, p_, f) : program_function(m_, p_, f);
    // The pieces are small (most a constant): inlined, a formula is a few instructions instead
    // of a call per piece with its result through memory (issue 19: half of an item's priority).
    callee->addFnAttr(llvm::Attribute::AlwaysInline);
    auto* present = b_.CreateCall(callee, {args, out_i_, out_f_});
    return {b_.CreateICmpNE(present, llvm::ConstantInt::get(i8(), 0)), b_.CreateLoad(i64(), out_i_), b_.CreateLoad(f64(), out_f_)};
  }
  // A piece's value as a double; absent counts as 0 (as the interpreter's number()).
  llvm::Value* number(FunctionRef f, llvm::Value* args, double absent = 0) {
    const Result r = call(f, args);
    auto* v = p_.functions[static_cast<std::size_t>(f)].type == VType::F64 ? r.f : b_.CreateSIToFP(r.i, f64());
    return b_.CreateSelect(r.present, v, cf(absent));
  }
  llvm::Value* holds(FunctionRef f, llvm::Value* args) {
    if (f < 0) return b_.getTrue();
    const Result r = call(f, args);
    return b_.CreateAnd(r.present, b_.CreateICmpNE(r.i, ci(0)));
  }
  // A priority: truncated toward zero, held at the 64-bit limits (stdlib::saturating_truncate).
  llvm::Value* truncate(llvm::Value* x) {
    return b_.CreateIntrinsic(llvm::Intrinsic::fptosi_sat, {i64(), f64()}, {x});
  }
  // iwd_jit_business_time (jit.cpp): the calendar's open time, which reads the interpreter's
  // calendars through args->interp and writes nothing (so LLVM may merge two calls with the
  // same operands).
  llvm::FunctionCallee calendar_helper(const char* name) {
    auto callee = m_.getOrInsertFunction(name, llvm::FunctionType::get(i64(), {ptr(), llvm::Type::getInt32Ty(ctx_), i64(), i64()}, false));
    if (auto* f = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
      f->setOnlyReadsMemory();
      f->setDoesNotThrow();
    }
    return callee;
  }
  // The calendar's code on a calendar resolved once (the next change, codegen_next.cpp):
  // iwd_jit_calendar(args, index) gives it, iwd_jit_open_time(calendar, from, to) and
  // iwd_jit_open_add(calendar, from, ms) answer on it (jit.cpp). The calendar and its table
  // never change while code can call them: declared as reading no memory, so that calls with
  // the same operands are one wherever they are.
  llvm::FunctionCallee pure_helper(const char* name, llvm::ArrayRef<llvm::Type*> params) {
    auto callee = m_.getOrInsertFunction(name, llvm::FunctionType::get(i64(), params, false));
    if (auto* f = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
      f->setDoesNotAccessMemory();
      f->setDoesNotThrow();
      f->setWillReturn();
    }
    return callee;
  }
  llvm::Value* resolve_calendar(llvm::Value* args, std::int32_t calendar) {
    auto callee = m_.getOrInsertFunction("iwd_jit_calendar", llvm::FunctionType::get(ptr(), {ptr(), llvm::Type::getInt32Ty(ctx_)}, false));
    if (auto* f = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
      f->setOnlyReadsMemory();
      f->setDoesNotThrow();
      f->setWillReturn();
    }
    return b_.CreateCall(callee, {args, llvm::ConstantInt::get(llvm::Type::getInt32Ty(ctx_), static_cast<std::uint64_t>(calendar))});
  }
  llvm::Value* open_time(llvm::Value* calendar, llvm::Value* from, llvm::Value* to) {
    return b_.CreateCall(pure_helper("iwd_jit_open_time", {ptr(), i64(), i64()}), {calendar, from, to});
  }
  llvm::Value* open_add(llvm::Value* calendar, llvm::Value* from, llvm::Value* ms) {
    return b_.CreateCall(pure_helper("iwd_jit_open_add", {ptr(), i64(), i64()}), {calendar, from, ms});
  }
  llvm::Value* unary(llvm::Intrinsic::ID id, llvm::Value* x) {
    return b_.CreateCall(llvm::Intrinsic::getDeclaration(&m_, id, {f64()}), {x});
  }
  // A static array of `n` values of `ty` at the top of the entry block of the function being
  // made, as a pointer to its first element.
  llvm::Value* entry_array(llvm::Type* ty, std::uint64_t n) {
    llvm::BasicBlock& entry = b_.GetInsertBlock()->getParent()->getEntryBlock();
    llvm::IRBuilder<> at(&entry, entry.begin());
    auto* array = llvm::ArrayType::get(ty, n);
    return at.CreateConstInBoundsGEP2_64(array, at.CreateAlloca(array), 0, 0);
  }
  // A copy of the argument block (`block`) whose inputs are a copy too (`inputs`), for
  // calling pieces or formulas at other inputs than the caller's.
  struct ArgsCopy {
    llvm::Value* block;   // i8*: a JitArgs
    llvm::Value* inputs;  // i64*: its inputs
  };
  // Both are arrays at the top of the function's entry block: static allocas, which the
  // inliner moves to its caller's entry and SROA turns into registers in the first pass after
  // it (an alloca of a count, `alloca T, i64 N`, waits for instcombine to become one).
  ArgsCopy copy_args(llvm::Value* args, llvm::Value* inputs) {
    constexpr unsigned kFields = kArgsFieldCount, kInputs = static_cast<unsigned>(kInputCount);
    auto* block = entry_array(i64()->getPointerTo(), kFields);
    auto* copy = entry_array(i64(), kInputs);
    auto* fields = b_.CreateBitCast(args, i64()->getPointerTo()->getPointerTo());
    for (unsigned k = 0; k < kFields; ++k)
      b_.CreateStore(b_.CreateLoad(i64()->getPointerTo(), b_.CreateConstInBoundsGEP1_64(i64()->getPointerTo(), fields, k)),
                     b_.CreateConstInBoundsGEP1_64(i64()->getPointerTo(), block, k));
    for (unsigned k = 0; k < kInputs; ++k)
      b_.CreateStore(b_.CreateLoad(i64(), b_.CreateConstInBoundsGEP1_64(i64(), inputs, k)), b_.CreateConstInBoundsGEP1_64(i64(), copy, k));
    b_.CreateStore(copy, b_.CreateConstInBoundsGEP1_64(i64()->getPointerTo(), block, kArgsInputs));
    return {b_.CreateBitCast(block, ptr()), copy};
  }
  // A copy of the argument block whose inputs have the age counted in `calendar`'s open time:
  // `open_age` when the caller knows it, else iwd_jit_business_time's (the calendar code the
  // interpreter uses).
  llvm::Value* business_age_args(llvm::Value* args, llvm::Value* inputs, std::int32_t calendar, llvm::Value* open_age = nullptr) {
    const auto [block, copy] = copy_args(args, inputs);
    llvm::Value* business = open_age;
    if (!business) {
      auto* now = b_.CreateLoad(i64(), b_.CreateConstInBoundsGEP1_64(i64(), inputs, input_index(Input::Now)));
      auto* age = b_.CreateLoad(i64(), b_.CreateConstInBoundsGEP1_64(i64(), inputs, input_index(Input::Age)));
      business = b_.CreateCall(calendar_helper("iwd_jit_business_time"),
                               {args, llvm::ConstantInt::get(llvm::Type::getInt32Ty(ctx_), static_cast<std::uint64_t>(calendar)),
                                b_.CreateSub(now, age), now});
    }
    b_.CreateStore(business, b_.CreateConstInBoundsGEP1_64(i64(), copy, input_index(Input::Age)));
    b_.CreateStore(ci(calendar), b_.CreateConstInBoundsGEP1_64(i64(), copy, input_index(Input::AgeCalendar)));
    return block;
  }
};

}  // namespace iwd::compiler
