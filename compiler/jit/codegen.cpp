// LLVM IR for a rule program: one function per ProgramFunction, straight-line like the
// program itself. Registers live in three small stack arrays (value as i64, value as
// double, presence) that LLVM's SROA turns into SSA values; instructions that need the
// environment spill to the arrays and call iwd_jit_slow, which runs the interpreter's code
// for that one instruction.
#include "compiler/jit/codegen.h"
#include "compiler/jit/jit.h"

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Intrinsics.h>
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "stdlib/arith.h"

namespace iwd::compiler {
namespace {

struct Reg {
  llvm::Value* i;  // i64
  llvm::Value* f;  // double
  llvm::Value* p;  // i1: present
};

class FunctionCodegen {
 public:
  // `elapsed`: the variant for callers that know the item's SLA clock runs in elapsed time and
  // its age is elapsed (a share of the clock is then one multiplication: no calendar read, no
  // branch); see elapsed_clock_function(). `copy`: private to the module (program_function).
  // `registers`: the variant that also writes each register's value as the interpreter's
  // number() reads it (0 when absent) to a fourth argument, a double per register
  // (registers_function()); private to the module.
  FunctionCodegen(llvm::Module& m, const Program& p, std::size_t index, bool elapsed = false, bool copy = false,
                  bool registers = false)
      : m_(m), ctx_(m.getContext()), b_(ctx_), p_(p), index_(index), f_(p.functions[index]), elapsed_(elapsed), copy_(copy),
        registers_(registers) {}

  llvm::Function* emit();

 private:
  llvm::Module& m_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  const Program& p_;
  std::size_t index_;
  const ProgramFunction& f_;
  const bool elapsed_;
  const bool copy_;
  const bool registers_;
  std::vector<Reg> regs_;
  std::vector<VTag> tags_;  // what each register means
  llvm::Value *args_ = nullptr, *slots_ = nullptr, *present_ = nullptr, *inputs_ = nullptr, *strings_ = nullptr;
  llvm::Value *ri_ = nullptr, *rf_ = nullptr, *rp_ = nullptr;

  llvm::Type* i64() { return llvm::Type::getInt64Ty(ctx_); }
  llvm::Type* f64() { return llvm::Type::getDoubleTy(ctx_); }
  llvm::Type* i8() { return llvm::Type::getInt8Ty(ctx_); }
  llvm::Type* i1() { return llvm::Type::getInt1Ty(ctx_); }
  llvm::Value* ci(std::int64_t v) { return llvm::ConstantInt::get(i64(), static_cast<std::uint64_t>(v), true); }
  llvm::Value* cf(double v) { return llvm::ConstantFP::get(f64(), v); }
  llvm::Value* yes() { return llvm::ConstantInt::getTrue(ctx_); }
  llvm::Value* no() { return llvm::ConstantInt::getFalse(ctx_); }
  llvm::Value* load_field(unsigned index);
  // A load of memory that no call of a rule function changes (the argument block, the record,
  // the inputs, the string table): marked invariant, so that LLVM loads it once however many
  // inlined conditions read it.
  llvm::LoadInst* load_invariant(llvm::Type* ty, llvm::Value* ptr) {
    auto* load = b_.CreateLoad(ty, ptr);
    load->setMetadata(llvm::LLVMContext::MD_invariant_load, llvm::MDNode::get(ctx_, {}));
    return load;
  }
  Reg make_i(llvm::Value* v, llvm::Value* present) { return {v, cf(0), present}; }
  Reg make_f(llvm::Value* v, llvm::Value* present) { return {ci(0), v, present}; }
  Reg make_bool(llvm::Value* b1, llvm::Value* present) { return make_i(b_.CreateZExt(b1, i64()), present); }
  llvm::Value* as_double(const Reg& r, VType t) { return t == VType::F64 ? r.f : b_.CreateSIToFP(r.i, f64()); }
  // lt, gt of two values compared like the interpreter does.
  std::pair<llvm::Value*, llvm::Value*> compare(std::uint32_t a, std::uint32_t b);
  // An llvm.s*.with.overflow call: the result and whether it overflowed.
  std::pair<llvm::Value*, llvm::Value*> checked(llvm::Intrinsic::ID id, llvm::Value* x, llvm::Value* y) {
    auto* r = b_.CreateBinaryIntrinsic(id, x, y);
    return {b_.CreateExtractValue(r, 0), b_.CreateExtractValue(r, 1)};
  }
  Reg divide_rounded(const Reg& a, const Reg& b, llvm::Value* both);
  Reg instr(const Instr& in, std::size_t at);
  Reg slow(std::size_t at);
  Reg share_of_sla(const Instr& in, std::size_t at);
  void spill(std::uint32_t reg);
  bool is_string(std::uint32_t reg) const;
  llvm::Value* string_id(std::int64_t constant);
};

llvm::Value* FunctionCodegen::load_field(unsigned index) {
  auto* ptr_ty = llvm::Type::getInt64PtrTy(ctx_);
  auto* fields = b_.CreateBitCast(args_, ptr_ty->getPointerTo());
  auto* slot = b_.CreateConstInBoundsGEP1_64(ptr_ty, fields, index);
  return load_invariant(ptr_ty, slot);
}

bool FunctionCodegen::is_string(std::uint32_t reg) const { return tags_[reg] == VTag::String; }

llvm::Value* FunctionCodegen::string_id(std::int64_t constant) {
  return load_invariant(i64(), b_.CreateConstInBoundsGEP1_64(i64(), strings_, static_cast<std::uint64_t>(constant)));
}

std::pair<llvm::Value*, llvm::Value*> FunctionCodegen::compare(std::uint32_t a, std::uint32_t b) {
  const VType ta = f_.reg_types[a], tb = f_.reg_types[b];
  if (ta == VType::F64 || tb == VType::F64) {
    auto* x = as_double(regs_[a], ta);
    auto* y = as_double(regs_[b], tb);
    return {b_.CreateFCmpOLT(x, y), b_.CreateFCmpOGT(x, y)};
  }
  return {b_.CreateICmpSLT(regs_[a].i, regs_[b].i), b_.CreateICmpSGT(regs_[a].i, regs_[b].i)};
}

void FunctionCodegen::spill(std::uint32_t reg) {
  const Reg& r = regs_[reg];
  b_.CreateStore(r.i, b_.CreateConstInBoundsGEP1_64(i64(), ri_, reg));
  b_.CreateStore(r.f, b_.CreateConstInBoundsGEP1_64(f64(), rf_, reg));
  b_.CreateStore(b_.CreateZExt(r.p, i8()), b_.CreateConstInBoundsGEP1_64(i8(), rp_, reg));
}

Reg FunctionCodegen::slow(std::size_t at) {
  // Every register so far goes to the arrays: the slow path reads what it needs.
  for (std::uint32_t r = 0; r < regs_.size(); ++r)
    if (regs_[r].i != nullptr) spill(r);
  auto* i32 = llvm::Type::getInt32Ty(ctx_);
  auto* ty = llvm::FunctionType::get(
      i8(), {args_->getType(), i32, i32, ri_->getType(), rf_->getType(), rp_->getType(), ri_->getType(), rf_->getType()},
      false);
  auto callee = m_.getOrInsertFunction("iwd_jit_slow", ty);
  auto* out_i = b_.CreateAlloca(i64());
  auto* out_f = b_.CreateAlloca(f64());
  auto* present = b_.CreateCall(callee, {args_, llvm::ConstantInt::get(i32, index_), llvm::ConstantInt::get(i32, at), ri_,
                                         rf_, rp_, out_i, out_f});
  return {b_.CreateLoad(i64(), out_i), b_.CreateLoad(f64(), out_f), b_.CreateICmpNE(present, llvm::ConstantInt::get(i8(), 0))};
}

// A duration divided by an int: rounded to the millisecond, halves away from zero; absent for
// a zero divisor and for -2^63 / -1 (stdlib::divide_rounded, operation for operation).
Reg FunctionCodegen::divide_rounded(const Reg& a, const Reg& b, llvm::Value* both) {
  auto* bad = b_.CreateOr(b_.CreateICmpEQ(b.i, ci(0)),
                          b_.CreateAnd(b_.CreateICmpEQ(a.i, ci(std::numeric_limits<std::int64_t>::min())),
                                       b_.CreateICmpEQ(b.i, ci(-1))));
  auto* d = b_.CreateSelect(bad, ci(1), b.i);
  auto* q = b_.CreateSDiv(a.i, d);
  auto* r = b_.CreateSRem(a.i, d);
  auto* ur = b_.CreateSelect(b_.CreateICmpSLT(r, ci(0)), b_.CreateSub(ci(0), r), r);  // |r| < 2^63
  auto* ud = b_.CreateSelect(b_.CreateICmpSLT(d, ci(0)), b_.CreateSub(ci(0), d), d);  // |d| as unsigned
  auto* half = b_.CreateAnd(b_.CreateICmpNE(r, ci(0)), b_.CreateICmpUGE(ur, b_.CreateSub(ud, ur)));
  auto* negative = b_.CreateICmpSLT(b_.CreateXor(a.i, d), ci(0));
  auto* away = b_.CreateAdd(q, b_.CreateSelect(negative, ci(-1), ci(1)));
  return make_i(b_.CreateSelect(half, away, q), b_.CreateAnd(both, b_.CreateNot(bad)));
}

// `N% of sla` (Interpreter::share_age): inline for an SLA clock in elapsed time measured in
// elapsed age, `round(share * window)`; through the interpreter's calendar code otherwise.
// The elapsed variant of a function (elapsed_) has the inline part only.
Reg FunctionCodegen::share_of_sla(const Instr& in, std::size_t /*at*/) {
  auto input = [&](Input i) { return load_invariant(i64(), b_.CreateConstInBoundsGEP1_64(i64(), inputs_, input_index(i))); };
  auto* window = input(Input::Window);
  if (elapsed_) return make_i(elapsed_share(b_, m_, cf(in.fimm), window), b_.CreateICmpNE(window, ci(TimeInputs::kNone)));
  auto* elapsed = b_.CreateAnd(b_.CreateICmpSLT(input(Input::SlaCalendar), ci(0)), b_.CreateICmpSLT(input(Input::AgeCalendar), ci(0)));
  auto* fast_bb = llvm::BasicBlock::Create(ctx_, "share_fast", b_.GetInsertBlock()->getParent());
  auto* slow_bb = llvm::BasicBlock::Create(ctx_, "share_slow", b_.GetInsertBlock()->getParent());
  auto* join_bb = llvm::BasicBlock::Create(ctx_, "share_join", b_.GetInsertBlock()->getParent());
  b_.CreateCondBr(elapsed, fast_bb, slow_bb);
  b_.SetInsertPoint(fast_bb);
  Reg fast = make_i(elapsed_share(b_, m_, cf(in.fimm), window), b_.CreateICmpNE(window, ci(TimeInputs::kNone)));
  auto* fast_end = b_.GetInsertBlock();
  b_.CreateBr(join_bb);
  b_.SetInsertPoint(slow_bb);
  // A calendar clock: the interpreter's code through a plain helper (no registers spilled),
  // given what the answer depends on (the clock: start, window, its calendars; and the share)
  // rather than the block, and declared as reading no memory (the calendars never change while
  // code runs; jit.cpp): so the calls of one item's copies of the block at other ages (the next
  // change's candidates) are one call (issue 19; codegen_next.cpp's share_the_clock gives them
  // the caller's interpreter and clock: the first four operands, in this order). The one
  // memory it does touch, the interpreter's thread_local share memo (Interpreter::share_age), is
  // a cache no generated code reads: the same operands give the same answer with it or without.
  auto helper = m_.getOrInsertFunction("iwd_jit_share_age_of_clock",
                                       llvm::FunctionType::get(i64(), {args_->getType(), i64(), i64(), i64(), i64(), f64()}, false));
  if (auto* f = llvm::dyn_cast<llvm::Function>(helper.getCallee())) {
    f->setDoesNotAccessMemory();
    f->setDoesNotThrow();
    f->setWillReturn();
  }
  auto* interp = b_.CreateBitCast(load_field(kArgsInterp), args_->getType());
  auto* on_clock = b_.CreateCall(helper, {interp, input(Input::Start), window, input(Input::SlaCalendar), input(Input::AgeCalendar), cf(in.fimm)});
  const Reg slow_value = make_i(on_clock, b_.CreateICmpNE(on_clock, ci(TimeInputs::kNone)));
  auto* slow_end = b_.GetInsertBlock();
  b_.CreateBr(join_bb);
  b_.SetInsertPoint(join_bb);
  auto* i = b_.CreatePHI(i64(), 2);
  i->addIncoming(fast.i, fast_end);
  i->addIncoming(slow_value.i, slow_end);
  auto* p = b_.CreatePHI(b_.getInt1Ty(), 2);
  p->addIncoming(fast.p, fast_end);
  p->addIncoming(slow_value.p, slow_end);
  return make_i(i, p);
}

Reg FunctionCodegen::instr(const Instr& in, std::size_t at) {
  const Reg& a = regs_[in.a];
  const Reg& b = regs_[in.b];
  switch (in.op) {
    case Op::ConstI:
      return make_i(in.tag == VTag::String ? string_id(in.imm) : ci(in.imm), yes());
    case Op::ConstF: return make_f(cf(in.fimm), yes());
    case Op::Absent: return make_i(ci(0), no());
    case Op::LoadAttr: {
      auto* raw = load_invariant(i64(), b_.CreateConstInBoundsGEP1_64(i64(), slots_, in.a));
      auto* word = load_invariant(i64(), b_.CreateConstInBoundsGEP1_64(i64(), present_, in.a / 64));
      auto* bit = b_.CreateICmpNE(b_.CreateAnd(word, ci(std::int64_t{1} << (in.a % 64))), ci(0));
      if (in.type == VType::F64) return make_f(b_.CreateBitCast(raw, f64()), bit);
      return make_i(raw, bit);
    }
    case Op::LoadInput: {
      auto* v = load_invariant(i64(), b_.CreateConstInBoundsGEP1_64(i64(), inputs_, in.a));
      // Without a due instant (TimeInputs::kNone) `due` reads the end of time and the window
      // (`sla`) is absent, as Interpreter::exec has it.
      if (in.a == static_cast<std::uint32_t>(Input::Due))
        return make_i(b_.CreateSelect(b_.CreateICmpEQ(v, ci(TimeInputs::kNone)), ci(TimeInputs::kDueNever), v), yes());
      if (in.a != static_cast<std::uint32_t>(Input::Window)) return make_i(v, yes());
      return make_i(v, b_.CreateICmpNE(v, ci(TimeInputs::kNone)));
    }
    case Op::ShareOfSla: return share_of_sla(in, at);
    case Op::Neg: {
      if (in.type == VType::F64) return make_f(b_.CreateFNeg(a.f), a.p);
      auto [v, overflow] = checked(llvm::Intrinsic::ssub_with_overflow, ci(0), a.i);  // -(-2^63): absent
      return make_i(v, b_.CreateAnd(a.p, b_.CreateNot(overflow)));
    }
    case Op::IntToNumber: return make_f(b_.CreateSIToFP(a.i, f64()), a.p);
    case Op::Add:
    case Op::Sub:
    case Op::Mul:
    case Op::Div: {
      const VType ta = f_.reg_types[in.a], tb = f_.reg_types[in.b];
      auto* both = b_.CreateAnd(a.p, b.p);
      // Results outside 64 bits, or not finite, are absent (stdlib/arith.h, as the interpreter).
      if (in.type == VType::I64 && ta == VType::I64 && tb == VType::I64) {
        if (in.op == Op::Div) return divide_rounded(a, b, both);
        const auto id = in.op == Op::Add   ? llvm::Intrinsic::sadd_with_overflow
                        : in.op == Op::Sub ? llvm::Intrinsic::ssub_with_overflow
                                           : llvm::Intrinsic::smul_with_overflow;
        auto [v, overflow] = checked(id, a.i, b.i);
        return make_i(v, b_.CreateAnd(both, b_.CreateNot(overflow)));
      }
      auto* x = as_double(a, ta);
      auto* y = as_double(b, tb);
      llvm::Value* ok = both;
      llvm::Value* v = nullptr;
      switch (in.op) {
        case Op::Add: v = b_.CreateFAdd(x, y); break;
        case Op::Sub: v = b_.CreateFSub(x, y); break;
        case Op::Mul: v = b_.CreateFMul(x, y); break;
        default:
          ok = b_.CreateAnd(both, b_.CreateFCmpUNE(y, cf(0)));
          v = b_.CreateFDiv(x, y);
          break;
      }
      if (in.type == VType::F64) {
        auto* fabs = b_.CreateUnaryIntrinsic(llvm::Intrinsic::fabs, v);
        return make_f(v, b_.CreateAnd(ok, b_.CreateFCmpONE(fabs, cf(std::numeric_limits<double>::infinity()))));
      }
      // A duration scaled by a number: rounded to the millisecond, halves away from zero;
      // absent outside 64 bits (stdlib::round_to_int).
      auto* whole = b_.CreateUnaryIntrinsic(llvm::Intrinsic::round, v);
      auto* fits = b_.CreateAnd(b_.CreateFCmpOGE(whole, cf(stdlib::kMinIntAsDouble)),
                                b_.CreateFCmpOLT(whole, cf(stdlib::kEndIntAsDouble)));
      return make_i(b_.CreateFPToSI(b_.CreateSelect(fits, whole, cf(0)), i64()), b_.CreateAnd(ok, fits));
    }
    case Op::Eq:
    case Op::Ne:
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge: {
      if ((in.op != Op::Eq && in.op != Op::Ne) && is_string(in.a)) return slow(at);
      auto [lt, gt] = compare(in.a, in.b);
      llvm::Value* v = nullptr;
      switch (in.op) {
        case Op::Eq: v = b_.CreateNot(b_.CreateOr(lt, gt)); break;
        case Op::Ne: v = b_.CreateOr(lt, gt); break;
        case Op::Lt: v = lt; break;
        case Op::Le: v = b_.CreateNot(gt); break;
        case Op::Gt: v = gt; break;
        default: v = b_.CreateNot(lt); break;
      }
      return make_bool(v, b_.CreateAnd(a.p, b.p));
    }
    case Op::And:
    case Op::Or: {
      auto* at_ = b_.CreateICmpNE(a.i, ci(0));
      auto* bt = b_.CreateICmpNE(b.i, ci(0));
      if (in.op == Op::And) {
        // false if either is a present false; true if both present (and true); else absent.
        auto* a_false = b_.CreateAnd(a.p, b_.CreateNot(at_));
        auto* b_false = b_.CreateAnd(b.p, b_.CreateNot(bt));
        auto* any_false = b_.CreateOr(a_false, b_false);
        auto* both = b_.CreateAnd(a.p, b.p);
        return make_bool(b_.CreateNot(any_false), b_.CreateOr(any_false, both));
      }
      auto* a_true = b_.CreateAnd(a.p, at_);
      auto* b_true = b_.CreateAnd(b.p, bt);
      auto* any_true = b_.CreateOr(a_true, b_true);
      return make_bool(any_true, b_.CreateOr(any_true, b_.CreateAnd(a.p, b.p)));
    }
    case Op::Not: return make_bool(b_.CreateICmpEQ(a.i, ci(0)), a.p);
    case Op::Coalesce:
      return {b_.CreateSelect(a.p, a.i, b.i), b_.CreateSelect(a.p, a.f, b.f), b_.CreateSelect(a.p, yes(), b.p)};
    case Op::Present: return make_bool(a.p, yes());
    case Op::Select: {
      const Reg& c = regs_[in.c];
      auto* t = b_.CreateAnd(c.p, b_.CreateICmpNE(c.i, ci(0)));
      return {b_.CreateSelect(t, a.i, b.i), b_.CreateSelect(t, a.f, b.f), b_.CreateSelect(t, a.p, b.p)};
    }
    case Op::InList: {
      const auto& list = p_.lists[in.b];
      const bool as_numbers = list.tag == VTag::Number || f_.reg_types[in.a] == VType::F64;
      llvm::Value* found = no();
      if (as_numbers) {
        auto* x = as_double(a, f_.reg_types[in.a]);
        for (double n : list.numbers) found = b_.CreateOr(found, b_.CreateFCmpOEQ(x, cf(n)));
        for (std::int64_t n : list.values) found = b_.CreateOr(found, b_.CreateFCmpOEQ(x, cf(static_cast<double>(n))));
      } else {
        for (std::int64_t n : list.values)
          found = b_.CreateOr(found, b_.CreateICmpEQ(a.i, list.tag == VTag::String ? string_id(n) : ci(n)));
      }
      return make_bool(found, a.p);
    }
    case Op::InRange: {
      if (is_string(in.a)) return slow(at);
      const Reg& c = regs_[in.c];
      auto [lt1, gt1] = compare(in.b, in.a);  // b <= a: not (b > a)
      auto [lt2, gt2] = compare(in.a, in.c);  // a <= c
      (void)lt1;
      (void)lt2;
      auto* v = b_.CreateAnd(b_.CreateNot(gt1), b_.CreateNot(gt2));
      return make_bool(v, b_.CreateAnd(a.p, b_.CreateAnd(b.p, c.p)));
    }
    case Op::LoadSkill:
    case Op::LoadAgent: {
      // The agent's skill level or attribute, through the environment (iwd_jit_skill,
      // iwd_jit_agent_attribute): no spill, no allocation.
      auto* i32 = llvm::Type::getInt32Ty(ctx_);
      auto callee = m_.getOrInsertFunction(in.op == Op::LoadSkill ? "iwd_jit_skill" : "iwd_jit_agent_attribute",
                                           llvm::FunctionType::get(i8(), {args_->getType(), i32, i64()->getPointerTo()}, false));
      auto* out = b_.CreateAlloca(i64());
      auto* present = b_.CreateCall(callee, {args_, llvm::ConstantInt::get(i32, in.a), out});
      return make_i(b_.CreateLoad(i64(), out), b_.CreateICmpNE(present, llvm::ConstantInt::get(i8(), 0)));
    }
    case Op::InAttrList: {
      // Asked only when both are present, as the interpreter does (the helper checks).
      auto callee = m_.getOrInsertFunction("iwd_jit_list_contains",
                                           llvm::FunctionType::get(i8(), {args_->getType(), i64(), i64(), i8()}, false));
      auto* both = b_.CreateAnd(a.p, b.p);
      auto* found = b_.CreateCall(callee, {args_, b.i, a.i, b_.CreateZExt(both, i8())});
      return make_bool(b_.CreateICmpNE(found, llvm::ConstantInt::get(i8(), 0)), both);
    }
    case Op::Call:
      return slow(at);
  }
  return slow(at);
}

llvm::Function* FunctionCodegen::emit() {
  auto* args_ty = i8()->getPointerTo();
  std::vector<llvm::Type*> params = {args_ty, llvm::Type::getInt64PtrTy(ctx_), llvm::Type::getDoublePtrTy(ctx_)};
  if (registers_) params.push_back(llvm::Type::getDoublePtrTy(ctx_));
  auto* fn_ty = llvm::FunctionType::get(i8(), params, false);
  // The elapsed variant is private to the module (only the priority formulas call it), and so
  // is a copy for a lazily compiled unit's callers.
  const std::string name = fmt::format("iwd_f{}{}{}", index_, elapsed_ ? "_elapsed" : "", registers_ ? "_registers" : "");
  auto* fn = llvm::Function::Create(
      fn_ty, elapsed_ || copy_ || registers_ ? llvm::Function::InternalLinkage : llvm::Function::ExternalLinkage, name, m_);
  auto* entry = llvm::BasicBlock::Create(ctx_, "entry", fn);
  b_.SetInsertPoint(entry);
  args_ = fn->getArg(0);
  slots_ = load_field(kArgsSlots);
  present_ = load_field(kArgsPresent);
  inputs_ = load_field(kArgsInputs);
  strings_ = load_field(kArgsStrings);
  const auto n = static_cast<std::uint64_t>(f_.reg_types.size());
  auto* count = ci(static_cast<std::int64_t>(n == 0 ? 1 : n));
  ri_ = b_.CreateAlloca(i64(), count, "ri");
  rf_ = b_.CreateAlloca(f64(), count, "rf");
  rp_ = b_.CreateAlloca(i8(), count, "rp");
  regs_.assign(f_.reg_types.size(), Reg{nullptr, nullptr, nullptr});
  tags_.assign(f_.reg_types.size(), VTag::Int);
  for (const auto& in : f_.code) tags_[in.dst] = in.tag;
  for (std::size_t k = 0; k < f_.code.size(); ++k) regs_[f_.code[k].dst] = instr(f_.code[k], k);
  if (registers_)
    for (std::uint32_t k = 0; k < regs_.size(); ++k)
      if (regs_[k].i != nullptr)
        b_.CreateStore(b_.CreateSelect(regs_[k].p, as_double(regs_[k], f_.reg_types[k]), cf(0)),
                       b_.CreateConstInBoundsGEP1_64(f64(), fn->getArg(3), k));
  const Reg& r = regs_[f_.result];
  b_.CreateStore(r.i, fn->getArg(1));
  b_.CreateStore(r.f, fn->getArg(2));
  b_.CreateRet(b_.CreateZExt(r.p, i8()));
  return fn;
}

}  // namespace

llvm::Value* elapsed_share(llvm::IRBuilder<>& b, llvm::Module& m, llvm::Value* share, llvm::Value* window) {
  auto* f64 = b.getDoubleTy();
  auto* scaled = b.CreateFMul(share, b.CreateSIToFP(window, f64));
  auto* rounded = b.CreateCall(llvm::Intrinsic::getDeclaration(&m, llvm::Intrinsic::round, {f64}), {scaled});
  return b.CreateIntrinsic(llvm::Intrinsic::fptosi_sat, {b.getInt64Ty(), f64}, {rounded});
}

bool reads_sla_clock(const ProgramFunction& f) {
  for (const auto& in : f.code)
    if (in.op == Op::ShareOfSla) return true;
  return false;
}

llvm::Function* program_function(llvm::Module& m, const Program& program, FunctionRef f) {
  if (auto* done = m.getFunction(fmt::format("iwd_f{}", f))) return done;
  return FunctionCodegen(m, program, static_cast<std::size_t>(f), /*elapsed=*/false, /*copy=*/true).emit();
}

llvm::Function* registers_function(llvm::Module& m, const Program& program, FunctionRef f, bool elapsed) {
  const auto index = static_cast<std::size_t>(f);
  elapsed = elapsed && reads_sla_clock(program.functions[index]);
  if (auto* done = m.getFunction(fmt::format("iwd_f{}{}_registers", f, elapsed ? "_elapsed" : ""))) return done;
  return FunctionCodegen(m, program, index, elapsed, /*copy=*/false, /*registers=*/true).emit();
}

llvm::Function* elapsed_clock_function(llvm::Module& m, const Program& program, FunctionRef f) {
  const auto index = static_cast<std::size_t>(f);
  if (!reads_sla_clock(program.functions[index])) return program_function(m, program, f);
  if (auto* done = m.getFunction(fmt::format("iwd_f{}_elapsed", f))) return done;
  return FunctionCodegen(m, program, index, /*elapsed=*/true).emit();
}

namespace {

// Whether function `f` is straight-line code that calls nothing (no built-in, no string order,
// no agent, no list attribute, no calendar share of the SLA): what FunctionCodegen emits for
// it then has no branch and no side effect, so evaluating it when its value is not needed
// is safe.
bool speculatable(const Program& p, FunctionRef f) {
  if (f < 0) return true;
  const ProgramFunction& fn = p.functions[static_cast<std::size_t>(f)];
  std::vector<VTag> tags(fn.reg_types.size(), VTag::Int);
  for (const auto& in : fn.code) tags[in.dst] = in.tag;
  for (const auto& in : fn.code) {
    switch (in.op) {
      case Op::Call:
      case Op::LoadSkill:
      case Op::LoadAgent:
      case Op::InAttrList:
      case Op::ShareOfSla: return false;
      case Op::Lt:
      case Op::Le:
      case Op::Gt:
      case Op::Ge:
      case Op::InRange:
        if (tags[in.a] == VTag::String) return false;  // the slow path (string order)
        break;
      default: break;
    }
  }
  return true;
}

// Whether the walk is emitted without branches (WalkCodegen::selected): every `when` of the
// walk speculatable, and all of them together small enough to evaluate for every item.
bool walk_selects(const Program& p) {
  constexpr std::size_t kMaxInstructions = 512, kMaxTable = std::size_t{1} << 16;
  std::size_t instructions = 0, stride = 1;
  auto take = [&](FunctionRef f) {
    if (f >= 0) instructions += p.functions[static_cast<std::size_t>(f)].code.size();
    return speculatable(p, f);
  };
  for (const auto& d : p.departments) {
    if (!take(d.when)) return false;
    for (auto pi : d.processes)
      if (!take(p.processes[static_cast<std::size_t>(pi)].when)) return false;
    stride = std::max(stride, d.processes.size() + 1);
  }
  return instructions <= kMaxInstructions && (p.departments.size() + 1) * stride <= kMaxTable;
}

// The decision walk of LANGUAGE.md section 7: `int32 iwd_classify(const JitArgs* args, int32*
// detail)` returns the process, or -1 when the item is rejected; *detail then tells why: the
// missing required attribute's slot, or kNoDepartment, or the department that took the item
// but has no matching process. The `when` functions are inlined into it. Split, each
// department's processes are `int32 iwd_department<d>(args, detail)` of the same contract,
// which the walk calls once the department has taken the item: a lazily compiled program
// compiles a department's part when an item first reaches it.
class WalkCodegen {
 public:
  WalkCodegen(llvm::Module& m, const Program& p) : m_(m), ctx_(m.getContext()), b_(ctx_), p_(p) {}

  void classify(bool split) {
    begin("iwd_classify");
    // Required attributes first.
    auto* fields = b_.CreateBitCast(args_, llvm::Type::getInt64PtrTy(ctx_)->getPointerTo());
    auto* present = b_.CreateLoad(llvm::Type::getInt64PtrTy(ctx_),
                                  b_.CreateConstInBoundsGEP1_64(llvm::Type::getInt64PtrTy(ctx_), fields, kArgsPresent));
    for (std::size_t a = 0; a < p_.attributes.size(); ++a) {
      if (!p_.attributes[a].required) continue;
      auto* word = b_.CreateLoad(i64(), b_.CreateConstInBoundsGEP1_64(i64(), present, a / 64));
      auto* bit = b_.CreateICmpNE(b_.CreateAnd(word, llvm::ConstantInt::get(i64(), std::uint64_t{1} << (a % 64))),
                                  llvm::ConstantInt::get(i64(), 0));
      auto* next = llvm::BasicBlock::Create(ctx_, "required_ok", fn_);
      auto* missing = llvm::BasicBlock::Create(ctx_, "missing", fn_);
      b_.CreateCondBr(bit, next, missing);
      b_.SetInsertPoint(missing);
      finish(-1, static_cast<std::int32_t>(a));
      b_.SetInsertPoint(next);
    }
    if (!split && walk_selects(p_)) return selected();
    for (std::size_t d = 0; d < p_.departments.size(); ++d) {
      auto* taken = llvm::BasicBlock::Create(ctx_, "department", fn_);
      auto* next_dep = llvm::BasicBlock::Create(ctx_, "next_department", fn_);
      b_.CreateCondBr(holds(p_.departments[d].when), taken, next_dep);
      b_.SetInsertPoint(taken);
      if (split) {
        auto callee = m_.getOrInsertFunction(fmt::format("iwd_department{}", d), fn_->getFunctionType());
        auto* call = b_.CreateCall(callee, {args_, detail_});
        call->setTailCall();
        b_.CreateRet(call);
      } else {
        processes(d);
      }
      b_.SetInsertPoint(next_dep);
    }
    if (p_.default_process >= 0) finish(p_.default_process, 0);
    else finish(-1, kClassifyNoDepartment);
  }

  void department(std::size_t d) {
    begin(fmt::format("iwd_department{}", d));
    processes(d);
  }

 private:
  llvm::Module& m_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  const Program& p_;
  llvm::Function* fn_ = nullptr;
  llvm::Value *args_ = nullptr, *detail_ = nullptr, *out_i_ = nullptr, *out_f_ = nullptr;

  llvm::Type* i64() { return llvm::Type::getInt64Ty(ctx_); }

  void begin(const std::string& name) {
    auto* i32 = llvm::Type::getInt32Ty(ctx_);
    fn_ = llvm::Function::Create(llvm::FunctionType::get(i32, {llvm::Type::getInt8PtrTy(ctx_), i32->getPointerTo()}, false),
                                 llvm::Function::ExternalLinkage, name, m_);
    args_ = fn_->getArg(0);
    detail_ = fn_->getArg(1);
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", fn_));
    out_i_ = b_.CreateAlloca(i64());
    out_f_ = b_.CreateAlloca(llvm::Type::getDoubleTy(ctx_));
  }
  void finish(std::int32_t process, std::int32_t why) {
    auto* i32 = llvm::Type::getInt32Ty(ctx_);
    b_.CreateStore(llvm::ConstantInt::get(i32, static_cast<std::uint64_t>(why), true), detail_);
    b_.CreateRet(llvm::ConstantInt::get(i32, static_cast<std::uint64_t>(process), true));
  }
  // A `when`: calls its function (small: inlined into the walk); true when present and non-zero.
  llvm::Value* holds(FunctionRef f) {
    if (f < 0) return llvm::ConstantInt::getTrue(ctx_);
    auto* callee = program_function(m_, p_, f);
    callee->addFnAttr(llvm::Attribute::AlwaysInline);
    auto* i8 = llvm::Type::getInt8Ty(ctx_);
    auto* present_v = b_.CreateCall(callee, {args_, out_i_, out_f_});
    auto* value = b_.CreateLoad(i64(), out_i_);
    return b_.CreateAnd(b_.CreateICmpNE(present_v, llvm::ConstantInt::get(i8, 0)),
                        b_.CreateICmpNE(value, llvm::ConstantInt::get(i64(), 0)));
  }
  // The walk without branches (issue 19: items in random process order mispredicted every
  // test of the chain, about half the cost of an item): every department's and process's
  // `when` evaluated (walk_selects() says they are straight-line code with no call, so
  // evaluating one the walk would not reach changes nothing but time), the first that holds
  // picked by selects. Each department's pick is a local index (its j-th process), so that
  // departments whose processes have the same conditions (segment x region) share one chain
  // after inlining and CSE; the process and the detail are then read from a table indexed by
  // department and local index, whose last entry of a row (and whose last row: no
  // department) holds what the walk above answers when nothing matches.
  void selected() {
    auto* i32 = llvm::Type::getInt32Ty(ctx_);
    const std::size_t n_dep = p_.departments.size();
    std::size_t stride = 1;
    for (const auto& d : p_.departments) stride = std::max(stride, d.processes.size() + 1);
    std::vector<llvm::Constant*> procs, details;
    auto put = [&](std::int32_t process, std::int32_t why) {
      procs.push_back(llvm::ConstantInt::get(i32, static_cast<std::uint64_t>(process), true));
      details.push_back(llvm::ConstantInt::get(i32, static_cast<std::uint64_t>(why), true));
    };
    for (std::size_t d = 0; d <= n_dep; ++d) {
      const std::size_t n = d < n_dep ? p_.departments[d].processes.size() : 0;
      for (std::size_t j = 0; j < stride; ++j) {
        if (j < n) put(p_.departments[d].processes[j], 0);
        else if (p_.default_process >= 0) put(p_.default_process, 0);
        else put(-1, d < n_dep ? kClassifyDepartmentBase + static_cast<std::int32_t>(d) : kClassifyNoDepartment);
      }
    }
    auto table = [&](const char* name, const std::vector<llvm::Constant*>& values) {
      auto* ty = llvm::ArrayType::get(i32, values.size());
      return new llvm::GlobalVariable(m_, ty, true, llvm::GlobalValue::InternalLinkage, llvm::ConstantArray::get(ty, values), name);
    };
    auto* proc_table = table("iwd_walk_processes", procs);
    auto* detail_table = table("iwd_walk_details", details);
    auto pick = [&](llvm::Value* c, llvm::Value* yes, llvm::Value* no) {
      llvm::Value* v = b_.CreateSelect(c, yes, no);
      if (auto* in = llvm::dyn_cast<llvm::Instruction>(v))  // kept a cmov (no branch back in codegen)
        in->setMetadata(llvm::LLVMContext::MD_unpredictable, llvm::MDNode::get(ctx_, {}));
      return v;
    };
    auto local = [&](std::size_t d) {  // department d's first process that holds, else its count
      const auto& procs_d = p_.departments[d].processes;
      llvm::Value* j = ci(static_cast<std::int64_t>(procs_d.size()));
      for (std::size_t k = procs_d.size(); k-- > 0;)
        j = pick(holds(p_.processes[static_cast<std::size_t>(procs_d[k])].when), ci(static_cast<std::int64_t>(k)), j);
      return j;
    };
    // No department: the last row (any column: the row is uniform); the last department's
    // local index keeps the chain of locals foldable when all departments share it.
    llvm::Value* dep = ci(static_cast<std::int64_t>(n_dep));
    llvm::Value* loc = n_dep > 0 ? local(n_dep - 1) : ci(0);
    for (std::size_t d = n_dep; d-- > 0;) {
      auto* taken = holds(p_.departments[d].when);
      dep = pick(taken, ci(static_cast<std::int64_t>(d)), dep);
      if (d + 1 < n_dep) loc = pick(taken, local(d), loc);
    }
    auto* index = b_.CreateAdd(b_.CreateMul(dep, ci(static_cast<std::int64_t>(stride))), loc);
    auto* process = b_.CreateLoad(i32, b_.CreateInBoundsGEP(proc_table->getValueType(), proc_table, {ci(0), index}));
    auto* why = b_.CreateLoad(i32, b_.CreateInBoundsGEP(detail_table->getValueType(), detail_table, {ci(0), index}));
    b_.CreateStore(why, detail_);
    b_.CreateRet(process);
  }
  llvm::Value* ci(std::int64_t v) { return llvm::ConstantInt::get(i64(), static_cast<std::uint64_t>(v), true); }

  // Department d has taken the item: its first process whose `when` holds, else the default
  // process, else the department's rejection.
  void processes(std::size_t d) {
    for (auto pi : p_.departments[d].processes) {
      auto* match = llvm::BasicBlock::Create(ctx_, "process", fn_);
      auto* next_proc = llvm::BasicBlock::Create(ctx_, "next_process", fn_);
      b_.CreateCondBr(holds(p_.processes[static_cast<std::size_t>(pi)].when), match, next_proc);
      b_.SetInsertPoint(match);
      finish(pi, 0);
      b_.SetInsertPoint(next_proc);
    }
    if (p_.default_process >= 0) finish(p_.default_process, 0);
    else finish(-1, kClassifyDepartmentBase + static_cast<std::int32_t>(d));
  }
};

}  // namespace

std::unique_ptr<llvm::Module> build_module(llvm::LLVMContext& ctx, const Program& program) {
  auto m = std::make_unique<llvm::Module>("iwd_rules", ctx);
  for (std::size_t i = 0; i < program.functions.size(); ++i) FunctionCodegen(*m, program, i).emit();
  WalkCodegen(*m, program).classify(/*split=*/false);
  emit_schemes(*m, program);
  emit_batch(*m, program);
  return m;
}

std::unique_ptr<llvm::Module> build_walk(llvm::LLVMContext& ctx, const Program& program, bool split) {
  auto m = std::make_unique<llvm::Module>("iwd_walk", ctx);
  WalkCodegen(*m, program).classify(split);
  return m;
}

std::unique_ptr<llvm::Module> build_unit(llvm::LLVMContext& ctx, const Program& program, CodeUnit unit) {
  auto m = std::make_unique<llvm::Module>(fmt::format("iwd_unit_{}_{}", static_cast<int>(unit.kind), unit.index), ctx);
  switch (unit.kind) {
    case CodeUnit::Functions:
      for (std::size_t i = unit.index * kFunctionsPerPart; i < std::min(program.functions.size(), (unit.index + 1) * kFunctionsPerPart); ++i)
        FunctionCodegen(*m, program, i).emit();
      break;
    case CodeUnit::Department: WalkCodegen(*m, program).department(unit.index); break;
    case CodeUnit::Batch: emit_batch(*m, program); break;
    default: emit_scheme_unit(*m, program, unit); break;
  }
  return m;
}

std::string module_text(const llvm::Module& m) {
  std::string s;
  llvm::raw_string_ostream out(s);
  m.print(out, nullptr);
  return out.str();
}

}  // namespace iwd::compiler
