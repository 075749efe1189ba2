// Interpreter: running one straight-line function.
#include <re2/re2.h>

#include <cassert>
#include <cmath>

#include "compiler/interp/interp.h"
#include "stdlib/arith.h"

namespace iwd::compiler {
namespace {

bool is_true(const Value& v) { return v.present && v.i != 0; }
bool is_false(const Value& v) { return v.present && v.i == 0; }
Value boolean(bool b) { return Value::of_int(b ? 1 : 0); }
Value of_int(std::optional<std::int64_t> v) { return v ? Value::of_int(*v) : Value::absent(); }

double as_double(const Value& v, VType t) { return t == VType::F64 ? v.f : static_cast<double>(v.i); }

// Compares two present values: < 0, 0, > 0.
int compare(const Value& a, VType ta, VTag tag, const Value& b, VType tb, const EvalEnv& env) {
  if (ta == VType::F64 || tb == VType::F64) {
    const double x = as_double(a, ta), y = as_double(b, tb);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (tag == VTag::String && a.i != b.i) {
    const auto x = env.string_text(a.i), y = env.string_text(b.i);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
}

}  // namespace

Value Interpreter::exec(const ProgramFunction& f, const Instr& in, const std::vector<Value>& r,
                        const std::vector<VTag>& tags, const EvalEnv& env, const TimeInputs& inputs) const {
  auto type = [&f](std::uint32_t reg) { return f.reg_types[reg]; };
  Value out;
  const Value& a = r[in.a];
  const Value& b = r[in.b];
  switch (in.op) {
    case Op::ConstI: out = Value::of_int(in.tag == VTag::String ? env.string_id(in.imm) : in.imm); break;
    case Op::ConstF: out = Value::of_number(in.fimm); break;
    case Op::Absent: out = Value::absent(); break;
    case Op::LoadAttr: out = env.attribute(in.a); break;
    case Op::LoadInput: {
      // Rules read the inputs up to Window; `due` without a due instant is the end of time,
      // the window (`sla`) is absent.
      static_assert(static_cast<int>(Input::Window) == 5 && static_cast<int>(Input::Due) == 3);
      const std::int64_t values[] = {inputs.now, inputs.age, inputs.sla, inputs.due_value(), inputs.overdue_by, inputs.window};
      out = in.a == static_cast<std::uint32_t>(Input::Window) && inputs.window == TimeInputs::kNone
                ? Value::absent()
                : Value::of_int(values[in.a]);
      break;
    }
    case Op::ShareOfSla: {
      const std::int64_t age = share_age(inputs, in.fimm);
      out = age == TimeInputs::kNone ? Value::absent() : Value::of_int(age);
      break;
    }
    case Op::LoadSkill: out = env.skill(in.a); break;
    case Op::LoadAgent: out = env.agent_attribute(p_.strings[in.a]); break;
    case Op::Neg:
      if (!a.present) out = Value::absent();
      else if (in.type == VType::F64) out = Value::of_number(-a.f);
      else out = of_int(stdlib::checked_neg(a.i));  // -(-2^63) does not fit: absent
      break;
    case Op::IntToNumber: out = a.present ? Value::of_number(static_cast<double>(a.i)) : Value::absent(); break;
    case Op::Add:
    case Op::Sub:
    case Op::Mul:
    case Op::Div: {
      if (!a.present || !b.present) {
        out = Value::absent();
        break;
      }
      const VType ta = type(in.a), tb = type(in.b);
      // Results outside 64 bits, or not finite, are absent (docs/language.md, "Evaluation").
      if (in.type == VType::I64 && ta == VType::I64 && tb == VType::I64) {
        // A duration divided by an int is rounded to the millisecond, like one divided by a number.
        out = of_int(in.op == Op::Add   ? stdlib::checked_add(a.i, b.i)
                     : in.op == Op::Sub ? stdlib::checked_sub(a.i, b.i)
                     : in.op == Op::Mul ? stdlib::checked_mul(a.i, b.i)
                                        : stdlib::divide_rounded(a.i, b.i));
        break;
      }
      const double x = as_double(a, ta), y = as_double(b, tb);
      if (in.op == Op::Div && y == 0) { out = Value::absent(); break; }
      const double v = in.op == Op::Add ? x + y : in.op == Op::Sub ? x - y : in.op == Op::Mul ? x * y : x / y;
      // A duration scaled by a number is rounded to the millisecond.
      if (in.type == VType::F64) {
        const auto n = stdlib::finite(v);
        out = n ? Value::of_number(*n) : Value::absent();
      } else {
        out = of_int(stdlib::round_to_int(v));
      }
      break;
    }
    case Op::Eq:
    case Op::Ne:
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge: {
      if (!a.present || !b.present) {
        out = Value::absent();
        break;
      }
      const int c = compare(a, type(in.a), tags[in.a], b, type(in.b), env);
      const bool v = in.op == Op::Eq ? c == 0 : in.op == Op::Ne ? c != 0 : in.op == Op::Lt ? c < 0
                     : in.op == Op::Le ? c <= 0 : in.op == Op::Gt ? c > 0 : c >= 0;
      out = boolean(v);
      break;
    }
    case Op::And:
      out = is_false(a) || is_false(b) ? boolean(false) : (a.present && b.present) ? boolean(true) : Value::absent();
      break;
    case Op::Or:
      out = is_true(a) || is_true(b) ? boolean(true) : (a.present && b.present) ? boolean(false) : Value::absent();
      break;
    case Op::Not: out = a.present ? boolean(a.i == 0) : Value::absent(); break;
    case Op::Coalesce: out = a.present ? a : b; break;
    case Op::Present: out = boolean(a.present); break;
    case Op::Select: out = is_true(r[in.c]) ? a : b; break;
    case Op::InList: {
      if (!a.present) { out = Value::absent(); break; }
      const auto& list = p_.lists[in.b];
      bool found = false;
      if (list.tag == VTag::Number || type(in.a) == VType::F64) {
        for (double n : list.numbers) found = found || as_double(a, type(in.a)) == n;
        for (std::int64_t n : list.values) found = found || as_double(a, type(in.a)) == static_cast<double>(n);
      } else {
        for (std::int64_t n : list.values) found = found || a.i == (list.tag == VTag::String ? env.string_id(n) : n);
      }
      out = boolean(found);
      break;
    }
    case Op::InAttrList:
      out = !a.present || !b.present ? Value::absent() : boolean(env.list_contains(b.i, a));
      break;
    case Op::InRange: {
      const Value& c = r[in.c];
      if (!a.present || !b.present || !c.present) { out = Value::absent(); break; }
      out = boolean(compare(b, type(in.b), tags[in.a], a, type(in.a), env) <= 0 &&
                    compare(a, type(in.a), tags[in.a], c, type(in.c), env) <= 0);
      break;
    }
    case Op::Call: out = call(in, r, tags, f, env); break;
  }
  return out;
}

Value Interpreter::run(FunctionRef ref, const EvalEnv& env, const TimeInputs& inputs) const {
  Value out;
  if (native_ && native_->run(ref, env, inputs, &out)) return out;
  const auto regs = run_registers(ref, env, inputs);
  return regs[p_.functions[static_cast<std::size_t>(ref)].result];
}

std::vector<Value> Interpreter::run_registers(FunctionRef ref, const EvalEnv& env, const TimeInputs& inputs) const {
  assert(ref >= 0 && static_cast<std::size_t>(ref) < p_.functions.size());
  const ProgramFunction& f = p_.functions[static_cast<std::size_t>(ref)];
  std::vector<Value> r(f.reg_types.size());
  std::vector<VTag> tags(f.reg_types.size(), VTag::Int);  // what each register means
  for (const Instr& in : f.code) tags[in.dst] = in.tag;
  for (const Instr& in : f.code) r[in.dst] = exec(f, in, r, tags, env, inputs);
  return r;
}

bool Interpreter::holds(FunctionRef f, const EvalEnv& env, const TimeInputs& in) const {
  if (f < 0) return true;  // no `when`
  return is_true(run(f, env, in));
}

}  // namespace iwd::compiler
