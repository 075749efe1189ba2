// LLVM IR for the next priority change of a scheme (issue 19), the runtime's question for
// every item whose priority changes with age:
//
//   i8 iwd_next<k>(const JitArgs*, i64* age, i64 open, i8* calendar)
//       1: the priority changes at *age; 2: never; 0: not answered here, ask the walk
//
// `open` is the open time of the item's SLA clock (from its start to its due instant, in the
// SLA's calendar) when the caller knows it without asking the calendar, else kNone (see
// share_in_the_calendar); `calendar` the scheme's `age in` calendar (a stdlib::BusinessCalendar)
// when the caller has it at hand (the table's entry looks it up at load), else null: then
// iwd_jit_calendar resolves it.
//
// It is Interpreter::next_priority_change (interp_change.cpp) operation for operation: the
// same candidates in the same floating point, the same saturation test on the unclamped value,
// the same steps back, with the compiled formula (a private copy of iwd_priority<k>, inlined
// with its pieces: inline_and_unmark()) where the walk calls the interpreter's. The candidates: the next step of each `every` clause and the next whole value
// on a sloped segment of a curve (closed forms), and the fixed breakpoints: a curve's points,
// the due instant with `overdue`, and the ages at which a comparison with the age flips (a
// boost `when age >= sla - 2h`, `age >= 6d and age < 8d`): the walk's analyse() follows the age
// through each piece, and so does this code, its kinds (fixed, linear in the age, not
// followed) decided from the piece's instructions at compile time and the linear forms and
// thresholds computed from the piece's registers (registers_function()). From the due instant
// on, an `overdue` value reading `overdue_by` or the age has its own breakpoints and, linear,
// the next whole value of its truncation. Under `age in CALENDAR` the candidates are open-time
// ages, each taken back to an elapsed age by the calendar's code (iwd_jit_open_time,
// iwd_jit_open_add on the calendar resolved once a call), as the walk does.
//
// Left to the walk (0): a piece whose age dependence the walk does not follow exactly (an age
// times an age, a call of the age, a select on it: its answer is a recheck, not exact), a piece
// linear in the age outside `overdue` (a continuous priority), a division of the age by zero,
// a piece reading `now` or `overdue_by` outside `overdue`, bounds that read the age; after
// kSteps candidates without a change (an `add` below one that moves the truncated value every
// few steps) or at a candidate past the 64-bit range the walk answers from the start.
#include <limits>
#include <set>

#include <llvm/Analysis/ValueTracking.h>
#include <llvm/IR/Dominators.h>
#include <llvm/Transforms/Utils/Cloning.h>

#include "compiler/jit/scheme_codegen.h"
#include "stdlib/calendar.h"
#include "stdlib/calendar_years.h"
#include "stdlib/time.h"

namespace iwd::compiler {
namespace {

constexpr std::int64_t kSteps = 8;  // candidates tried before the walk takes over
constexpr int kBack = 3;            // steps back from a changed candidate, as the walk
constexpr std::int64_t kNoCandidate = std::numeric_limits<std::int64_t>::max();

// How a register depends on the age, as interp_change.cpp's analyse() follows it.
enum class AgeKind : std::uint8_t { Fixed, Linear, Opaque };

// The operands an instruction reads as registers (bit 0: a, 1: b, 2: c), as analyse() has them.
std::uint8_t registers_read(Op op) {
  switch (op) {
    case Op::ConstI: case Op::ConstF: case Op::Absent: case Op::LoadAttr: case Op::LoadInput:
    case Op::LoadSkill: case Op::LoadAgent: case Op::Call: return 0;
    case Op::Neg: case Op::IntToNumber: case Op::Not: case Op::Present: case Op::InList: return 1;
    case Op::Select: case Op::InRange: return 7;
    default: return 3;
  }
}

// The kind of each register of `f` (analyse() with the kinds alone: they do not depend on the
// values, but for a division by zero, which the generated code tests). False when the generated
// code does not follow `f`: a register not followed (Opaque), a read of `now` or the age
// calendar, `overdue_by` outside the `overdue` piece, a register written twice.
bool age_kinds(const ProgramFunction& f, bool overdue_piece, std::vector<AgeKind>* out) {
  std::vector<AgeKind>& kind = *out;
  kind.assign(f.reg_types.size(), AgeKind::Fixed);
  std::vector<bool> written(f.reg_types.size(), false);
  for (const Instr& in : f.code) {
    if (in.dst >= kind.size() || written[in.dst]) return false;
    written[in.dst] = true;
    const std::uint8_t used = registers_read(in.op);
    auto operand = [&](std::uint32_t r, int bit) { return (used >> bit) & 1 && r < kind.size() ? kind[r] : AgeKind::Fixed; };
    const AgeKind a = operand(in.a, 0), b = operand(in.b, 1), c = operand(in.c, 2);
    const bool any_opaque = a == AgeKind::Opaque || b == AgeKind::Opaque;
    AgeKind& d = kind[in.dst];
    switch (in.op) {
      case Op::LoadInput:
        switch (static_cast<Input>(in.a)) {
          case Input::Age: d = AgeKind::Linear; break;
          case Input::OverdueBy:
            if (!overdue_piece) return false;
            d = AgeKind::Linear;
            break;
          case Input::Now: case Input::AgeCalendar: return false;
          default: break;
        }
        break;
      case Op::Neg: case Op::IntToNumber: d = a; break;
      case Op::Add: case Op::Sub:
        if (any_opaque) d = AgeKind::Opaque;
        else if (a == AgeKind::Linear || b == AgeKind::Linear) d = AgeKind::Linear;
        break;
      case Op::Mul:
        if (any_opaque || (a == AgeKind::Linear && b == AgeKind::Linear)) d = AgeKind::Opaque;
        else if (a == AgeKind::Linear || b == AgeKind::Linear) d = AgeKind::Linear;
        break;
      case Op::Div:
        if (any_opaque || b == AgeKind::Linear) d = AgeKind::Opaque;
        else if (a == AgeKind::Linear) d = AgeKind::Linear;  // Opaque when b is 0: tested at run time
        break;
      case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge:
        if (any_opaque || (a == AgeKind::Linear && b == AgeKind::Linear)) d = AgeKind::Opaque;
        break;
      case Op::InRange:
        if (any_opaque || c != AgeKind::Fixed || b != AgeKind::Fixed)
          d = a == AgeKind::Fixed && b == AgeKind::Fixed && c == AgeKind::Fixed ? AgeKind::Fixed : AgeKind::Opaque;
        break;
      case Op::And: case Op::Or: case Op::Not: case Op::Present:
        if (any_opaque) d = AgeKind::Opaque;
        break;
      case Op::Coalesce: case Op::Select: case Op::InList: case Op::InAttrList:
        if (a != AgeKind::Fixed || b != AgeKind::Fixed || (in.op == Op::Select && c != AgeKind::Fixed)) d = AgeKind::Opaque;
        break;
      case Op::Call:
        for (auto r : in.args)
          if (r >= kind.size() || kind[r] != AgeKind::Fixed) d = AgeKind::Opaque;
        break;
      default: break;
    }
    if (d == AgeKind::Opaque) return false;
  }
  return true;
}

// Whether a piece depends on the age at all (some register linear in it).
bool reads_age(const std::vector<AgeKind>& kinds) {
  for (AgeKind k : kinds)
    if (k != AgeKind::Fixed) return true;
  return false;
}

// The pieces of a scheme the walk analyses at the scheme's inputs (all but `overdue`).
std::vector<FunctionRef> scheme_pieces(const ProgramPriority& s) {
  std::vector<FunctionRef> pieces = {s.start, s.min, s.max};
  for (const auto& e : s.every) pieces.insert(pieces.end(), {e.period, e.add, e.from, e.until});
  for (const auto& pt : s.curve) pieces.insert(pieces.end(), {pt.at, pt.value});
  for (const auto& b : s.boosts) pieces.insert(pieces.end(), {b.amount, b.when});
  return pieces;
}

// Whether `p` points into the stack of the function being made: an alloca, or memory reached
// through a pointer loaded from one (the copies of the argument block and of its inputs).
// Through the argument itself (the caller's block, the record, the strings), not.
bool on_own_stack(const llvm::Value* p) {
  for (;;) {
    const llvm::Value* base = llvm::getUnderlyingObject(p, /*MaxLookup=*/0);
    if (const auto* load = llvm::dyn_cast<llvm::LoadInst>(base)) {
      p = load->getPointerOperand();
      continue;
    }
    return !llvm::isa<llvm::Argument>(base) && !llvm::isa<llvm::GlobalValue>(base);  // a phi or select: the stack's, to be safe
  }
}

// Every call of `fn` to a function of the module that is inlined anyway (the formula's private
// copy, the pieces and their registers' variants) inlined now, and the loads of what was
// inlined that read `fn`'s own stack unmarked as invariant: a piece marks its loads of the
// argument block, the inputs and the record invariant (no call of a rule function changes
// them), but here the pieces and the formula run on copies of the block that `fn` rewrites
// at each candidate, and LLVM takes two invariant loads of one address for one value whatever
// is stored between them (EarlyCSE). Before the inliner, with the copies passed to calls,
// it cannot tell; once the formula was inlined and a copy escaped (to a calendar's or a slow
// path's call, or before the pieces were inlined in the eager module), a step back read the
// candidate's age instead of its own and answered up to three milliseconds early (issue 19).
// Private functions left without a caller are removed.
void inline_and_unmark(llvm::Function* fn) {
  std::set<llvm::Function*> inlined;
  for (bool again = true; again;) {
    again = false;
    std::vector<llvm::CallBase*> calls;
    for (llvm::BasicBlock& block : *fn)
      for (llvm::Instruction& i : block)
        if (auto* call = llvm::dyn_cast<llvm::CallBase>(&i))
          if (llvm::Function* callee = call->getCalledFunction();
              callee && !callee->isDeclaration() && callee->hasFnAttribute(llvm::Attribute::AlwaysInline))
            calls.push_back(call);
    for (llvm::CallBase* call : calls) {
      llvm::Function* callee = call->getCalledFunction();
      llvm::InlineFunctionInfo info;
      if (llvm::InlineFunction(*call, info).isSuccess()) {
        inlined.insert(callee);
        again = true;
      }
    }
  }
  for (llvm::BasicBlock& block : *fn)
    for (llvm::Instruction& i : block)
      if (auto* load = llvm::dyn_cast<llvm::LoadInst>(&i);
          load && load->hasMetadata(llvm::LLVMContext::MD_invariant_load) && on_own_stack(load->getPointerOperand()))
        load->setMetadata(llvm::LLVMContext::MD_invariant_load, nullptr);
  for (llvm::Function* f : inlined)
    if (f->hasLocalLinkage() && f->use_empty()) f->eraseFromParent();
}

// The calls of iwd_jit_share_age_of_clock in `fn` (the shares of the SLA clock it asks).
std::vector<llvm::CallBase*> share_calls(llvm::Function* fn) {
  std::vector<llvm::CallBase*> shares;
  for (llvm::BasicBlock& block : *fn)
    for (llvm::Instruction& i : block)
      if (auto* call = llvm::dyn_cast<llvm::CallBase>(&i);
          call && call->getCalledFunction() && call->getCalledFunction()->getName() == "iwd_jit_share_age_of_clock")
        shares.push_back(call);
  return shares;
}

// Every share of the SLA clock that the inlined pieces ask (iwd_jit_share_age_of_clock,
// codegen.cpp: the interpreter, the clock's start, window and SLA calendar, the age calendar,
// the share) reads the clock of a copy of the caller's block, and no copy changes it (the
// copies move the age, now, overdue_by and the age calendar only): each call takes the
// caller's interpreter and clock instead, read once here, so that the calls of one share and
// age calendar are one call once the copies are registers (the early CSE after SROA), not one
// per copy (issue 19: the pieces at the scheme's inputs, the formula at now, at each candidate
// and each step back). Before, their loads of the same word through the copies came out of
// the passes in different forms (a load as i8*, a bitcast of one as i64*) and stayed apart.
void share_the_clock(llvm::Function* fn) {
  const std::vector<llvm::CallBase*> shares = share_calls(fn);
  if (shares.empty()) return;
  llvm::BasicBlock& entry = fn->getEntryBlock();
  llvm::IRBuilder<> b(entry.getTerminator());
  llvm::Type* i64 = b.getInt64Ty();
  auto* fields = b.CreateBitCast(fn->getArg(0), i64->getPointerTo()->getPointerTo());
  auto field = [&](unsigned k) { return b.CreateLoad(i64->getPointerTo(), b.CreateConstInBoundsGEP1_64(i64->getPointerTo(), fields, k)); };
  auto* interp = b.CreateBitCast(field(kArgsInterp), shares.front()->getArgOperand(0)->getType());
  auto* inputs = field(kArgsInputs);
  auto input = [&](Input in) { return b.CreateLoad(i64, b.CreateConstInBoundsGEP1_64(i64, inputs, input_index(in))); };
  llvm::Value* clock[] = {interp, input(Input::Start), input(Input::Window), input(Input::SlaCalendar)};
  for (llvm::CallBase* call : shares)
    for (unsigned k = 0; k < std::size(clock); ++k) call->setArgOperand(k, clock[k]);
}

// Under `age in` the SLA's own calendar, each share of the SLA clock before the due instant
// that the inlined pieces ask (`75% of sla`) is that part of the clock's open time, as
// Interpreter::clock_share_age has it where the round trip of add_business and business_time
// holds (interp_rules.cpp, share_is_part_of_open_time): `round(share * open)`, `open` the open
// time from the start to the due instant. An item's due instant is most often the SLA counted
// in the calendar from the start (add_business), whose open time is the SLA itself (that round
// trip): so the share is first taken as `round(share * sla)` (`sla` an input, known at once),
// and the interpreter's answer (share_age, from its memo when the clock was asked before)
// confirms it in a branch (issue 19). The processor takes the branch as predicted and goes on
// with the share while the interpreter and the calendar answer: the item's next change no
// longer waits on them (for items with their own starts, the memo's miss, the calendar's two
// lookups, the rounding and the calls were on its critical path). Where the open time is not
// the SLA (a `due_at`, an SLA in business days) the branch goes the other way, to the same
// answer computed apart; elsewhere (another calendar, a share of 1 or more, a clock near the
// ends of the counted years or past add_business's search) the interpreter's share_age as
// before. When the caller tells the clock's open time (iwd_next<k>'s third argument, not
// kNone: the table's entry knows it is the SLA when the item's due instant is the SLA counted
// from the start, rules_table.cpp), the share is `round(share * open)` at once, with no call
// at all (issue 19: the confirmation was the memo's hash and compares with one start, the
// memo's miss and a calendar lookup with their own starts). The calls become calls of
// iwd_next<k>_share, a private function declared as reading no memory as the helper it wraps,
// so that they stay one call (the early CSE after SROA, share_the_clock). The same answers
// whatever the path: the differential tests hold them to the walk's
// (NextChangeCalendar.TheShareOfTheSlaIsTheWalksWhateverTheDueInstant,
// .AToldOpenTimeIsTheClocksWhateverTheDueInstant).
void share_in_the_calendar(llvm::Function* fn, llvm::Value* cal, std::int32_t calendar) {
  const std::vector<llvm::CallBase*> shares = share_calls(fn);
  if (shares.empty()) return;
  llvm::Module& m = *fn->getParent();
  llvm::LLVMContext& ctx = m.getContext();
  llvm::Type* i64 = llvm::Type::getInt64Ty(ctx);
  // The item's SLA (Input::Sla), read once at the entry as share_the_clock reads its clock.
  llvm::Value* sla = nullptr;
  {
    llvm::IRBuilder<> b(fn->getEntryBlock().getTerminator());
    auto* fields = b.CreateBitCast(fn->getArg(0), i64->getPointerTo()->getPointerTo());
    auto* inputs = b.CreateLoad(i64->getPointerTo(), b.CreateConstInBoundsGEP1_64(i64->getPointerTo(), fields, kArgsInputs));
    sla = b.CreateLoad(i64, b.CreateConstInBoundsGEP1_64(i64, inputs, input_index(Input::Sla)));
  }
  const llvm::DominatorTree dominators(*fn);
  llvm::FunctionType* type = shares.front()->getFunctionType();  // (interp, start, window, sla_calendar, age_calendar, share)
  std::vector<llvm::Type*> params(type->param_begin(), type->param_end());
  params.push_back(cal->getType());
  params.push_back(i64);
  params.push_back(i64);
  auto* share = llvm::Function::Create(llvm::FunctionType::get(type->getReturnType(), params, false),
                                       llvm::Function::InternalLinkage, fn->getName() + "_share", m);
  share->setDoesNotAccessMemory();
  share->setDoesNotThrow();
  share->setWillReturn();
  share->addFnAttr(llvm::Attribute::NoInline);
  auto* entry = llvm::BasicBlock::Create(ctx, "entry", share);
  auto* told = llvm::BasicBlock::Create(ctx, "share_of_the_told_open_time", share);
  auto* guessed = llvm::BasicBlock::Create(ctx, "share_of_the_sla", share);
  auto* confirmed = llvm::BasicBlock::Create(ctx, "confirmed", share);
  auto* counted = llvm::BasicBlock::Create(ctx, "share_of_the_open_time", share);
  auto* plain = llvm::BasicBlock::Create(ctx, "share_age", share);
  llvm::IRBuilder<> b(entry);
  auto ci = [&](std::int64_t v) { return llvm::ConstantInt::get(i64, static_cast<std::uint64_t>(v)); };
  llvm::Value* start = share->getArg(1);
  llvm::Value* window = share->getArg(2);
  llvm::Value* portion = share->getArg(5);
  llvm::Value* its_sla = share->getArg(7);
  llvm::Value* told_open = share->getArg(8);  // the clock's open time from the caller; kNone: not told
  std::vector<llvm::Value*> operands;  // the helper's
  for (unsigned k = 0; k < type->getNumParams(); ++k) operands.push_back(share->getArg(k));
  // share_is_part_of_open_time, the SLA's calendar being the age's (and so a calendar).
  llvm::Value* conditions[] = {
      b.CreateICmpEQ(share->getArg(3), ci(calendar)),
      b.CreateICmpEQ(share->getArg(4), ci(calendar)),
      b.CreateICmpSGT(window, ci(0)),  // not kNone either
      b.CreateFCmpOGE(portion, llvm::ConstantFP::get(b.getDoubleTy(), 0.0)),
      b.CreateFCmpOLT(portion, llvm::ConstantFP::get(b.getDoubleTy(), 1.0)),
      b.CreateICmpSGE(start, ci(stdlib::kFirstCountedMs)),
      b.CreateICmpSLE(window, ci(stdlib::kWithinSearchMs)),
      b.CreateICmpSLE(start, b.CreateSub(ci(stdlib::kEndCountedMs), window)),
  };
  llvm::Value* part_of_open_time = conditions[0];
  for (llvm::Value* c : llvm::ArrayRef<llvm::Value*>(conditions).drop_front()) part_of_open_time = b.CreateAnd(part_of_open_time, c);
  auto* choose = llvm::BasicBlock::Create(ctx, "told_or_guessed", share);
  b.CreateCondBr(part_of_open_time, choose, plain);
  b.SetInsertPoint(choose);
  b.CreateCondBr(b.CreateICmpNE(told_open, ci(TimeInputs::kNone)), told, guessed);
  // round(share * open) with the open time told: no call.
  b.SetInsertPoint(told);
  b.CreateRet(elapsed_share(b, m, portion, told_open));
  // round(share * sla) at once, confirmed by the interpreter's answer in a branch.
  b.SetInsertPoint(guessed);
  auto* guess = elapsed_share(b, m, portion, its_sla);  // in range: open <= window when it is the SLA
  auto* answer = b.CreateCall(shares.front()->getCalledFunction(), operands);
  b.CreateCondBr(b.CreateICmpEQ(answer, guess), confirmed, counted);
  b.SetInsertPoint(confirmed);
  b.CreateRet(guess);
  // The open time is not the SLA: round(share * open), the interpreter's answer computed
  // apart (not `answer` itself, which the passes would take for the guess's and so fold the
  // branch into a select that waits for the interpreter).
  b.SetInsertPoint(counted);
  auto open_time = m.getOrInsertFunction("iwd_jit_open_time", llvm::FunctionType::get(i64, {cal->getType(), i64, i64}, false));
  if (auto* f = llvm::dyn_cast<llvm::Function>(open_time.getCallee())) {  // as SchemeCodegen::pure_helper declares it
    f->setDoesNotAccessMemory();
    f->setDoesNotThrow();
    f->setWillReturn();
  }
  auto* open = b.CreateCall(open_time, {share->getArg(6), start, b.CreateAdd(start, window)});
  b.CreateRet(elapsed_share(b, m, portion, open));
  b.SetInsertPoint(plain);
  b.CreateRet(b.CreateCall(shares.front()->getCalledFunction(), operands));
  const auto* resolved = llvm::dyn_cast<llvm::Instruction>(cal);
  for (llvm::CallBase* call : shares) {
    if (resolved && !dominators.dominates(resolved, call)) continue;  // none is before the calendar; to be safe
    std::vector<llvm::Value*> args(call->arg_begin(), call->arg_end());
    args.push_back(cal);
    args.push_back(sla);
    args.push_back(fn->getArg(2));
    auto* replacement = llvm::CallInst::Create(share, args, "", call);
    call->replaceAllUsesWith(replacement);
    call->eraseFromParent();
  }
}

}  // namespace

bool SchemeCodegen::next_change_compiles(const Program& p, std::size_t k) {
  const ProgramPriority& s = p.priorities[k];
  std::vector<AgeKind> kinds;
  for (FunctionRef f : scheme_pieces(s))
    if (f >= 0 && !age_kinds(p.functions[static_cast<std::size_t>(f)], /*overdue_piece=*/false, &kinds)) return false;
  // The saturation test reads the bounds at the walk's current age: constant there only.
  for (FunctionRef f : {s.min, s.max})
    if (f >= 0 && (age_kinds(p.functions[static_cast<std::size_t>(f)], false, &kinds), reads_age(kinds))) return false;
  return s.overdue < 0 || age_kinds(p.functions[static_cast<std::size_t>(s.overdue)], /*overdue_piece=*/true, &kinds);
}

void SchemeCodegen::next_change(std::size_t k) {
  auto* fn = llvm::Function::Create(llvm::FunctionType::get(i8(), {ptr(), i64()->getPointerTo(), i64(), ptr()}, false),
                                    llvm::Function::ExternalLinkage, fmt::format("iwd_next{}", k), m_);
  begin(fn);
  open_age_ = nullptr;
  auto answer = [&](std::int64_t v) { b_.CreateRet(llvm::ConstantInt::get(i8(), static_cast<std::uint64_t>(v))); };
  if (!next_change_compiles(p_, k)) return answer(0);
  const ProgramPriority& s = p_.priorities[k];
  const std::int32_t calendar = s.age_calendar;
  elapsed_ = priority_clock_elapsed(p_, k);  // as iwd_priority<k> calls the pieces
  llvm::Value* args = fn->getArg(0);
  auto* inputs = field(args, kArgsInputs);
  auto input = [&](llvm::Value* in, Input i) { return b_.CreateConstInBoundsGEP1_64(i64(), in, input_index(i)); };
  auto* age0 = b_.CreateLoad(i64(), input(inputs, Input::Age));
  auto* now0 = b_.CreateLoad(i64(), input(inputs, Input::Now));
  auto* due = b_.CreateLoad(i64(), input(inputs, Input::Due));
  auto* start = b_.CreateSub(now0, age0);
  auto* has_due = b_.CreateAnd(b_.CreateICmpNE(due, ci(TimeInputs::kNone)), b_.CreateICmpNE(due, ci(TimeInputs::kDueNever)));
  auto* wall_p = b_.CreateAlloca(i64());
  auto* sage_p = b_.CreateAlloca(i64());  // the scheme's age at *wall_p
  auto* raw_p = b_.CreateAlloca(f64());
  auto* tried_p = b_.CreateAlloca(i64());
  auto* at_p = b_.CreateAlloca(i64());
  auto* candidate_p = b_.CreateAlloca(i64());
  // Whether the candidate's scheme age is known (known_p), and then which (known_age_p): a
  // step's, whose wall-clock age the calendar's code gave (see before_due).
  auto* known_p = b_.CreateAlloca(b_.getInt1Ty());
  auto* known_age_p = b_.CreateAlloca(i64());
  // Copies of the argument block (named: lambdas read them): the inputs along the walk for the
  // formula (inputs_at), the same with the scheme's age for the pieces that read it, and the
  // inputs at the due instant, where the walk analyses the `overdue` value.
  const ArgsCopy moved = copy_args(args, inputs);
  const ArgsCopy scheme_moved = copy_args(args, inputs);
  const ArgsCopy at_due = copy_args(args, inputs);
  auto* give_up = llvm::BasicBlock::Create(ctx_, "give_up", fn);
  auto* never = llvm::BasicBlock::Create(ctx_, "never", fn);
  // The walk reads the pieces with the scheme's age counted as it says: another age calendar
  // in the inputs (none that the runtime passes) is the walk's to answer.
  auto* go = llvm::BasicBlock::Create(ctx_, "go", fn);
  b_.CreateCondBr(b_.CreateICmpEQ(b_.CreateLoad(i64(), input(inputs, Input::AgeCalendar)), ci(-1)), go, give_up);
  b_.SetInsertPoint(go);

  // The calendar's code (as the walk's scheme_age and wall_age), on the calendar resolved once
  // here. Each call is a lookup in the calendar's open-time table (about 10 ns with the call):
  // the item's open age now and the share of its SLA clock (`75% of sla`) are asked once, and
  // a candidate's open age is known without asking when it is a step's (issue 19).
  // The caller's (the fourth argument), else resolved by iwd_jit_calendar (a branch: no call
  // when given).
  llvm::Value* cal = nullptr;
  if (calendar >= 0) {
    auto* given = fn->getArg(3);
    auto* from = b_.GetInsertBlock();
    auto* resolve = llvm::BasicBlock::Create(ctx_, "resolve_calendar", fn);
    auto* resolved = llvm::BasicBlock::Create(ctx_, "calendar_resolved", fn);
    b_.CreateCondBr(b_.CreateIsNotNull(given), resolved, resolve);
    b_.SetInsertPoint(resolve);
    auto* asked = resolve_calendar(args, calendar);
    b_.CreateBr(resolved);
    b_.SetInsertPoint(resolved);
    auto* phi = b_.CreatePHI(ptr(), 2);
    phi->addIncoming(given, from);
    phi->addIncoming(asked, resolve);
    cal = phi;
  }
  auto scheme_age = [&](llvm::Value* wall) -> llvm::Value* {
    if (calendar < 0) return wall;
    return open_time(cal, start, b_.CreateAdd(start, wall));
  };
  // A whole scheme age (ms, in range) back to the elapsed age.
  auto wall_age = [&](llvm::Value* ms) -> llvm::Value* {
    if (calendar < 0) return ms;
    return open_add(cal, start, ms);
  };
  // The scheme's age at `wall`: `known` when `is_known`, else the calendar's answer (a branch:
  // no call when known).
  auto scheme_age_or = [&](llvm::Value* wall, llvm::Value* is_known, llvm::Value* known) -> llvm::Value* {
    if (calendar < 0) return wall;
    auto* from = b_.GetInsertBlock();
    auto* ask = llvm::BasicBlock::Create(ctx_, "open_age", fn);
    auto* join = llvm::BasicBlock::Create(ctx_, "open_age_known", fn);
    b_.CreateCondBr(is_known, join, ask);
    b_.SetInsertPoint(ask);
    auto* asked = scheme_age(wall);
    b_.CreateBr(join);
    b_.SetInsertPoint(join);
    auto* phi = b_.CreatePHI(i64(), 2);
    phi->addIncoming(known, from);
    phi->addIncoming(asked, ask);
    return phi;
  };
  // The item's scheme age now, and the pieces at the scheme's inputs (scheme_in): the age in
  // open time under `age in`.
  auto* sage0 = calendar >= 0 ? open_time(cal, start, now0) : age0;
  llvm::Value* scheme_args = calendar >= 0 ? business_age_args(args, inputs, calendar, sage0) : args;
  constexpr double kTwo63 = 9223372036854775808.0;
  auto fits = [&](llvm::Value* up) { return b_.CreateAnd(b_.CreateFCmpOGE(up, cf(-kTwo63)), b_.CreateFCmpOLT(up, cf(kTwo63))); };
  // wall_age(x) for a double x the walk converts: *ok when it is in range (else the walk's).
  auto wall_of = [&](llvm::Value* x, llvm::Value* keep, llvm::Value** in_range) {
    auto* up = unary(llvm::Intrinsic::ceil, x);
    *in_range = fits(up);
    return wall_age(b_.CreateFPToSI(b_.CreateSelect(b_.CreateAnd(keep, *in_range), up, cf(0)), i64()));
  };
  llvm::Value* out_of_range = b_.getFalse();  // a candidate the walk converts outside 64 bits
  llvm::Value* not_followed = b_.getFalse();  // the walk's analysis gives up (opaque) or is continuous

  // How the age flows through a piece (interp_change.cpp's analyse()), from its registers at
  // `block`'s inputs: the thresholds at which a comparison with the age flips, and the
  // piece's value as m * age + c when linear (else m is null).
  struct Threshold {
    llvm::Value *valid, *age;
  };
  struct AgeUse {
    std::vector<Threshold> thresholds;
    llvm::Value *m = nullptr, *c = nullptr, *opaque = nullptr;
  };
  auto analyse = [&](FunctionRef f, llvm::Value* block, llvm::Value* due_age, bool overdue_piece, AgeUse& use) {
    const ProgramFunction& pf = p_.functions[static_cast<std::size_t>(f)];
    std::vector<AgeKind> kinds;
    age_kinds(pf, overdue_piece, &kinds);
    if (!reads_age(kinds)) return;
    const auto n = static_cast<std::int64_t>(pf.reg_types.size());
    auto* regs = entry_array(f64(), static_cast<std::uint64_t>(n));
    auto* callee = registers_function(m_, p_, f, elapsed_);
    callee->addFnAttr(llvm::Attribute::AlwaysInline);
    b_.CreateCall(callee, {block, out_i_, out_f_, regs});
    auto value = [&](std::uint32_t r) { return b_.CreateLoad(f64(), b_.CreateConstInBoundsGEP1_64(f64(), regs, r)); };
    struct Linear {
      llvm::Value *m = nullptr, *c = nullptr;
    };
    std::vector<Linear> lin(pf.reg_types.size());
    auto linear_or_value = [&](std::uint32_t r) { return kinds[r] == AgeKind::Linear ? lin[r] : Linear{cf(0), value(r)}; };
    auto threshold = [&](const Linear& l, llvm::Value* k) {
      auto* age = b_.CreateFDiv(b_.CreateFSub(k, l.c), l.m);
      auto* finite = b_.CreateFCmpONE(unary(llvm::Intrinsic::fabs, age), cf(std::numeric_limits<double>::infinity()));
      use.thresholds.push_back({b_.CreateAnd(b_.CreateFCmpUNE(l.m, cf(0)), finite), age});
    };
    llvm::Value* opaque = b_.getFalse();
    for (const Instr& in : pf.code) {
      const std::uint8_t used = registers_read(in.op);
      auto linear = [&](std::uint32_t r, int bit) { return (used >> bit) & 1 && kinds[r] == AgeKind::Linear; };
      Linear& d = lin[in.dst];
      switch (in.op) {
        case Op::LoadInput:
          if (in.a == static_cast<std::uint32_t>(Input::Age)) d = {cf(1), cf(0)};
          else if (in.a == static_cast<std::uint32_t>(Input::OverdueBy)) {
            d = {cf(1), b_.CreateFNeg(due_age)};
            use.thresholds.push_back({b_.getTrue(), due_age});
          }
          break;
        case Op::Neg:
          if (linear(in.a, 0)) d = {b_.CreateFNeg(lin[in.a].m), b_.CreateFNeg(lin[in.a].c)};
          break;
        case Op::IntToNumber:
          if (linear(in.a, 0)) d = lin[in.a];
          break;
        case Op::Add: case Op::Sub: {
          if (kinds[in.dst] != AgeKind::Linear) break;
          const Linear x = linear_or_value(in.a), y = linear_or_value(in.b);
          auto* sign = cf(in.op == Op::Add ? 1 : -1);
          d = {b_.CreateFAdd(x.m, b_.CreateFMul(sign, y.m)), b_.CreateFAdd(x.c, b_.CreateFMul(sign, y.c))};
          break;
        }
        case Op::Mul:
          if (linear(in.a, 0)) d = {b_.CreateFMul(lin[in.a].m, value(in.b)), b_.CreateFMul(lin[in.a].c, value(in.b))};
          else if (linear(in.b, 1)) d = {b_.CreateFMul(lin[in.b].m, value(in.a)), b_.CreateFMul(lin[in.b].c, value(in.a))};
          break;
        case Op::Div:
          if (linear(in.a, 0)) {
            opaque = b_.CreateOr(opaque, b_.CreateFCmpOEQ(value(in.b), cf(0)));
            d = {b_.CreateFDiv(lin[in.a].m, value(in.b)), b_.CreateFDiv(lin[in.a].c, value(in.b))};
          }
          break;
        case Op::Eq: case Op::Ne: case Op::Lt: case Op::Le: case Op::Gt: case Op::Ge:
          if (linear(in.a, 0)) threshold(lin[in.a], value(in.b));
          else if (linear(in.b, 1)) threshold(lin[in.b], value(in.a));
          break;
        case Op::InRange:
          if (linear(in.a, 0)) {
            threshold(lin[in.a], value(in.b));
            threshold(lin[in.a], value(in.c));
          }
          break;
        default: break;
      }
    }
    use.opaque = opaque;
    if (kinds[pf.result] == AgeKind::Linear) {
      use.m = lin[pf.result].m;
      use.c = lin[pf.result].c;
    }
  };

  // The scheme's pieces (scheme_in): their breakpoints; the walk gives up on a continuous one.
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<Threshold> thresholds;
  for (FunctionRef f : scheme_pieces(s)) {
    if (f < 0) continue;
    AgeUse use;
    analyse(f, scheme_args, cf(kInf), /*overdue_piece=*/false, use);
    if (use.opaque) not_followed = b_.CreateOr(not_followed, use.opaque);
    if (use.m) not_followed = b_.CreateOr(not_followed, b_.CreateFCmpUNE(use.m, cf(0)));  // continuous
    thresholds.insert(thresholds.end(), use.thresholds.begin(), use.thresholds.end());
  }
  // Each threshold's floor, ceiling and ceiling + 1, from age 0 on, as elapsed ages (fixed).
  std::vector<std::pair<llvm::Value*, llvm::Value*>> threshold_walls;  // valid, wall
  for (const Threshold& t : thresholds) {
    auto* up = unary(llvm::Intrinsic::ceil, t.age);
    for (llvm::Value* x : {unary(llvm::Intrinsic::floor, t.age), up, b_.CreateFAdd(up, cf(1))}) {
      auto* keep = b_.CreateAnd(t.valid, b_.CreateFCmpOGE(x, cf(0)));
      llvm::Value* in_range = nullptr;
      auto* wall = wall_of(x, keep, &in_range);
      out_of_range = b_.CreateOr(out_of_range, b_.CreateAnd(keep, b_.CreateNot(in_range)));
      threshold_walls.emplace_back(b_.CreateAnd(keep, in_range), wall);
    }
  }

  // The pieces' values at the scheme's inputs: constant along the walk's candidates.
  struct Clause {
    llvm::Value *period, *add, *from, *until;
  };
  std::vector<Clause> clauses;
  for (const auto& e : s.every)
    clauses.push_back({number(e.period, scheme_args), number(e.add, scheme_args),
                       e.from >= 0 ? number(e.from, scheme_args, kInf) : cf(0),
                       e.until >= 0 ? number(e.until, scheme_args, kInf) : cf(kInf)});
  llvm::Value* adds_up = b_.getTrue();
  llvm::Value* adds_down = b_.getTrue();
  for (const Clause& c : clauses) {
    adds_up = b_.CreateAnd(adds_up, b_.CreateFCmpOGE(c.add, cf(0)));
    adds_down = b_.CreateAnd(adds_down, b_.CreateFCmpOLE(c.add, cf(0)));
  }
  // With `overdue`, the due instant is a fixed breakpoint (a wall-clock age), and from it on
  // only the `overdue` value counts. A due instant at the end of time (kDueNever) is never
  // reached: no breakpoint, as without one.
  llvm::Value* overdue_rule = s.overdue >= 0 ? has_due : b_.getFalse();
  auto* due_wall = b_.CreateSub(due, start);
  // The `overdue` value's own breakpoints, from the due instant on (analysed there, at
  // inputs_at(due - start); at the item's inputs when there is no such rule: not used then).
  std::vector<std::pair<llvm::Value*, llvm::Value*>> after_due;  // valid, wall
  llvm::Value *overdue_m = nullptr, *overdue_c = nullptr;
  if (s.overdue >= 0) {
    auto* due_age = b_.CreateSIToFP(due_wall, f64());
    b_.CreateStore(b_.CreateSelect(overdue_rule, due_wall, age0), input(at_due.inputs, Input::Age));
    b_.CreateStore(b_.CreateSelect(overdue_rule, due, now0), input(at_due.inputs, Input::Now));
    b_.CreateStore(b_.CreateSelect(overdue_rule, ci(0), b_.CreateLoad(i64(), input(inputs, Input::OverdueBy))),
                   input(at_due.inputs, Input::OverdueBy));
    AgeUse use;
    analyse(s.overdue, at_due.block, due_age, /*overdue_piece=*/true, use);
    if (use.opaque) not_followed = b_.CreateOr(not_followed, b_.CreateAnd(overdue_rule, use.opaque));
    for (const Threshold& t : use.thresholds) {
      auto* up = unary(llvm::Intrinsic::ceil, t.age);
      for (llvm::Value* x : {unary(llvm::Intrinsic::floor, t.age), up, b_.CreateFAdd(up, cf(1))}) {
        auto* keep = b_.CreateAnd(overdue_rule, b_.CreateAnd(t.valid, b_.CreateFCmpOGE(x, due_age)));
        auto* in_range = fits(x);
        out_of_range = b_.CreateOr(out_of_range, b_.CreateAnd(keep, b_.CreateNot(in_range)));
        after_due.emplace_back(b_.CreateAnd(keep, in_range), b_.CreateFPToSI(b_.CreateSelect(in_range, x, cf(0)), i64()));
      }
    }
    if (use.m) {  // linear (and not constant): its truncation's next whole value
      overdue_m = use.m;
      overdue_c = use.c;
    }
  }
  // The curve's points (a curve excludes `start` and `every`), each also a fixed breakpoint at
  // its age rounded up; one the walk would convert outside the 64-bit range is its to answer.
  std::vector<std::pair<llvm::Value*, llvm::Value*>> points;  // age, value
  std::vector<llvm::Value*> point_walls;
  for (const auto& pt : s.curve) {
    points.emplace_back(number(pt.at, scheme_args), number(pt.value, scheme_args));
    llvm::Value* in_range = nullptr;
    point_walls.push_back(wall_of(points.back().first, b_.getTrue(), &in_range));
    out_of_range = b_.CreateOr(out_of_range, b_.CreateNot(in_range));
  }
  llvm::Value* last_point = points.empty() ? cf(-1) : points.back().first;
  auto* followed = llvm::BasicBlock::Create(ctx_, "followed", fn);
  b_.CreateCondBr(b_.CreateOr(out_of_range, not_followed), give_up, followed);
  b_.SetInsertPoint(followed);
  // The bounds, for the saturation test (at the walk's inputs; they do not read the age).
  llvm::Value* max = s.max >= 0 ? number(s.max, args) : nullptr;
  llvm::Value* min = s.min >= 0 ? number(s.min, args) : nullptr;

  // A piece's value at a candidate: its value at the scheme's inputs unless it reads the age,
  // else at `block` (the candidate's scheme inputs).
  auto moves = [&](FunctionRef f) {
    std::vector<AgeKind> kinds;
    return f >= 0 && age_kinds(p_.functions[static_cast<std::size_t>(f)], false, &kinds) && reads_age(kinds);
  };
  llvm::Value* first = s.start >= 0 ? number(s.start, scheme_args) : cf(0);
  std::vector<std::pair<llvm::Value*, llvm::Value*>> boosts;  // holds, amount at the scheme's inputs
  for (const auto& boost : s.boosts) boosts.emplace_back(holds(boost.when, scheme_args), number(boost.amount, scheme_args));
  // Interpreter::priority's unclamped value (`raw`) at a wall-clock age, its scheme age `sage`.
  auto raw_at = [&](llvm::Value* wall, llvm::Value* sage) {
    llvm::Value* block = scheme_moved.block;
    b_.CreateStore(sage, input(scheme_moved.inputs, Input::Age));
    b_.CreateStore(b_.CreateAdd(start, wall), input(scheme_moved.inputs, Input::Now));
    b_.CreateStore(ci(calendar), input(scheme_moved.inputs, Input::AgeCalendar));
    auto piece = [&](FunctionRef f, llvm::Value* fixed, double absent = 0) { return moves(f) ? number(f, block, absent) : fixed; };
    auto* age = b_.CreateSIToFP(sage, f64());
    llvm::Value* base = moves(s.start) ? number(s.start, block) : first;
    for (std::size_t i = 0; i < clauses.size(); ++i) {
      const auto& e = s.every[i];
      const Clause& k0 = clauses[i];
      const Clause c{piece(e.period, k0.period), piece(e.add, k0.add), e.from >= 0 ? piece(e.from, k0.from, kInf) : k0.from,
                     e.until >= 0 ? piece(e.until, k0.until, kInf) : k0.until};
      auto* started = b_.CreateAnd(b_.CreateFCmpOGE(age, c.from), b_.CreateFCmpOGT(c.period, cf(0)));
      auto* upto = b_.CreateSelect(b_.CreateFCmpOLT(c.until, age), c.until, age);  // std::min(age, until)
      auto* steps = unary(llvm::Intrinsic::floor, b_.CreateFDiv(b_.CreateFSub(upto, c.from), c.period));
      base = b_.CreateSelect(started, b_.CreateFAdd(base, b_.CreateFMul(c.add, steps)), base);
    }
    for (std::size_t i = 0; i < boosts.size(); ++i) {
      const auto& boost = s.boosts[i];
      auto* on = moves(boost.when) ? holds(boost.when, block) : boosts[i].first;
      base = b_.CreateSelect(on, b_.CreateFAdd(base, piece(boost.amount, boosts[i].second)), base);
    }
    return base;
  };
  // The formula: a private copy of iwd_priority<k>, inlined below with the pieces (issue 19):
  // called through the lazy part's stub, each call (now, each candidate, each step back) cost
  // a table jump and the formula's reloads of its inputs, which inlined fold with the
  // candidate's stores.
  const std::string formula_name = fmt::format("iwd_next{}_formula", k);
  if (!m_.getFunction(formula_name)) SchemeCodegen(m_, p_).priority(k, /*bounded=*/false, formula_name);
  llvm::Function* priority = m_.getFunction(formula_name);
  // The priority at a wall-clock age (inputs_at): age, now and overdue_by move together; its
  // scheme age `sage` (the open age under `age in`).
  auto priority_at = [&](llvm::Value* wall, llvm::Value* sage) {
    auto* now = b_.CreateAdd(start, wall);
    b_.CreateStore(wall, input(moved.inputs, Input::Age));
    b_.CreateStore(now, input(moved.inputs, Input::Now));
    auto* overdue_by = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smax, ci(0), b_.CreateSub(now, due));
    b_.CreateStore(b_.CreateSelect(b_.CreateICmpNE(due, ci(TimeInputs::kNone)), overdue_by, ci(0)),
                   input(moved.inputs, Input::OverdueBy));
    b_.CreateStore(b_.CreateLoad(i64(), input(moved.inputs, Input::OverdueBy)), input(scheme_moved.inputs, Input::OverdueBy));
    return b_.CreateCall(priority, {moved.block, sage});
  };
  // next_truncation_change of interp_change.cpp, operation for operation: the first whole
  // millisecond after `age` at which trunc(v0 + slope * (t - x0)) differs.
  auto truncation_change = [&](llvm::Value* x0, llvm::Value* v0, llvm::Value* slope, llvm::Value* age) {
    auto* k = unary(llvm::Intrinsic::trunc, b_.CreateFAdd(v0, b_.CreateFMul(slope, b_.CreateFSub(age, x0))));
    auto* up = b_.CreateFCmpOGT(slope, cf(0));
    auto* k_up = b_.CreateFCmpOGE(k, cf(0));
    auto* k_down = b_.CreateFCmpOLE(k, cf(0));
    auto* reach = b_.CreateSelect(up, k_up, k_down);
    auto* bound = b_.CreateSelect(up, b_.CreateSelect(k_up, b_.CreateFAdd(k, cf(1)), k), b_.CreateSelect(k_down, b_.CreateFSub(k, cf(1)), k));
    auto* at = b_.CreateFAdd(x0, b_.CreateFDiv(b_.CreateFSub(bound, v0), slope));
    auto* first = b_.CreateSelect(reach, unary(llvm::Intrinsic::ceil, at), b_.CreateFAdd(unary(llvm::Intrinsic::floor, at), cf(1)));
    auto* second = b_.CreateFAdd(unary(llvm::Intrinsic::floor, age), cf(1));
    return b_.CreateSelect(b_.CreateFCmpOLT(first, second), second, first);  // std::max(first, second)
  };
  // Before the loop: the walk's wall and its raw value at the item's age (raw stays 0 when
  // the item is overdue already: Interpreter::priority returns before setting it).
  auto* now_value = b_.CreateCall(priority, {args, sage0});
  b_.CreateStore(age0, wall_p);
  b_.CreateStore(sage0, sage_p);
  llvm::Value* overdue_now = s.overdue >= 0 ? b_.CreateAnd(b_.CreateICmpNE(due, ci(TimeInputs::kNone)), b_.CreateICmpSGE(now0, due))
                                            : b_.getFalse();
  b_.CreateStore(b_.CreateSelect(overdue_now, cf(0), raw_at(age0, sage0)), raw_p);
  b_.CreateStore(ci(0), tried_p);
  auto* loop = llvm::BasicBlock::Create(ctx_, "loop", fn);
  b_.CreateBr(loop);

  b_.SetInsertPoint(loop);
  auto* wall = b_.CreateLoad(i64(), wall_p);
  auto* raw = b_.CreateLoad(f64(), raw_p);
  auto* tried = b_.CreateLoad(i64(), tried_p);
  auto* body = llvm::BasicBlock::Create(ctx_, "candidate", fn);
  b_.CreateCondBr(b_.CreateICmpSGE(tried, ci(kSteps)), give_up, body);
  b_.SetInsertPoint(body);
  auto* wall_f = b_.CreateSIToFP(wall, f64());
  auto* sage_here = b_.CreateLoad(i64(), sage_p);  // the scheme's age at wall (scheme_age(wall))
  auto* b = b_.CreateSIToFP(sage_here, f64());
  auto* before_due = llvm::BasicBlock::Create(ctx_, "before_due", fn);
  auto* past_due = llvm::BasicBlock::Create(ctx_, "past_due", fn);
  auto* check = llvm::BasicBlock::Create(ctx_, "check", fn);
  b_.CreateCondBr(b_.CreateAnd(overdue_rule, b_.CreateFCmpOGE(wall_f, b_.CreateSIToFP(due_wall, f64()))), past_due, before_due);

  // From the due instant on: the next of the `overdue` value's breakpoints, and of its
  // truncation when linear.
  b_.SetInsertPoint(past_due);
  {
    llvm::Value* next = ci(kNoCandidate);
    for (const auto& [valid, at] : after_due)
      next = b_.CreateSelect(b_.CreateAnd(valid, b_.CreateICmpSGT(at, wall)), b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, next, at), next);
    llvm::Value* linear_ok = b_.getTrue();
    if (overdue_m) {
      auto* linear = b_.CreateFCmpUNE(overdue_m, cf(0));
      auto* x = truncation_change(cf(0), overdue_c, overdue_m, wall_f);
      auto* in_range = fits(x);
      linear_ok = b_.CreateNot(b_.CreateAnd(linear, b_.CreateNot(in_range)));
      auto* at = b_.CreateFPToSI(b_.CreateSelect(in_range, x, cf(0)), i64());
      next = b_.CreateSelect(b_.CreateAnd(linear, in_range), b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, next, at), next);
    }
    b_.CreateStore(next, candidate_p);
    b_.CreateStore(b_.getFalse(), known_p);
    b_.CreateStore(ci(0), known_age_p);
    b_.CreateCondBr(linear_ok, check, give_up);
  }

  // Before it: the next candidate after `wall` (next_after): the next fixed breakpoint (the due
  // instant, a curve point, a threshold) and the smallest next step of the clauses.
  b_.SetInsertPoint(before_due);
  llvm::Value* fixed_next = b_.CreateSelect(b_.CreateAnd(overdue_rule, b_.CreateICmpSGT(due_wall, wall)), due_wall, ci(kNoCandidate));
  auto take = [&](llvm::Value* best, llvm::Value* valid, llvm::Value* at) {
    return b_.CreateSelect(b_.CreateAnd(valid, b_.CreateICmpSGT(at, wall)), b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, best, at), best);
  };
  for (llvm::Value* at : point_walls) fixed_next = take(fixed_next, b_.getTrue(), at);
  for (const auto& [valid, at] : threshold_walls) fixed_next = take(fixed_next, valid, at);
  // The steps (each clause's next step, the next whole value on a sloped segment) as whole
  // scheme ages (the walk's ceil), the earliest of them taken back to the wall clock once:
  // wall_age never decreases with the scheme age, so the earliest step is the earliest of their
  // wall-clock ages, and under `age in` a candidate costs one call of the calendar's code, not
  // one per clause.
  llvm::Value* step_out_of_range = b_.getFalse();
  llvm::Value* any_step = b_.getFalse();
  llvm::Value* step_ms = ci(0);
  auto take_step = [&](llvm::Value* x, llvm::Value* keep) {
    auto* up = unary(llvm::Intrinsic::ceil, x);
    auto* in_range = fits(up);
    step_out_of_range = b_.CreateOr(step_out_of_range, b_.CreateAnd(keep, b_.CreateNot(in_range)));
    auto* ok = b_.CreateAnd(keep, in_range);
    auto* ms = b_.CreateFPToSI(b_.CreateSelect(ok, up, cf(0)), i64());
    step_ms = b_.CreateSelect(ok, b_.CreateSelect(any_step, b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, step_ms, ms), ms), step_ms);
    any_step = b_.CreateOr(any_step, ok);
  };
  for (const Clause& c : clauses) {
    auto* skip = b_.CreateOr(b_.CreateFCmpOLE(c.period, cf(0)), b_.CreateFCmpOEQ(unary(llvm::Intrinsic::fabs, c.from), cf(kInf)));
    auto* after = b_.CreateFAdd(unary(llvm::Intrinsic::floor, b_.CreateFDiv(b_.CreateFSub(b, c.from), c.period)), cf(1));
    auto* steps = b_.CreateSelect(b_.CreateFCmpOLT(b, c.from), cf(1), after);
    auto* step = b_.CreateFAdd(c.from, b_.CreateFMul(steps, c.period));
    take_step(step, b_.CreateAnd(b_.CreateNot(skip), b_.CreateFCmpOLE(step, c.until)));
  }
  // The next whole value on the sloped segment that holds `b`, before the segment's end.
  for (std::size_t i = 0; i + 1 < points.size(); ++i) {
    auto* x0 = points[i].first;
    auto* v0 = points[i].second;
    auto* x1 = points[i + 1].first;
    auto* v1 = points[i + 1].second;
    // Not (b < x0 || b >= x1 || x1 == x0 || v1 == v0), NaN included.
    auto* within = b_.CreateAnd(b_.CreateAnd(b_.CreateFCmpUGE(b, x0), b_.CreateFCmpULT(b, x1)),
                                b_.CreateAnd(b_.CreateFCmpUNE(x1, x0), b_.CreateFCmpUNE(v1, v0)));
    auto* x = truncation_change(x0, v0, b_.CreateFDiv(b_.CreateFSub(v1, v0), b_.CreateFSub(x1, x0)), b);
    take_step(x, b_.CreateAnd(within, b_.CreateFCmpOLT(x, x1)));
  }
  // The earliest step back to the wall clock. Under `age in`, asked only when there is a step
  // (without one the answer is not taken), and from `wall`, whose open age is known, when the
  // step is past it: the earliest instant at which the open time since the start reaches the
  // step is then after `wall` (open time never decreases), where the open time since `wall`
  // reaches the step less the open age at `wall`: the same instant, which add_business finds
  // from `wall`'s interval of the calendar's table in a step or two, not by a search from the
  // start's (issue 19). Not when open time outside the years business_time counts would
  // differ (the open age at `wall` then is not add_business's), nor when the answer is further
  // from the start than add_business searches from there (kMaxSearchDays local days: a bound
  // well under it): then from the start, as the walk.
  const std::int64_t first_counted = stdlib::kFirstCountedMs, end_counted = stdlib::kEndCountedMs;
  llvm::Value* step_wall = step_ms;
  if (calendar >= 0) {
    constexpr std::int64_t kNearer = stdlib::kWithinSearchMs;
    auto* from = b_.GetInsertBlock();
    auto* ask = llvm::BasicBlock::Create(ctx_, "step_wall", fn);
    auto* here = llvm::BasicBlock::Create(ctx_, "step_wall_here", fn);
    auto* near = llvm::BasicBlock::Create(ctx_, "step_wall_near", fn);
    auto* from_start = llvm::BasicBlock::Create(ctx_, "step_wall_from_start", fn);
    auto* join = llvm::BasicBlock::Create(ctx_, "step_wall_known", fn);
    b_.CreateCondBr(any_step, ask, join);
    b_.SetInsertPoint(ask);
    auto* counted_here = b_.CreateAnd(b_.CreateICmpSGE(start, ci(first_counted)), b_.CreateICmpSLE(wall, b_.CreateSub(ci(end_counted), start)));
    auto* in_reach = b_.CreateAnd(b_.CreateICmpSGE(wall, ci(0)), b_.CreateICmpSLE(wall, ci(kNearer)));
    b_.CreateCondBr(b_.CreateAnd(b_.CreateAnd(counted_here, in_reach), b_.CreateICmpSGT(step_ms, sage_here)), here, from_start);
    b_.SetInsertPoint(here);
    auto* rest = open_add(cal, b_.CreateAdd(start, wall), b_.CreateSub(step_ms, sage_here));
    // (kNever less an instant before 1970 wraps below 0: from the start then, as before.)
    auto* reached = b_.CreateAnd(b_.CreateICmpSGE(rest, ci(0)), b_.CreateICmpSLE(rest, b_.CreateSub(ci(kNearer), wall)));
    b_.CreateCondBr(reached, near, from_start);
    b_.SetInsertPoint(near);
    auto* sum = b_.CreateAdd(wall, rest);
    b_.CreateBr(join);
    b_.SetInsertPoint(from_start);
    auto* whole = wall_age(step_ms);
    b_.CreateBr(join);
    b_.SetInsertPoint(join);
    auto* phi = b_.CreatePHI(i64(), 3);
    phi->addIncoming(ci(0), from);
    phi->addIncoming(sum, near);
    phi->addIncoming(whole, from_start);
    step_wall = phi;
  }
  llvm::Value* best = b_.CreateSelect(any_step, b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, fixed_next, step_wall), fixed_next);
  llvm::Value* candidate = b_.CreateSelect(b_.CreateICmpSGT(best, wall), best, ci(kNoCandidate));
  // Saturated (the walk's saturated()): held at `max` while every add raises the value, or
  // at `min` while every add lowers it; nothing changes again before the next fixed breakpoint.
  llvm::Value* saturated = b_.getTrue();
  if (!clauses.empty()) {
    saturated = b_.getFalse();
    if (max)
      saturated = b_.CreateAnd(b_.CreateAnd(adds_up, b_.CreateFCmpOGE(raw, max)), b_.CreateICmpEQ(now_value, truncate(max)));
    if (min)
      saturated = b_.CreateOr(saturated, b_.CreateAnd(b_.CreateAnd(adds_down, b_.CreateFCmpOLE(raw, min)),
                                                      b_.CreateICmpEQ(now_value, truncate(min))));
  }
  saturated = b_.CreateAnd(saturated, b_.CreateNot(b_.CreateFCmpOLT(b, last_point)));  // past the curve
  auto* chosen = b_.CreateSelect(saturated, fixed_next, candidate);
  b_.CreateStore(chosen, candidate_p);
  // A candidate at the step's wall-clock age has the step's scheme age: the calendar's
  // add_business gives the earliest instant at which that much open time has run
  // (stdlib/calendar.h), so the open time up to it is the step (its round trip) and, a step of
  // at least 1 ms, the open time up to a millisecond before it is the step less 1 ms (that
  // millisecond is open, or an earlier instant would reach the step). Not when the answer is
  // kNever (not reached) or open time outside the years the calendar counts would be left out
  // (business_time counts 0000-9999 only): then the calendar is asked.
  llvm::Value* known = b_.getFalse();
  if (calendar >= 0) {
    auto* counted = b_.CreateAnd(b_.CreateICmpSGE(start, ci(first_counted)),
                                 b_.CreateICmpSLE(step_wall, b_.CreateSub(ci(end_counted), start)));
    known = b_.CreateAnd(b_.CreateAnd(any_step, b_.CreateICmpSGE(step_ms, ci(1))),
                         b_.CreateAnd(counted, b_.CreateICmpEQ(chosen, step_wall)));
  }
  b_.CreateStore(known, known_p);
  b_.CreateStore(step_ms, known_age_p);
  b_.CreateCondBr(step_out_of_range, give_up, check);

  b_.SetInsertPoint(check);
  auto* c = b_.CreateLoad(i64(), candidate_p);
  auto* try_it = llvm::BasicBlock::Create(ctx_, "try", fn);
  b_.CreateCondBr(b_.CreateICmpEQ(c, ci(kNoCandidate)), never, try_it);

  b_.SetInsertPoint(try_it);
  auto* is_known = b_.CreateLoad(b_.getInt1Ty(), known_p);
  auto* known_age = b_.CreateLoad(i64(), known_age_p);
  auto* sage = scheme_age_or(c, is_known, known_age);
  auto* value = priority_at(c, sage);
  b_.CreateStore(raw_at(c, sage), raw_p);
  b_.CreateStore(c, wall_p);
  b_.CreateStore(sage, sage_p);
  b_.CreateStore(b_.CreateAdd(tried, ci(1)), tried_p);
  auto* changed = llvm::BasicBlock::Create(ctx_, "changed", fn);
  b_.CreateCondBr(b_.CreateICmpNE(value, now_value), changed, loop);

  // A change: back to its first millisecond, as the walk steps back (at most kBack).
  b_.SetInsertPoint(changed);
  b_.CreateStore(c, at_p);
  auto* found = llvm::BasicBlock::Create(ctx_, "found", fn);
  for (int back = 0; back < kBack; ++back) {
    auto* earlier = b_.CreateSub(b_.CreateLoad(i64(), at_p), ci(1));
    auto* ask = llvm::BasicBlock::Create(ctx_, "ask", fn);
    b_.CreateCondBr(b_.CreateICmpSGT(earlier, wall), ask, found);
    b_.SetInsertPoint(ask);
    auto* step_back = llvm::BasicBlock::Create(ctx_, "step_back", fn);
    // The first step back from a step of known scheme age: a millisecond less (see before_due).
    auto* open_age = back == 0 ? scheme_age_or(earlier, is_known, b_.CreateSub(known_age, ci(1))) : scheme_age(earlier);
    b_.CreateCondBr(b_.CreateICmpNE(priority_at(earlier, open_age), now_value), step_back, found);
    b_.SetInsertPoint(step_back);
    b_.CreateStore(earlier, at_p);
  }
  b_.CreateBr(found);
  b_.SetInsertPoint(found);
  b_.CreateStore(b_.CreateLoad(i64(), at_p), fn->getArg(1));
  answer(1);

  b_.SetInsertPoint(never);
  answer(2);
  b_.SetInsertPoint(give_up);
  answer(0);

  inline_and_unmark(fn);
  share_the_clock(fn);
  if (cal) share_in_the_calendar(fn, cal, calendar);
}

}  // namespace iwd::compiler
