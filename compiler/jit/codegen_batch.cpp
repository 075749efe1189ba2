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
//   i64 iwd_priority_group<g>(const JitArgs*, double min, double max)
//        group g's formula (batch_plan()) with a process's bounds, for the table's single calls
//
// What batch_plan() says is done in the loop without a call through a per-process pointer
// (items in random process order mispredicted those calls): the clock of an SLA that is none
// or a constant, from per-process tables; the priority of schemes that differ only in
// constant bounds (36 processes, one formula), through their group's formula inlined, the
// bounds from per-process tables. Everything else keeps the calls above.
//
// Both follow Interpreter::clock, Interpreter::inputs and the table's entry points operation
// for operation; the differential tests (tests/unit/load/batch_test.cpp) hold them to it.
#include <llvm/IR/IRBuilder.h>

#include <fmt/format.h>

#include <map>

#include "compiler/interp/interp.h"
#include "compiler/jit/codegen.h"
#include "compiler/jit/scheme_codegen.h"

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

  void batch(const std::vector<bool>& compiled_clock, const BatchPlan& fast) {
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
    std::vector<llvm::Constant*> inline_clock, sla_value, sla_adds, group, lo, hi;
    for (std::size_t k = 0; k < n_proc; ++k) {
      inline_clock.push_back(llvm::ConstantInt::get(i8(), fast.clock[k] ? 1 : 0));
      sla_value.push_back(llvm::cast<llvm::Constant>(ci(fast.sla[k])));
      sla_adds.push_back(llvm::ConstantInt::get(i8(), fast.sla_adds[k] ? 1 : 0));
      group.push_back(llvm::ConstantInt::get(i32, static_cast<std::uint64_t>(fast.group[k]), true));
      lo.push_back(llvm::ConstantFP::get(f64(), fast.min[k]));
      hi.push_back(llvm::ConstantFP::get(f64(), fast.max[k]));
    }
    auto* inline_clock_table = table("iwd_batch_inline_clocks", i8(), inline_clock);
    auto* sla_table = table("iwd_batch_slas", i64(), sla_value);
    auto* sla_adds_table = table("iwd_batch_sla_adds", i8(), sla_adds);
    auto* group_table = table("iwd_batch_groups", i32, group);
    auto* lo_table = table("iwd_batch_mins", f64(), lo);
    auto* hi_table = table("iwd_batch_maxes", f64(), hi);
    auto at = [&](llvm::GlobalVariable* t, llvm::Type* ty, llvm::Value* index) {
      return b_.CreateLoad(ty, b_.CreateInBoundsGEP(t->getValueType(), t, {ci(0), index}));
    };
    auto* prio_table = table("iwd_batch_priorities", ptr(), prios);
    auto* calendar_table = table("iwd_batch_calendars", i64(), calendars);

    auto* entry = llvm::BasicBlock::Create(ctx_, "entry", fn);
    auto* head = llvm::BasicBlock::Create(ctx_, "head", fn);
    auto* body = llvm::BasicBlock::Create(ctx_, "body", fn);
    auto* rejected = llvm::BasicBlock::Create(ctx_, "rejected", fn);
    auto* classified = llvm::BasicBlock::Create(ctx_, "classified", fn);
    auto* by_table = llvm::BasicBlock::Create(ctx_, "clock_inline", fn);
    auto* by_call = llvm::BasicBlock::Create(ctx_, "clock_call", fn);
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
    b_.CreateCondBr(b_.CreateICmpNE(at(inline_clock_table, i8(), p), llvm::ConstantInt::get(i8(), 0)), by_table, by_call);
    // iwd_clock<p> for an SLA that is none or a constant, from the tables: no call (issue 19: the
    // indirect call per process mispredicted with the items' processes).
    b_.SetInsertPoint(by_table);
    {
      auto* present = b_.CreateLoad(i64(), field(argp, kArgsPresent));  // slots 3..5 are in word 0
      auto* slots = field(argp, kArgsSlots);
      auto bit = [&](std::uint64_t slot) { return b_.CreateICmpNE(b_.CreateAnd(present, ci(std::int64_t{1} << slot)), ci(0)); };
      auto slot = [&](std::uint64_t k) { return b_.CreateLoad(i64(), b_.CreateConstInBoundsGEP1_64(i64(), slots, k)); };
      auto* start = b_.CreateSelect(bit(kActivateAt), slot(kActivateAt), slot(kCapturedAt));
      auto* sla = at(sla_table, i64(), p);
      auto* adds = b_.CreateICmpNE(at(sla_adds_table, i8(), p), llvm::ConstantInt::get(i8(), 0));
      auto* due = b_.CreateSelect(bit(kDueAt), slot(kDueAt), b_.CreateSelect(adds, b_.CreateAdd(start, sla), ci(TimeInputs::kNone)));
      for (auto [k, v] : {std::pair<unsigned, llvm::Value*>{0u, now}, {1u, start}, {2u, sla}, {3u, due}})
        b_.CreateStore(v, b_.CreateConstInBoundsGEP1_64(i64(), clock, k));
      b_.CreateBr(priced);
    }
    b_.SetInsertPoint(by_call);
    auto* clock_fn = b_.CreateLoad(ptr(), b_.CreateInBoundsGEP(clock_table->getValueType(), clock_table, {ci(0), p}));
    b_.CreateCondBr(b_.CreateICmpEQ(clock_fn, null), by_interp, by_code);
    b_.SetInsertPoint(by_code);
    b_.CreateCall(clock_ty, b_.CreateBitCast(clock_fn, clock_ty->getPointerTo()), {argp, clock});
    b_.CreateBr(priced);
    b_.SetInsertPoint(by_interp);
    auto helper = m_.getOrInsertFunction("iwd_jit_clock", llvm::FunctionType::get(void_ty(), {ptr(), i32, i64(), i64()->getPointerTo()}, false));
    b_.CreateCall(helper, {argp, process, now, clock});
    b_.CreateBr(priced);

    // Interpreter::inputs: the clock at `age`.
    auto age_inputs = [&] {
      auto word = [&](unsigned k) { return b_.CreateLoad(i64(), b_.CreateConstInBoundsGEP1_64(i64(), clock, k)); };
      auto* start = word(1);
      auto* sla = word(2);
      auto* due = word(3);
      auto* has_due = b_.CreateICmpNE(due, ci(TimeInputs::kNone));
      auto* at_age = b_.CreateAdd(start, age);
      auto* late = b_.CreateSub(at_age, due);
      set_inputs(inputs, {{Input::Now, at_age},
                          {Input::Age, age},
                          {Input::Sla, b_.CreateSelect(b_.CreateICmpEQ(sla, ci(TimeInputs::kNone)), ci(0), sla)},
                          {Input::Due, due},
                          {Input::OverdueBy, b_.CreateSelect(has_due, b_.CreateSelect(b_.CreateICmpSGT(late, ci(0)), late, ci(0)), ci(0))},
                          {Input::Window, b_.CreateSelect(has_due, b_.CreateSub(due, start), ci(TimeInputs::kNone))},
                          {Input::Start, start},
                          {Input::SlaCalendar, at(calendar_table, i64(), p)},
                          {Input::AgeCalendar, ci(-1)}});
    };
    b_.SetInsertPoint(priced);
    // A scheme of a bounded group: its shared formula, inlined, with the process's bounds.
    auto* by_pointer = llvm::BasicBlock::Create(ctx_, "priority_call", fn);
    auto* which = b_.CreateSwitch(at(group_table, i32, p), by_pointer, static_cast<unsigned>(fast.bounded.size()));
    for (std::size_t g = 0; g < fast.bounded.size(); ++g) {
      auto* bb = llvm::BasicBlock::Create(ctx_, fmt::format("priority_group{}", g), fn);
      which->addCase(llvm::ConstantInt::get(llvm::cast<llvm::IntegerType>(i32), g), bb);
      b_.SetInsertPoint(bb);
      age_inputs();
      auto* formula = m_.getFunction(fmt::format("iwd_priority_bounded{}", fast.bounded[g]));
      auto* value = b_.CreateCall(formula, {argp, at(lo_table, f64(), p), at(hi_table, f64(), p)});
      b_.CreateStore(value, b_.CreateConstInBoundsGEP1_64(i64(), o, 5));
      b_.CreateBr(next);
    }
    b_.SetInsertPoint(by_pointer);
    auto* prio_fn = b_.CreateLoad(ptr(), b_.CreateInBoundsGEP(prio_table->getValueType(), prio_table, {ci(0), p}));
    b_.CreateStore(ci(0), b_.CreateConstInBoundsGEP1_64(i64(), o, 5));
    b_.CreateCondBr(b_.CreateICmpEQ(prio_fn, null), next, scheme);

    b_.SetInsertPoint(scheme);
    age_inputs();
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

static bool constant_sla(const Program& p, std::size_t process, std::int64_t* sla, bool* adds) {
  const ProgramProcess& pp = p.processes[process];
  if (pp.sla < 0) {  // no SLA: due_at or never
    *sla = TimeInputs::kNone;
    *adds = false;
    return true;
  }
  if (!clock_compiles(p, process)) return false;
  const ProgramFunction& f = p.functions[static_cast<std::size_t>(pp.sla)];
  const Instr* last = nullptr;
  for (const Instr& in : f.code) {
    if (in.op != Op::ConstI && in.op != Op::Absent) return false;
    if (in.op == Op::ConstI && in.tag == VTag::String) return false;
    if (in.dst == f.result) last = &in;
  }
  if (last == nullptr) return false;
  // iwd_clock<p>: sla = present ? value : 0; due = due_at, else start + sla when present.
  *adds = last->op == Op::ConstI;
  *sla = *adds ? last->imm : 0;
  return true;
}

BatchPlan batch_plan(const Program& program) {
  const std::size_t n = program.processes.size();
  BatchPlan fast;
  fast.clock.assign(n, false);
  fast.sla.assign(n, TimeInputs::kNone);
  fast.sla_adds.assign(n, false);
  fast.group.assign(n, -1);
  fast.min.assign(n, 0);
  fast.max.assign(n, 0);
  // Schemes that differ only in constant bounds share a bounded formula; at most
  // kBoundedGroups of them (each is inlined into the loop), the rest called through pointers.
  constexpr std::size_t kBoundedGroups = 8;
  std::map<std::string, std::int32_t> groups;
  for (std::size_t k = 0; k < n; ++k) {
    std::int64_t sla = 0;
    bool adds = false;
    if (constant_sla(program, k, &sla, &adds)) fast.clock[k] = true, fast.sla[k] = sla, fast.sla_adds[k] = adds;
    const std::int32_t scheme = program.processes[k].priority;
    if (scheme < 0) continue;
    const ProgramPriority& s = program.priorities[static_cast<std::size_t>(scheme)];
    double lo = 0, hi = 0;
    if ((s.min >= 0 && !constant_number(program, s.min, &lo)) || (s.max >= 0 && !constant_number(program, s.max, &hi))) continue;
    auto [it, fresh] = groups.emplace(formula_key(program, static_cast<std::size_t>(scheme), /*bounds_apart=*/true),
                                      static_cast<std::int32_t>(fast.bounded.size()));
    if (fresh) {
      if (fast.bounded.size() == kBoundedGroups) {
        groups.erase(it);
        continue;
      }
      fast.bounded.push_back(static_cast<std::size_t>(scheme));
    }
    fast.group[k] = it->second, fast.min[k] = lo, fast.max[k] = hi;
  }
  return fast;
}

void emit_batch(llvm::Module& m, const Program& program) {
  BatchCodegen gen(m, program);
  const std::size_t n = program.processes.size();
  std::vector<bool> compiled(n);
  for (std::size_t k = 0; k < n; ++k)
    if ((compiled[k] = clock_compiles(program, k))) gen.clock(k);
  const BatchPlan plan = batch_plan(program);
  SchemeCodegen schemes(m, program);
  for (std::size_t g = 0; g < plan.bounded.size(); ++g) {
    schemes.priority(plan.bounded[g], /*bounded=*/true);
    // iwd_priority_group<g>: the same for the table's single calls (JitProgram::bounded_priority).
    llvm::Function* inner = m.getFunction(fmt::format("iwd_priority_bounded{}", plan.bounded[g]));
    auto* outer = llvm::Function::Create(inner->getFunctionType(), llvm::Function::ExternalLinkage, fmt::format("iwd_priority_group{}", g), m);
    llvm::IRBuilder<> b(llvm::BasicBlock::Create(m.getContext(), "entry", outer));
    b.CreateRet(b.CreateCall(inner, {outer->getArg(0), outer->getArg(1), outer->getArg(2)}));
  }
  gen.batch(compiled, plan);
}

}  // namespace iwd::compiler
