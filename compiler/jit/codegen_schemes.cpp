// LLVM IR for the fixed parts of a rule program that combine its functions: the priority
// formula of each scheme (LANGUAGE.md section 8) and the opening ages of each process's
// target stages (section 9) (the next priority change: codegen_next.cpp). Both follow Interpreter::priority and
// Interpreter::stage_openings operation for operation (the differential tests hold them to
// it); the pieces they combine are the program's compiled functions, called directly.
//
//   i64  iwd_priority<k>(const JitArgs*)             the priority of scheme k at args' inputs
//   void iwd_stages<p>(const JitArgs*, i64* opens)  the opening age of each stage (kNone: never)
//   i8   iwd_next<k>(const JitArgs*, i64* age)      scheme k's next change (codegen_next.cpp)
#include <cassert>
#include <limits>
#include <map>

#include "compiler/jit/scheme_codegen.h"

namespace iwd::compiler {

void SchemeCodegen::priority(std::size_t k, bool bounded, const std::string& inlined_as) {
  const ProgramPriority& s = p_.priorities[k];
  llvm::Function* fn = nullptr;
  open_age_ = nullptr;
  if (!inlined_as.empty()) {
    fn = llvm::Function::Create(llvm::FunctionType::get(i64(), {ptr(), i64()}, false), llvm::Function::InternalLinkage, inlined_as, m_);
    fn->addFnAttr(llvm::Attribute::AlwaysInline);
    open_age_ = fn->getArg(1);
  } else if (bounded) {
    fn = llvm::Function::Create(llvm::FunctionType::get(i64(), {ptr(), f64(), f64()}, false), llvm::Function::InternalLinkage,
                                fmt::format("iwd_priority_bounded{}", k), m_);
    fn->addFnAttr(llvm::Attribute::AlwaysInline);
  } else {
    fn = llvm::Function::Create(llvm::FunctionType::get(i64(), {ptr()}, false), llvm::Function::ExternalLinkage,
                                fmt::format("iwd_priority{}", k), m_);
  }
  begin(fn);
  // A scheme of a process whose SLA clock is elapsed time, its age elapsed: each `N% of sla`
  // of its pieces is one multiplication (the pieces' elapsed variants).
  elapsed_ = priority_clock_elapsed(p_, k);
  llvm::Value* args = fn->getArg(0);
  auto* inputs = field(args, kArgsInputs);
  // From due on, the `overdue` value, not clamped.
  if (s.overdue >= 0) {
    auto* now = b_.CreateLoad(i64(), b_.CreateConstInBoundsGEP1_64(i64(), inputs, input_index(Input::Now)));
    auto* due = b_.CreateLoad(i64(), b_.CreateConstInBoundsGEP1_64(i64(), inputs, input_index(Input::Due)));
    auto* overdue = b_.CreateAnd(b_.CreateICmpNE(due, ci(TimeInputs::kNone)), b_.CreateICmpSGE(now, due));
    auto* yes = llvm::BasicBlock::Create(ctx_, "overdue", fn);
    auto* no = llvm::BasicBlock::Create(ctx_, "in_time", fn);
    b_.CreateCondBr(overdue, yes, no);
    b_.SetInsertPoint(yes);
    b_.CreateRet(truncate(number(s.overdue, args)));
    b_.SetInsertPoint(no);
  }
  // Age in open time: the pieces read a copy of the inputs with the business age.
  if (s.age_calendar >= 0) args = business_age_args(args, inputs, s.age_calendar, open_age_);
  auto* age = b_.CreateSIToFP(
      b_.CreateLoad(i64(), b_.CreateConstInBoundsGEP1_64(i64(), field(args, kArgsInputs), input_index(Input::Age))), f64());
  llvm::Value* base = cf(0);
  if (!s.curve.empty()) {
    std::vector<std::pair<llvm::Value*, llvm::Value*>> pts;
    for (const auto& pt : s.curve) pts.emplace_back(number(pt.at, args), number(pt.value, args));
    // The first segment [x_i, x_{i+1}) that holds the age wins: built from the last.
    base = pts.back().second;
    for (std::size_t i = pts.size() - 1; i-- > 0;) {
      auto [x0, v0] = pts[i];
      auto [x1, v1] = pts[i + 1];
      auto* within = b_.CreateAnd(b_.CreateFCmpOGE(age, x0), b_.CreateFCmpOLT(age, x1));
      auto* slope = b_.CreateFDiv(b_.CreateFMul(b_.CreateFSub(v1, v0), b_.CreateFSub(age, x0)), b_.CreateFSub(x1, x0));
      base = b_.CreateSelect(within, unary(llvm::Intrinsic::trunc, b_.CreateFAdd(v0, slope)), base);
    }
    base = b_.CreateSelect(b_.CreateFCmpOLT(age, pts.front().first), pts.front().second, base);
  } else {
    if (s.start >= 0) base = number(s.start, args);
    for (const auto& e : s.every) {
      auto* period = number(e.period, args);
      // An absent `from` never starts the clause; an absent `until` never ends it (LANGUAGE.md 5).
      constexpr double kInf = std::numeric_limits<double>::infinity();
      auto* from = e.from >= 0 ? number(e.from, args, kInf) : cf(0);
      auto* until = e.until >= 0 ? number(e.until, args, kInf) : cf(kInf);
      auto* skip = b_.CreateOr(b_.CreateFCmpOLT(age, from), b_.CreateFCmpOLE(period, cf(0)));
      auto* upto = b_.CreateSelect(b_.CreateFCmpOLT(until, age), until, age);  // std::min(age, until)
      auto* steps = unary(llvm::Intrinsic::floor, b_.CreateFDiv(b_.CreateFSub(upto, from), period));
      base = b_.CreateSelect(skip, base, b_.CreateFAdd(base, b_.CreateFMul(number(e.add, args), steps)));
    }
  }
  for (const auto& boost : s.boosts)
    base = b_.CreateSelect(holds(boost.when, args), b_.CreateFAdd(base, number(boost.amount, args)), base);
  if (s.min >= 0) {  // std::max(base, min)
    auto* lo = bounded ? fn->getArg(1) : number(s.min, args);
    base = b_.CreateSelect(b_.CreateFCmpOLT(base, lo), lo, base);
  }
  if (s.max >= 0) {  // std::min(base, max)
    auto* hi = bounded ? fn->getArg(2) : number(s.max, args);
    base = b_.CreateSelect(b_.CreateFCmpOLT(hi, base), hi, base);
  }
  b_.CreateRet(truncate(base));
}

void SchemeCodegen::stages(std::size_t process) {
  const ProgramProcess& pp = p_.processes[process];
  auto* fn = llvm::Function::Create(llvm::FunctionType::get(llvm::Type::getVoidTy(ctx_), {ptr(), i64()->getPointerTo()}, false),
                                    llvm::Function::ExternalLinkage, fmt::format("iwd_stages{}", process), m_);
  begin(fn);
  elapsed_ = !has_sla_calendar(pp);  // stages count the age in elapsed time
  llvm::Value* args = fn->getArg(0);
  llvm::Value* t = ci(0);
  llvm::Value* done = b_.getFalse();  // a final stage has been reached: the rest never open
  // Interpreter::stage_openings: consecutive `for N% of sla` add up on the SLA clock.
  llvm::Value* shares = llvm::ConstantFP::get(f64(), 0.0);
  llvm::Value* on_clock = b_.getTrue();
  for (std::size_t k = 0; k < pp.stages.size(); ++k) {
    const ProgramStage& st = pp.stages[k];
    b_.CreateStore(b_.CreateSelect(done, ci(TimeInputs::kNone), t), b_.CreateConstInBoundsGEP1_64(i64(), fn->getArg(1), k));
    // A stage whose agent is absent is skipped at once: it does not hold the next one back.
    llvm::Value* skipped = b_.getFalse();
    if (st.kind == ProgramStage::Agent) skipped = b_.CreateNot(call(st.value, args).present);
    if (st.duration < 0) {
      done = b_.CreateOr(done, b_.CreateNot(skipped));
      continue;
    }
    const Result d = call(st.duration, args);
    auto* step = b_.CreateSelect(b_.CreateOr(skipped, b_.CreateNot(d.present)), ci(0), d.i);
    llvm::Value* added = b_.CreateBinaryIntrinsic(llvm::Intrinsic::sadd_sat, t, step);  // stdlib::saturating_add
    on_clock = b_.CreateSelect(skipped, on_clock, st.share >= 0 ? on_clock : b_.getFalse());
    if (st.share < 0) {
      t = added;
      continue;
    }
    auto* use_clock = b_.CreateAnd(b_.CreateAnd(b_.CreateNot(skipped), on_clock), d.present);
    shares = b_.CreateSelect(use_clock, b_.CreateFAdd(shares, llvm::ConstantFP::get(f64(), st.share)), shares);
    llvm::Value* on_the_clock = nullptr;
    if (elapsed_) {  // round(shares * window), kNone without a due instant (Interpreter::share_age)
      auto* window = b_.CreateLoad(i64(), b_.CreateConstInBoundsGEP1_64(i64(), field(args, kArgsInputs), input_index(Input::Window)));
      on_the_clock = b_.CreateSelect(b_.CreateICmpEQ(window, ci(TimeInputs::kNone)), ci(TimeInputs::kNone),
                                     elapsed_share(b_, m_, shares, window));
    } else {
      auto helper = m_.getOrInsertFunction("iwd_jit_share_age", llvm::FunctionType::get(i64(), {ptr(), f64()}, false));
      on_the_clock = b_.CreateCall(helper, {args, shares});
    }
    t = b_.CreateSelect(use_clock, on_the_clock, added);
  }
  b_.CreateRetVoid();
}

bool has_sla_calendar(const ProgramProcess& pp) { return pp.sla >= 0 && pp.sla_calendar >= 0; }

bool priority_clock_elapsed(const Program& p, std::size_t scheme) {
  if (p.priorities[scheme].age_calendar >= 0) return false;
  for (const auto& pp : p.processes)
    if (pp.priority == static_cast<std::int32_t>(scheme)) return !has_sla_calendar(pp);
  return false;
}

// Processes often share a scheme's pieces and bounds, or a targets declaration: the code of a
// formula is made once, for the first scheme (or process) that has it, and the others are that
// code under their own names, so large rulesets compile once per distinct formula.
std::string formula_key(const Program& program, std::size_t k, bool bounds_apart) {
  const ProgramPriority& s = program.priorities[k];
  auto bound = [&](FunctionRef f) { return bounds_apart ? std::string(f >= 0 ? "given" : "none") : std::to_string(f); };
  std::string key = fmt::format("p {} {} {} {} {} {} {}|", s.start, bound(s.min), bound(s.max), s.overdue, s.age_calendar,
                                s.curve.size(), priority_clock_elapsed(program, k));
  for (const auto& e : s.every) key += fmt::format("e{},{},{},{};", e.period, e.add, e.from, e.until);
  for (const auto& pt : s.curve) key += fmt::format("c{},{};", pt.at, pt.value);
  for (const auto& b : s.boosts) key += fmt::format("b{},{};", b.amount, b.when);
  return key;
}

bool constant_number(const Program& program, FunctionRef f, double* value) {
  if (f < 0) return false;
  const ProgramFunction& fn = program.functions[static_cast<std::size_t>(f)];
  const Instr* last = nullptr;  // the instruction that writes the result last
  for (const Instr& in : fn.code) {
    if (in.op != Op::ConstI && in.op != Op::ConstF && in.op != Op::Absent) return false;
    if (in.op == Op::ConstI && in.tag == VTag::String) return false;  // an id known at load only
    if (in.dst == fn.result) last = &in;
  }
  if (last == nullptr) return false;
  // SchemeCodegen::number(): absent counts as 0; an F64 function's value is its double, an
  // I64 one's its integer (a register holds 0 in the other).
  if (last->op == Op::Absent) *value = 0;
  else if (fn.type == VType::F64) *value = last->op == Op::ConstF ? last->fimm : 0;
  else *value = last->op == Op::ConstI ? static_cast<double>(last->imm) : 0;
  return true;
}

SharedCode shared_code(const Program& program) {
  SharedCode out;
  auto first_of = [](std::map<std::string, std::size_t>& seen, std::string key, std::size_t k) {
    return seen.emplace(std::move(key), k).first->second;
  };
  std::map<std::string, std::size_t> priorities, nexts, stages;
  for (std::size_t k = 0; k < program.priorities.size(); ++k) {
    std::string key = formula_key(program, k, /*bounds_apart=*/false);
    // Its next change: the same formula's, or the one function that sends items to the walk.
    out.next.push_back(first_of(nexts, SchemeCodegen::next_change_compiles(program, k) ? "n " + key : "n walk", k));
    out.priority.push_back(first_of(priorities, std::move(key), k));
  }
  for (std::size_t p = 0; p < program.processes.size(); ++p) {
    std::string key = has_sla_calendar(program.processes[p]) ? "s calendar " : "s elapsed ";
    for (const auto& st : program.processes[p].stages)
      key += fmt::format("{},{},{},{};", static_cast<int>(st.kind), st.value, st.duration, st.share);
    out.stages.push_back(first_of(stages, std::move(key), p));
  }
  return out;
}

// In one module: each formula's code once, the others as aliases of it.
void emit_schemes(llvm::Module& m, const Program& program) {
  SchemeCodegen gen(m, program);
  const SharedCode shared = shared_code(program);
  auto emit = [&](const std::vector<std::size_t>& first, const char* prefix, auto&& make) {
    for (std::size_t k = 0; k < first.size(); ++k) {
      if (first[k] == k) make(k);
      else llvm::GlobalAlias::create(fmt::format("{}{}", prefix, k), m.getFunction(fmt::format("{}{}", prefix, first[k])));
    }
  };
  emit(shared.priority, "iwd_priority", [&](std::size_t k) { gen.priority(k); });
  emit(shared.next, "iwd_next", [&](std::size_t k) { gen.next_change(k); });
  emit(shared.stages, "iwd_stages", [&](std::size_t p) { gen.stages(p); });
}

void emit_scheme_unit(llvm::Module& m, const Program& program, CodeUnit unit) {
  SchemeCodegen gen(m, program);
  switch (unit.kind) {
    case CodeUnit::Priority: return gen.priority(unit.index);
    case CodeUnit::Next: return gen.next_change(unit.index);
    case CodeUnit::Stages: return gen.stages(unit.index);
    default: break;
  }
  assert(false && "not a scheme's unit");
}

}  // namespace iwd::compiler
