// LLVM IR for the next priority change of a scheme (issue 19), the runtime's question for
// every item whose priority changes with age:
//
//   i8 iwd_next<k>(const JitArgs*, i64* age)   1: the priority changes at *age; 2: never;
//                                               0: not answered here, ask the walk
//
// It answers for the schemes whose priority moves with the age through `every` clauses or a
// curve alone (no `age in`, and no piece reading the age, now or overdue_by): boosts and an
// `overdue` value then hold one value along the walk, so that Interpreter::next_priority_change
// has only fixed breakpoints of its own (the curve's points, the due instant with `overdue`;
// never a candidate after it), and its other candidates are the next step of each clause or the
// next whole value on a sloped segment of the curve, closed forms. The function is that walk
// operation for operation (the same candidates in the same floating point, the same
// saturation test on the unclamped value, the same steps back), calling the compiled formula
// iwd_priority<k> where the walk calls the interpreter's; after kSteps candidates without a
// change (an `add` below one that moves the truncated value every few steps) or at a
// candidate past the 64-bit range it returns 0 and the walk answers from the start.
#include <limits>

#include "compiler/jit/scheme_codegen.h"

namespace iwd::compiler {
namespace {

constexpr std::int64_t kSteps = 8;  // candidates tried before the walk takes over
constexpr int kBack = 3;            // steps back from a changed candidate, as the walk
constexpr std::int64_t kNoCandidate = std::numeric_limits<std::int64_t>::max();

// The inputs that move along the walk (inputs_at): a piece reading one is not constant there.
bool reads_moving_input(const ProgramFunction& f) {
  for (const Instr& in : f.code) {
    if (in.op != Op::LoadInput) continue;
    switch (static_cast<Input>(in.a)) {
      case Input::Now: case Input::Age: case Input::OverdueBy: case Input::AgeCalendar: return true;
      default: break;
    }
  }
  return false;
}

}  // namespace

bool SchemeCodegen::next_change_compiles(const Program& p, std::size_t k) {
  const ProgramPriority& s = p.priorities[k];
  if (s.age_calendar >= 0) return false;
  std::vector<FunctionRef> pieces = {s.start, s.min, s.max, s.overdue};
  for (const auto& e : s.every) pieces.insert(pieces.end(), {e.period, e.add, e.from, e.until});
  for (const auto& b : s.boosts) pieces.insert(pieces.end(), {b.amount, b.when});
  for (const auto& pt : s.curve) pieces.insert(pieces.end(), {pt.at, pt.value});
  for (FunctionRef f : pieces)
    if (f >= 0 && reads_moving_input(p.functions[static_cast<std::size_t>(f)])) return false;
  return true;
}

void SchemeCodegen::next_change(std::size_t k) {
  auto* fn = llvm::Function::Create(llvm::FunctionType::get(i8(), {ptr(), i64()->getPointerTo()}, false),
                                    llvm::Function::ExternalLinkage, fmt::format("iwd_next{}", k), m_);
  begin(fn);
  auto answer = [&](std::int64_t v) { b_.CreateRet(llvm::ConstantInt::get(i8(), static_cast<std::uint64_t>(v))); };
  if (!next_change_compiles(p_, k)) return answer(0);
  const ProgramPriority& s = p_.priorities[k];
  elapsed_ = priority_clock_elapsed(p_, k);  // as iwd_priority<k> calls the pieces
  llvm::Value* args = fn->getArg(0);
  auto* inputs = field(args, kArgsInputs);
  auto input = [&](llvm::Value* in, Input i) { return b_.CreateConstInBoundsGEP1_64(i64(), in, input_index(i)); };
  auto* age0 = b_.CreateLoad(i64(), input(inputs, Input::Age));
  auto* now0 = b_.CreateLoad(i64(), input(inputs, Input::Now));
  auto* due = b_.CreateLoad(i64(), input(inputs, Input::Due));
  auto* start = b_.CreateSub(now0, age0);
  auto* wall_p = b_.CreateAlloca(i64());
  auto* raw_p = b_.CreateAlloca(f64());
  auto* tried_p = b_.CreateAlloca(i64());
  auto* at_p = b_.CreateAlloca(i64());
  const ArgsCopy moved = copy_args(args, inputs);  // the inputs along the walk (named: lambdas read them)
  auto* give_up = llvm::BasicBlock::Create(ctx_, "give_up", fn);
  auto* never = llvm::BasicBlock::Create(ctx_, "never", fn);
  // The walk reads the pieces with the scheme's age counted in elapsed time: another age
  // calendar in the inputs (none that the runtime passes) is the walk's to answer.
  auto* go = llvm::BasicBlock::Create(ctx_, "go", fn);
  b_.CreateCondBr(b_.CreateICmpEQ(b_.CreateLoad(i64(), input(inputs, Input::AgeCalendar)), ci(-1)), go, give_up);
  b_.SetInsertPoint(go);

  // The pieces, constant along the walk (next_change_compiles).
  struct Clause {
    llvm::Value *period, *add, *from, *until;
  };
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::vector<Clause> clauses;
  for (const auto& e : s.every)
    clauses.push_back({number(e.period, args), number(e.add, args), e.from >= 0 ? number(e.from, args, kInf) : cf(0),
                       e.until >= 0 ? number(e.until, args, kInf) : cf(kInf)});
  llvm::Value* first = s.start >= 0 ? number(s.start, args) : cf(0);
  llvm::Value* adds_up = b_.getTrue();
  llvm::Value* adds_down = b_.getTrue();
  for (const Clause& c : clauses) {
    adds_up = b_.CreateAnd(adds_up, b_.CreateFCmpOGE(c.add, cf(0)));
    adds_down = b_.CreateAnd(adds_down, b_.CreateFCmpOLE(c.add, cf(0)));
  }
  // Boosts hold or not all along the walk: their amounts join the unclamped value in turn,
  // after the clauses, as Interpreter::priority adds them.
  std::vector<std::pair<llvm::Value*, llvm::Value*>> boosts;  // holds, amount
  for (const auto& boost : s.boosts) boosts.emplace_back(holds(boost.when, args), number(boost.amount, args));
  // With `overdue`, the due instant is the walk's one fixed breakpoint (a wall-clock age), and
  // from it on nothing changes again (the value is constant there). A due instant at the end of
  // time (kDueNever) is never reached: no breakpoint, as without one.
  llvm::Value* overdue_rule = b_.getFalse();
  if (s.overdue >= 0)
    overdue_rule = b_.CreateAnd(b_.CreateICmpNE(due, ci(TimeInputs::kNone)), b_.CreateICmpNE(due, ci(TimeInputs::kDueNever)));
  auto* due_wall = b_.CreateSub(due, start);
  // The curve's points (a curve excludes `start` and `every`), each also a fixed breakpoint at
  // its age rounded up; one the walk would convert outside the 64-bit range is its to answer.
  constexpr double kTwo63 = 9223372036854775808.0;
  auto fits = [&](llvm::Value* up) { return b_.CreateAnd(b_.CreateFCmpOGE(up, cf(-kTwo63)), b_.CreateFCmpOLT(up, cf(kTwo63))); };
  std::vector<std::pair<llvm::Value*, llvm::Value*>> points;  // age, value
  std::vector<llvm::Value*> point_walls;
  llvm::Value* points_fit = b_.getTrue();
  for (const auto& pt : s.curve) {
    points.emplace_back(number(pt.at, args), number(pt.value, args));
    auto* up = unary(llvm::Intrinsic::ceil, points.back().first);
    points_fit = b_.CreateAnd(points_fit, fits(up));
    point_walls.push_back(b_.CreateFPToSI(up, i64()));
  }
  llvm::Value* last_point = points.empty() ? cf(-1) : points.back().first;
  auto* points_ok = llvm::BasicBlock::Create(ctx_, "points_ok", fn);
  b_.CreateCondBr(points_fit, points_ok, give_up);
  b_.SetInsertPoint(points_ok);
  llvm::Value* max = s.max >= 0 ? number(s.max, args) : nullptr;
  llvm::Value* min = s.min >= 0 ? number(s.min, args) : nullptr;
  // Interpreter::priority's unclamped value (`raw`) at a wall-clock age.
  auto raw_at = [&](llvm::Value* wall) {
    auto* age = b_.CreateSIToFP(wall, f64());
    llvm::Value* base = first;
    for (const Clause& c : clauses) {
      auto* started = b_.CreateAnd(b_.CreateFCmpOGE(age, c.from), b_.CreateFCmpOGT(c.period, cf(0)));
      auto* upto = b_.CreateSelect(b_.CreateFCmpOLT(c.until, age), c.until, age);  // std::min(age, until)
      auto* steps = unary(llvm::Intrinsic::floor, b_.CreateFDiv(b_.CreateFSub(upto, c.from), c.period));
      base = b_.CreateSelect(started, b_.CreateFAdd(base, b_.CreateFMul(c.add, steps)), base);
    }
    for (const auto& [on, amount] : boosts) base = b_.CreateSelect(on, b_.CreateFAdd(base, amount), base);
    return base;
  };
  auto priority = m_.getOrInsertFunction(fmt::format("iwd_priority{}", k), llvm::FunctionType::get(i64(), {ptr()}, false));
  // The priority at a wall-clock age (inputs_at): age, now and overdue_by move together.
  auto priority_at = [&](llvm::Value* wall) {
    auto* now = b_.CreateAdd(start, wall);
    b_.CreateStore(wall, input(moved.inputs, Input::Age));
    b_.CreateStore(now, input(moved.inputs, Input::Now));
    auto* overdue_by = b_.CreateBinaryIntrinsic(llvm::Intrinsic::smax, ci(0), b_.CreateSub(now, due));
    b_.CreateStore(b_.CreateSelect(b_.CreateICmpNE(due, ci(TimeInputs::kNone)), overdue_by, ci(0)),
                   input(moved.inputs, Input::OverdueBy));
    return b_.CreateCall(priority, {moved.block});
  };
  auto* now_value = b_.CreateCall(priority, {args});
  b_.CreateStore(age0, wall_p);
  b_.CreateStore(raw_at(age0), raw_p);
  b_.CreateStore(ci(0), tried_p);
  auto* loop = llvm::BasicBlock::Create(ctx_, "loop", fn);
  b_.CreateBr(loop);

  // The next candidate after `wall` (next_after): the smallest next step of the clauses.
  b_.SetInsertPoint(loop);
  auto* wall = b_.CreateLoad(i64(), wall_p);
  auto* raw = b_.CreateLoad(f64(), raw_p);
  auto* tried = b_.CreateLoad(i64(), tried_p);
  auto* body = llvm::BasicBlock::Create(ctx_, "candidate", fn);
  b_.CreateCondBr(b_.CreateICmpSGE(tried, ci(kSteps)), give_up, body);
  b_.SetInsertPoint(body);
  auto* b = b_.CreateSIToFP(wall, f64());
  auto* before_due = llvm::BasicBlock::Create(ctx_, "before_due", fn);
  b_.CreateCondBr(b_.CreateAnd(overdue_rule, b_.CreateFCmpOGE(b, b_.CreateSIToFP(due_wall, f64()))), never, before_due);
  b_.SetInsertPoint(before_due);
  // The next fixed breakpoint after `wall`: the due instant or a curve point, if still ahead.
  llvm::Value* fixed_next = b_.CreateSelect(b_.CreateAnd(overdue_rule, b_.CreateICmpSGT(due_wall, wall)), due_wall, ci(kNoCandidate));
  for (llvm::Value* at : point_walls)
    fixed_next = b_.CreateSelect(b_.CreateICmpSGT(at, wall), b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, fixed_next, at), fixed_next);
  llvm::Value* best = fixed_next;
  llvm::Value* out_of_range = b_.getFalse();
  for (const Clause& c : clauses) {
    auto* skip = b_.CreateOr(b_.CreateFCmpOLE(c.period, cf(0)), b_.CreateFCmpOEQ(unary(llvm::Intrinsic::fabs, c.from), cf(kInf)));
    auto* after = b_.CreateFAdd(unary(llvm::Intrinsic::floor, b_.CreateFDiv(b_.CreateFSub(b, c.from), c.period)), cf(1));
    auto* steps = b_.CreateSelect(b_.CreateFCmpOLT(b, c.from), cf(1), after);
    auto* step = b_.CreateFAdd(c.from, b_.CreateFMul(steps, c.period));
    auto* keep = b_.CreateAnd(b_.CreateNot(skip), b_.CreateFCmpOLE(step, c.until));
    auto* up = unary(llvm::Intrinsic::ceil, step);
    // A step the walk would convert outside the 64-bit range: its answer, not ours.
    auto* in_64_bits = fits(up);
    out_of_range = b_.CreateOr(out_of_range, b_.CreateAnd(keep, b_.CreateNot(in_64_bits)));
    auto* at = b_.CreateFPToSI(up, i64());
    best = b_.CreateSelect(b_.CreateAnd(keep, in_64_bits), b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, best, at), best);
  }
  // The next whole value on the sloped segment that holds `wall` (next_truncation_change of
  // interp_change.cpp, operation for operation), before the segment's end.
  for (std::size_t i = 0; i + 1 < points.size(); ++i) {
    auto* x0 = points[i].first;
    auto* v0 = points[i].second;
    auto* x1 = points[i + 1].first;
    auto* v1 = points[i + 1].second;
    // Not (b < x0 || b >= x1 || x1 == x0 || v1 == v0), NaN included.
    auto* within = b_.CreateAnd(b_.CreateAnd(b_.CreateFCmpUGE(b, x0), b_.CreateFCmpULT(b, x1)),
                                b_.CreateAnd(b_.CreateFCmpUNE(x1, x0), b_.CreateFCmpUNE(v1, v0)));
    auto* slope = b_.CreateFDiv(b_.CreateFSub(v1, v0), b_.CreateFSub(x1, x0));
    auto* k = unary(llvm::Intrinsic::trunc, b_.CreateFAdd(v0, b_.CreateFMul(slope, b_.CreateFSub(b, x0))));
    auto* up = b_.CreateFCmpOGT(slope, cf(0));
    auto* k_up = b_.CreateFCmpOGE(k, cf(0));
    auto* k_down = b_.CreateFCmpOLE(k, cf(0));
    auto* reach = b_.CreateSelect(up, k_up, k_down);
    auto* bound = b_.CreateSelect(up, b_.CreateSelect(k_up, b_.CreateFAdd(k, cf(1)), k), b_.CreateSelect(k_down, b_.CreateFSub(k, cf(1)), k));
    auto* at = b_.CreateFAdd(x0, b_.CreateFDiv(b_.CreateFSub(bound, v0), slope));
    auto* first = b_.CreateSelect(reach, unary(llvm::Intrinsic::ceil, at), b_.CreateFAdd(unary(llvm::Intrinsic::floor, at), cf(1)));
    auto* second = b_.CreateFAdd(unary(llvm::Intrinsic::floor, b), cf(1));
    auto* x = b_.CreateSelect(b_.CreateFCmpOLT(first, second), second, first);  // std::max(first, second)
    auto* keep = b_.CreateAnd(within, b_.CreateFCmpOLT(x, x1));
    auto* x_up = unary(llvm::Intrinsic::ceil, x);
    auto* x_fits = fits(x_up);
    out_of_range = b_.CreateOr(out_of_range, b_.CreateAnd(keep, b_.CreateNot(x_fits)));
    best = b_.CreateSelect(b_.CreateAnd(keep, x_fits), b_.CreateBinaryIntrinsic(llvm::Intrinsic::smin, best, b_.CreateFPToSI(x_up, i64())), best);
  }
  auto* in_range = llvm::BasicBlock::Create(ctx_, "in_range", fn);
  b_.CreateCondBr(out_of_range, give_up, in_range);
  b_.SetInsertPoint(in_range);
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
  candidate = b_.CreateSelect(saturated, fixed_next, candidate);
  auto* try_it = llvm::BasicBlock::Create(ctx_, "try", fn);
  b_.CreateCondBr(b_.CreateICmpEQ(candidate, ci(kNoCandidate)), never, try_it);

  b_.SetInsertPoint(try_it);
  auto* value = priority_at(candidate);
  b_.CreateStore(raw_at(candidate), raw_p);
  b_.CreateStore(candidate, wall_p);
  b_.CreateStore(b_.CreateAdd(tried, ci(1)), tried_p);
  auto* changed = llvm::BasicBlock::Create(ctx_, "changed", fn);
  b_.CreateCondBr(b_.CreateICmpNE(value, now_value), changed, loop);

  // A change: back to its first millisecond, as the walk steps back (at most kBack).
  b_.SetInsertPoint(changed);
  b_.CreateStore(candidate, at_p);
  auto* found = llvm::BasicBlock::Create(ctx_, "found", fn);
  for (int back = 0; back < kBack; ++back) {
    auto* earlier = b_.CreateSub(b_.CreateLoad(i64(), at_p), ci(1));
    auto* ask = llvm::BasicBlock::Create(ctx_, "ask", fn);
    b_.CreateCondBr(b_.CreateICmpSGT(earlier, wall), ask, found);
    b_.SetInsertPoint(ask);
    auto* step_back = llvm::BasicBlock::Create(ctx_, "step_back", fn);
    b_.CreateCondBr(b_.CreateICmpNE(priority_at(earlier), now_value), step_back, found);
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
}

}  // namespace iwd::compiler
