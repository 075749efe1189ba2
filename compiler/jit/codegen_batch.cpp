// LLVM IR for an item's clock and for the batch entry point (issue 19): what the runtime asks
// of every captured item (classify, clock, priority at an age) as native code, with no
// interpreter, virtual call or allocation on the way.
//
//   void iwd_clock<p>(const JitArgs*, i64* clock)   abi::ItemClock of process p at inputs[Now],
//                                                    for a clock in elapsed time (else absent:
//                                                    the interpreter computes it)
//   void iwd_batch(const JitArgs* items, i64 n, i64 now, i64 age, BatchResult* out)
//        for each item: iwd_classify, the process's clock (iwd_clock<p>, or iwd_jit_clock,
//        the interpreter's), then its iwd_priority<k> on that clock at `age`
//
// Both follow Interpreter::clock, Interpreter::inputs and the table's entry points operation
// for operation; the differential tests (tests/unit/load/batch_test.cpp) hold them to it.
#include <llvm/IR/IRBuilder.h>

#include <fmt/format.h>

#include "compiler/interp/interp.h"
#include "compiler/jit/codegen.h"

namespace iwd::compiler {
namespace {

constexpr std::uint64_t kCapturedAt = 3, kDueAt = 4, kActivateAt = 5;  // core attribute slots (runtime/schema.h)

class BatchCodegen {
 public:
  BatchCodegen(llvm::Module& m, const Program& p) : m_(m), ctx_(m.getContext()), b_(ctx_), p_(p) {}

  // iwd_clock<process>: Interpreter::clock for a process whose SLA (if any) is elapsed time.
  void clock(std::size_t process) {
    const ProgramProcess& pp = p_.processes[process];
    auto* fn = llvm::Function::Create(llvm::FunctionType::get(void_ty(), {ptr(), i64()->getPointerTo()}, false),
                                      llvm::Function::ExternalLinkage, fmt::format("iwd_clock{}", process), m_);
    b_.SetInsertPoint(llvm::BasicBlock::Create(ctx_, "entry", fn));
    auto* args = fn->getArg(0);
    auto* out = fn->getArg(1);
    auto* present = b_.CreateLoad(i64(), field(args, kArgsPresent));  // slots 3..5 are in word 0
    auto* slots = field(args, kArgsSlots);
    auto* now = b_.CreateLoad(i64(), b_.CreateConstInBoundsGEP1_64(i64(), field(args, kArgsInputs), input_index(Input::Now)));
    auto bit = [&](std::uint64_t slot) { return b_.CreateICmpNE(b_.CreateAnd(present, ci(std::int64_t{1} << slot)), ci(0)); };
    auto slot = [&](std::uint64_t k) { return b_.CreateLoad(i64(), b_.CreateConstInBoundsGEP1_64(i64(), slots, k)); };
    // An absent slot holds 0 (runtime/item.h), as the interpreter reads an absent captured_at.
    auto* start = b_.CreateSelect(bit(kActivateAt), slot(kActivateAt), slot(kCapturedAt));
    auto* due_at = b_.CreateSelect(bit(kDueAt), slot(kDueAt), ci(TimeInputs::kNone));
    llvm::Value* sla = ci(TimeInputs::kNone);
    llvm::Value* due = due_at;
    if (pp.sla >= 0) {
      auto* out_i = b_.CreateAlloca(i64());
      auto* out_f = b_.CreateAlloca(f64());
      auto* has = b_.CreateICmpNE(b_.CreateCall(program_function(m_, p_, pp.sla), {args, out_i, out_f}),
                                  llvm::ConstantInt::get(i8(), 0));
      auto* value = b_.CreateLoad(i64(), out_i);
      sla = b_.CreateSelect(has, value, ci(0));
      // A source's due_at wins; else start + SLA (a plain add, as Interpreter::due), none without one.
      due = b_.CreateSelect(bit(kDueAt), due_at, b_.CreateSelect(has, b_.CreateAdd(start, value), ci(TimeInputs::kNone)));
    }
    for (auto [k, v] : {std::pair<unsigned, llvm::Value*>{0u, now}, {1u, start}, {2u, sla}, {3u, due}})
      b_.CreateStore(v, b_.CreateConstInBoundsGEP1_64(i64(), out, k));
    b_.CreateRetVoid();
  }

  void batch(const std::vector<bool>& compiled_clock) {
    const std::size_t n_proc = p_.processes.size();
    auto* i32 = llvm::Type::getInt32Ty(ctx_);
    auto* fn = llvm::Function::Create(llvm::FunctionType::get(void_ty(), {ptr(), i64(), i64(), i64(), i64()->getPointerTo()}, false),
                                      llvm::Function::ExternalLinkage, "iwd_batch", m_);
    auto* items = fn->getArg(0);
    auto* count = fn->getArg(1);
    auto* now = fn->getArg(2);
    auto* age = fn->getArg(3);
    auto* out = fn->getArg(4);
    // Per process: its clock (null: the interpreter's), its priority formula (null: no scheme,
    // priority 0) and the calendar of its SLA clock (Interpreter::sla_clock_calendar).
    auto* clock_ty = llvm::FunctionType::get(void_ty(), {ptr(), i64()->getPointerTo()}, false);
    auto* prio_ty = llvm::FunctionType::get(i64(), {ptr()}, false);
    std::vector<llvm::Constant*> clocks, prios, calendars;
    auto* null = llvm::ConstantPointerNull::get(ptr());
    for (std::size_t k = 0; k < n_proc; ++k) {
      const ProgramProcess& pp = p_.processes[k];
      clocks.push_back(compiled_clock[k] ? llvm::ConstantExpr::getBitCast(m_.getFunction(fmt::format("iwd_clock{}", k)), ptr()) : null);
      llvm::Constant* prio = pp.priority >= 0 ? named(fmt::format("iwd_priority{}", pp.priority), prio_ty) : nullptr;
      prios.push_back(prio ? llvm::ConstantExpr::getBitCast(prio, ptr()) : null);
      calendars.push_back(llvm::ConstantInt::get(i64(), static_cast<std::uint64_t>(pp.sla >= 0 ? pp.sla_calendar : -1), true));
    }
    auto table = [&](const char* name, llvm::Type* ty, const std::vector<llvm::Constant*>& values) {
      auto* arr_ty = llvm::ArrayType::get(ty, values.size());
      return new llvm::GlobalVariable(m_, arr_ty, true, llvm::GlobalValue::InternalLinkage,
                                      llvm::ConstantArray::get(arr_ty, values), name);
    };
    auto* clock_table = table("iwd_batch_clocks", ptr(), clocks);
    auto* prio_table = table("iwd_batch_priorities", ptr(), prios);
    auto* calendar_table = table("iwd_batch_calendars", i64(), calendars);

    auto* entry = llvm::BasicBlock::Create(ctx_, "entry", fn);
    auto* head = llvm::BasicBlock::Create(ctx_, "head", fn);
    auto* body = llvm::BasicBlock::Create(ctx_, "body", fn);
    auto* rejected = llvm::BasicBlock::Create(ctx_, "rejected", fn);
    auto* classified = llvm::BasicBlock::Create(ctx_, "classified", fn);
    auto* by_interp = llvm::BasicBlock::Create(ctx_, "clock_interpreted", fn);
    auto* by_code = llvm::BasicBlock::Create(ctx_, "clock_compiled", fn);
    auto* priced = llvm::BasicBlock::Create(ctx_, "clocked", fn);
    auto* scheme = llvm::BasicBlock::Create(ctx_, "scheme", fn);
    auto* next = llvm::BasicBlock::Create(ctx_, "next", fn);
    auto* done = llvm::BasicBlock::Create(ctx_, "done", fn);

    b_.SetInsertPoint(entry);
    auto* args = b_.CreateAlloca(ptr(), ci(kArgsFieldCount));  // the item's JitArgs, its inputs ours
    auto* inputs = b_.CreateAlloca(i64(), ci(kInputCount));
    auto* detail = b_.CreateAlloca(i32);
    auto* index = b_.CreateAlloca(i64());
    b_.CreateStore(ci(0), index);
    b_.CreateBr(head);

    b_.SetInsertPoint(head);
    auto* i = b_.CreateLoad(i64(), index);
    b_.CreateCondBr(b_.CreateICmpSLT(i, count), body, done);

    b_.SetInsertPoint(body);
    auto* src = b_.CreateGEP(ptr(), b_.CreateBitCast(items, ptr()->getPointerTo()), b_.CreateMul(i, ci(kArgsFieldCount)));
    for (unsigned k = 0; k < kArgsFieldCount; ++k)
      b_.CreateStore(b_.CreateLoad(ptr(), b_.CreateConstInBoundsGEP1_64(ptr(), src, k)), b_.CreateConstInBoundsGEP1_64(ptr(), args, k));
    b_.CreateStore(b_.CreateBitCast(inputs, ptr()), b_.CreateConstInBoundsGEP1_64(ptr(), args, kArgsInputs));
    // Classification and the clock read `now` only (JitRunner::classify's inputs).
    set_inputs(inputs, {{Input::Now, now}});
    auto* argp = b_.CreateBitCast(args, ptr());
    auto* classify_ty = llvm::FunctionType::get(i32, {ptr(), i32->getPointerTo()}, false);
    auto* process = b_.CreateCall(classify_ty, named("iwd_classify", classify_ty), {argp, detail});
    auto* o = b_.CreateGEP(i64(), out, b_.CreateMul(i, ci(6)));  // BatchResult: six words
    auto* o32 = b_.CreateBitCast(o, i32->getPointerTo());
    b_.CreateStore(process, o32);
    b_.CreateStore(b_.CreateLoad(i32, detail), b_.CreateConstInBoundsGEP1_64(i32, o32, 1));
    auto* clock = b_.CreateConstInBoundsGEP1_64(i64(), o, 1);
    b_.CreateCondBr(b_.CreateICmpSLT(process, llvm::ConstantInt::get(i32, 0)), rejected, classified);

    b_.SetInsertPoint(rejected);  // BatchResult's defaults
    for (auto [k, v] : {std::pair<unsigned, std::int64_t>{1u, 0}, {2u, 0}, {3u, TimeInputs::kNone}, {4u, TimeInputs::kNone}, {5u, 0}})
      b_.CreateStore(ci(v), b_.CreateConstInBoundsGEP1_64(i64(), o, k));
    b_.CreateBr(next);

    b_.SetInsertPoint(classified);
    auto* p = b_.CreateSExt(process, i64());
    auto* clock_fn = b_.CreateLoad(ptr(), b_.CreateInBoundsGEP(clock_table->getValueType(), clock_table, {ci(0), p}));
    b_.CreateCondBr(b_.CreateICmpEQ(clock_fn, null), by_interp, by_code);
    b_.SetInsertPoint(by_code);
    b_.CreateCall(clock_ty, b_.CreateBitCast(clock_fn, clock_ty->getPointerTo()), {argp, clock});
    b_.CreateBr(priced);
    b_.SetInsertPoint(by_interp);
    auto helper = m_.getOrInsertFunction("iwd_jit_clock", llvm::FunctionType::get(void_ty(), {ptr(), i32, i64(), i64()->getPointerTo()}, false));
    b_.CreateCall(helper, {argp, process, now, clock});
    b_.CreateBr(priced);

    b_.SetInsertPoint(priced);
    auto* prio_fn = b_.CreateLoad(ptr(), b_.CreateInBoundsGEP(prio_table->getValueType(), prio_table, {ci(0), p}));
    b_.CreateStore(ci(0), b_.CreateConstInBoundsGEP1_64(i64(), o, 5));
    b_.CreateCondBr(b_.CreateICmpEQ(prio_fn, null), next, scheme);

    // Interpreter::inputs: the clock at `age`.
    b_.SetInsertPoint(scheme);
    auto word = [&](unsigned k) { return b_.CreateLoad(i64(), b_.CreateConstInBoundsGEP1_64(i64(), clock, k)); };
    auto* start = word(1);
    auto* sla = word(2);
    auto* due = word(3);
    auto* has_due = b_.CreateICmpNE(due, ci(TimeInputs::kNone));
    auto* at = b_.CreateAdd(start, age);
    auto* late = b_.CreateSub(at, due);
    set_inputs(inputs, {{Input::Now, at},
                        {Input::Age, age},
                        {Input::Sla, b_.CreateSelect(b_.CreateICmpEQ(sla, ci(TimeInputs::kNone)), ci(0), sla)},
                        {Input::Due, due},
                        {Input::OverdueBy, b_.CreateSelect(has_due, b_.CreateSelect(b_.CreateICmpSGT(late, ci(0)), late, ci(0)), ci(0))},
                        {Input::Window, b_.CreateSelect(has_due, b_.CreateSub(due, start), ci(TimeInputs::kNone))},
                        {Input::Start, start},
                        {Input::SlaCalendar, b_.CreateLoad(i64(), b_.CreateInBoundsGEP(calendar_table->getValueType(), calendar_table, {ci(0), p}))},
                        {Input::AgeCalendar, ci(-1)}});
    auto* value = b_.CreateCall(prio_ty, b_.CreateBitCast(prio_fn, prio_ty->getPointerTo()), {argp});
    b_.CreateStore(value, b_.CreateConstInBoundsGEP1_64(i64(), o, 5));
    b_.CreateBr(next);

    b_.SetInsertPoint(next);
    b_.CreateStore(b_.CreateAdd(i, ci(1)), index);
    b_.CreateBr(head);

    b_.SetInsertPoint(done);
    b_.CreateRetVoid();
  }

 private:
  llvm::Module& m_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  const Program& p_;

  llvm::Type* i64() { return llvm::Type::getInt64Ty(ctx_); }
  llvm::Type* f64() { return llvm::Type::getDoubleTy(ctx_); }
  llvm::Type* i8() { return llvm::Type::getInt8Ty(ctx_); }
  llvm::PointerType* ptr() { return i8()->getPointerTo(); }
  llvm::Type* void_ty() { return llvm::Type::getVoidTy(ctx_); }
  llvm::Value* ci(std::int64_t v) { return llvm::ConstantInt::get(i64(), static_cast<std::uint64_t>(v), true); }

  // A function of the program: the module's (a whole program's module), else declared (a unit's
  // module: the lazily compiled part calls the rest by name).
  llvm::Constant* named(const std::string& name, llvm::FunctionType* ty) {
    if (llvm::GlobalValue* v = m_.getNamedValue(name)) return v;
    return llvm::cast<llvm::Constant>(m_.getOrInsertFunction(name, ty).getCallee());
  }
  // Field `index` of a JitArgs (all pointers), as a pointer to i64.
  llvm::Value* field(llvm::Value* args, unsigned index) {
    auto* fields = b_.CreateBitCast(args, i64()->getPointerTo()->getPointerTo());
    return b_.CreateLoad(i64()->getPointerTo(), b_.CreateConstInBoundsGEP1_64(i64()->getPointerTo(), fields, index));
  }
  // Every input: the given ones, the others as a TimeInputs with only `now` set has them (0).
  void set_inputs(llvm::Value* inputs, std::initializer_list<std::pair<Input, llvm::Value*>> given) {
    for (std::size_t k = 0; k < kInputCount; ++k) {
      llvm::Value* v = ci(0);
      for (const auto& [input, value] : given)
        if (input_index(input) == k) v = value;
      b_.CreateStore(v, b_.CreateConstInBoundsGEP1_64(i64(), inputs, k));
    }
  }
};

}  // namespace

bool clock_compiles(const Program& p, std::size_t process) {
  const ProgramProcess& pp = p.processes[process];
  if (pp.sla < 0) return true;
  const ProgramFunction& f = p.functions[static_cast<std::size_t>(pp.sla)];
  if (pp.sla_calendar >= 0 || f.tag == VTag::BusinessDays) return false;  // the calendar code: the interpreter's
  // Interpreter::clock runs the SLA twice with different inputs (due 0, then the due instant);
  // one that reads no input has one value.
  for (const Instr& in : f.code)
    if (in.op == Op::LoadInput || in.op == Op::ShareOfSla || in.op == Op::Call) return false;
  return true;
}

void emit_batch(llvm::Module& m, const Program& program) {
  BatchCodegen gen(m, program);
  std::vector<bool> compiled(program.processes.size());
  for (std::size_t k = 0; k < program.processes.size(); ++k)
    if ((compiled[k] = clock_compiles(program, k))) gen.clock(k);
  gen.batch(compiled);
}

}  // namespace iwd::compiler
