// Differential tests of arithmetic at the 64-bit limits (docs/language.md, "Evaluation"): an
// int, duration or time result outside 64 bits is absent, a number result that is not finite
// is absent, a duration divided by an int or scaled by a number is rounded half away from
// zero. Every operation is run on every pair of edge values (INT64_MIN, INT64_MAX, -1, 0,
// 2^62, the square-root limits, ...) by the reference interpreter, checked against 128-bit
// arithmetic, and by the JIT, checked against the interpreter: value and presence.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <map>
#include <optional>

#include "compiler/driver/compilation.h"
#include "compiler/jit/jit.h"
#include "compiler/lower/lower.h"

namespace iwd::compiler {
namespace {

__extension__ typedef __int128 Wide;  // exact for every sum and product of two int64s

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

const std::int64_t kInts[] = {kMin, kMin + 1, -(std::int64_t{1} << 62), -3037000500, -3037000499, -7, -2, -1, 0, 1, 2,
                              3,    7,        3037000499,               3037000500,  std::int64_t{1} << 62, kMax - 1, kMax};
const double kNumbers[] = {0.0, -0.0, 0.5, -0.5, 1.5, -2.5, 0.49999999999999994, 1e-300, 3.0, 1e300, -1e300,
                           9223372036854775807.0, -9223372036854775808.0, 1e19, 4611686018427387904.0};

// One operation per process, the operation of interest evaluated first in its function. The
// clauses need a value (`?? 0`); the test reads the operation's own register instead.
constexpr const char* kRules = R"(
attributes { a: int?  b: int?  d: duration?  e: duration?  t: time?  u: time?  x: number?  y: number? }
department D {
  process Add { priority { start a + b ?? 0 } }
  process Sub { priority { start a - b ?? 0 } }
  process Mul { priority { start a * b ?? 0 } }
  process Neg { priority { start -a ?? 0 } }
  process Abs { priority { start abs(a) ?? 0 } }
  process Min { priority { start min(a, b) ?? 0 } }
  process DurAdd { sla d + e ?? 0s }
  process DurSub { sla d - e ?? 0s }
  process DurNeg { sla -d ?? 0s }
  process DurMulInt { sla d * a ?? 0s }
  process IntMulDur { sla a * d ?? 0s }
  process DurDivInt { sla d / a ?? 0s }
  process TimeAdd { sla (t + d) - u ?? 0s }
  process TimeSub { sla (t - d) - u ?? 0s }
  process TimeDiff { sla t - u ?? 0s }
  process DurMulNum { sla d * x ?? 0s }
  process DurDivNum { sla d / x ?? 0s }
  process NumAdd { priority { start x + y ?? 0 } }
  process NumMul { priority { start x * y ?? 0 } }
  process NumDiv { priority { start x / y ?? 0 } }
  process Round { priority { start round(x) ?? 0 } }
}
)";

// The item: one 8-byte slot and a presence bit per attribute, as the runtime's record.
class FixedEnv : public EvalEnv {
 public:
  explicit FixedEnv(const Program& p) : p_(p), slots_(p.attributes.size(), 0), present_(p.attributes.size() / 64 + 1, 0) {}
  void clear() {
    std::fill(slots_.begin(), slots_.end(), 0);
    std::fill(present_.begin(), present_.end(), 0);
  }
  void set_int(const std::string& name, std::int64_t v) { slots_[mark(name)] = v; }
  void set_number(const std::string& name, double v) { std::memcpy(&slots_[mark(name)], &v, sizeof v); }

  Value attribute(std::uint32_t slot) const override {
    if (!((present_[slot / 64] >> (slot % 64)) & 1)) return Value::absent();
    if (p_.attributes[slot].type != VType::F64) return Value::of_int(slots_[slot]);
    double v = 0;
    std::memcpy(&v, &slots_[slot], sizeof v);
    return Value::of_number(v);
  }
  Value skill(std::uint32_t) const override { return Value::absent(); }
  Value agent_attribute(std::string_view) const override { return Value::absent(); }
  bool list_contains(std::int64_t, const Value&) const override { return false; }
  std::int64_t string_id(std::int64_t c) const override { return c; }
  std::string_view string_text(std::int64_t) const override { return {}; }
  std::int64_t intern(std::string_view) const override { return 0; }
  JitArgs args(const std::int64_t* inputs, const Interpreter& interp) const {
    return JitArgs{slots_.data(), present_.data(), inputs, nullptr, this, &interp};
  }

 private:
  std::size_t mark(const std::string& name) {
    for (std::size_t i = 0; i < p_.attributes.size(); ++i) {
      if (p_.attributes[i].name != name) continue;
      present_[i / 64] |= std::uint64_t{1} << (i % 64);
      return i;
    }
    ADD_FAILURE() << "no attribute " << name;
    return 0;
  }
  const Program& p_;
  std::vector<std::int64_t> slots_;
  std::vector<std::uint64_t> present_;
};

std::optional<std::int64_t> fits(Wide v) {
  if (v < kMin || v > kMax) return std::nullopt;
  return static_cast<std::int64_t>(v);
}

// a / b rounded half away from zero, in 128 bits.
std::optional<std::int64_t> divide_rounded_128(Wide a, Wide b) {
  if (b == 0) return std::nullopt;
  Wide q = a / b, r = a % b;
  const Wide ar = r < 0 ? -r : r, ab = b < 0 ? -b : b;
  if (2 * ar >= ab && r != 0) q += (a < 0) != (b < 0) ? -1 : 1;
  return fits(q);
}

std::optional<std::int64_t> whole(double w) {
  if (!(w >= -9223372036854775808.0 && w < 9223372036854775808.0)) return std::nullopt;
  return static_cast<std::int64_t>(w);
}

class ArithLimits : public ::testing::Test {
 protected:
  void SetUp() override {
    Compilation comp(sm_, diags_);
    comp.load_root_text("limits.iwd", kRules);
    comp.check();
    for (const auto& d : diags_.all()) ASSERT_NE(d.severity, Severity::Error) << d.message << " at line " << d.range.begin.line;
    program_ = lower_program(*comp.bound());
    // Each function returns its first arithmetic result (the operation of interest), not the
    // `??` around it.
    for (auto& f : program_->functions) {
      for (const Instr& in : f.code) {
        const bool op = in.op == Op::Add || in.op == Op::Sub || in.op == Op::Mul || in.op == Op::Div ||
                        in.op == Op::Neg || in.op == Op::Call;
        if (!op) continue;
        f.result = in.dst;
        f.type = f.reg_types[in.dst];
        f.tag = in.tag;
        break;
      }
    }
    for (std::size_t p = 0; p < program_->processes.size(); ++p) {
      const auto& pp = program_->processes[p];
      const std::string name = pp.name.substr(pp.name.find('.') + 1);
      functions_[name] = pp.sla >= 0 ? pp.sla : program_->priorities[static_cast<std::size_t>(pp.priority)].start;
    }
    std::string error;
    jit_ = JitProgram::compile(*program_, &error);
    ASSERT_NE(jit_, nullptr) << error;
    interp_ = std::make_unique<Interpreter>(*program_);
    env_ = std::make_unique<FixedEnv>(*program_);
  }

  // Runs process `name`'s operation with both engines on the current env; checks the
  // interpreter against `want` (nullopt: absent; for number results `want_f`) and the JIT
  // against the interpreter.
  void check(const std::string& name, std::optional<std::int64_t> want, std::optional<double> want_f,
             const std::string& inputs) {
    const FunctionRef f = functions_.at(name);
    const Value got = interp_->run(f, *env_, TimeInputs{});
    const bool number = program_->functions[static_cast<std::size_t>(f)].type == VType::F64;
    const std::string where = name + " " + inputs;
    if (number) {
      ASSERT_EQ(got.present, want_f.has_value()) << where;
      if (want_f) {
        EXPECT_EQ(got.f, *want_f) << where;
      }
    } else {
      ASSERT_EQ(got.present, want.has_value()) << where << (got.present ? " gave " + std::to_string(got.i) : "");
      if (want) {
        EXPECT_EQ(got.i, *want) << where;
      }
    }
    const std::int64_t inputs_block[5] = {0, 0, 0, 0, 0};
    const JitArgs args = env_->args(inputs_block, *interp_);
    std::int64_t gi = 0;
    double gf = 0;
    const bool present = jit_->function(f)(&args, &gi, &gf) != 0;
    ASSERT_EQ(present, got.present) << "JIT " << where;
    if (present && number) {
      EXPECT_EQ(gf, got.f) << "JIT " << where;
    } else if (present) {
      EXPECT_EQ(gi, got.i) << "JIT " << where;
    }
    ++compared_;
  }

  void ints(const std::string& name, const char* x, const char* y,
            const std::function<std::optional<std::int64_t>(Wide, Wide)>& oracle) {
    for (std::int64_t a : kInts) {
      for (std::int64_t b : kInts) {
        env_->clear();
        env_->set_int(x, a);
        if (y) env_->set_int(y, b);
        check(name, oracle(a, b), std::nullopt, std::to_string(a) + ", " + std::to_string(b));
        if (HasFatalFailure()) return;
        if (!y) break;
      }
    }
  }

  SourceManager sm_;
  DiagnosticBag diags_;
  std::unique_ptr<Program> program_;
  std::unique_ptr<JitProgram> jit_;
  std::unique_ptr<Interpreter> interp_;
  std::unique_ptr<FixedEnv> env_;
  std::map<std::string, FunctionRef> functions_;
  std::size_t compared_ = 0;
};

TEST_F(ArithLimits, IntsDurationsAndTimes) {
  const auto add = [](Wide a, Wide b) { return fits(a + b); };
  const auto sub = [](Wide a, Wide b) { return fits(a - b); };
  const auto mul = [](Wide a, Wide b) { return fits(a * b); };
  const auto neg = [](Wide a, Wide) { return fits(-a); };
  ints("Add", "a", "b", add);
  ints("Sub", "a", "b", sub);
  ints("Mul", "a", "b", mul);
  ints("Neg", "a", nullptr, neg);
  ints("Abs", "a", nullptr, [](Wide a, Wide) { return fits(a < 0 ? -a : a); });
  ints("Min", "a", "b", [](Wide a, Wide b) { return fits(a < b ? a : b); });
  ints("DurAdd", "d", "e", add);
  ints("DurSub", "d", "e", sub);
  ints("DurNeg", "d", nullptr, neg);
  ints("DurMulInt", "d", "a", mul);
  ints("IntMulDur", "a", "d", mul);
  ints("DurDivInt", "d", "a", divide_rounded_128);
  ints("TimeAdd", "t", "d", add);
  ints("TimeSub", "t", "d", sub);
  ints("TimeDiff", "t", "u", sub);
  EXPECT_GT(compared_, 3000u);
}

TEST_F(ArithLimits, NumbersAndDurationsScaledByNumbers) {
  for (double x : kNumbers) {
    for (double y : kNumbers) {
      env_->clear();
      env_->set_number("x", x);
      env_->set_number("y", y);
      const std::string in = std::to_string(x) + ", " + std::to_string(y);
      auto finite = [](double v) { return std::isfinite(v) ? std::optional<double>(v) : std::nullopt; };
      check("NumAdd", std::nullopt, finite(x + y), in);
      check("NumMul", std::nullopt, finite(x * y), in);
      check("NumDiv", std::nullopt, y == 0 ? std::nullopt : finite(x / y), in);
      if (HasFatalFailure()) return;
    }
    env_->clear();
    env_->set_number("x", x);
    check("Round", whole(std::round(x)), std::nullopt, std::to_string(x));
    for (std::int64_t d : kInts) {
      env_->clear();
      env_->set_number("x", x);
      env_->set_int("d", d);
      const std::string in = std::to_string(d) + "ms, " + std::to_string(x);
      check("DurMulNum", whole(std::round(static_cast<double>(d) * x)), std::nullopt, in);
      check("DurDivNum", x == 0 ? std::nullopt : whole(std::round(static_cast<double>(d) / x)), std::nullopt, in);
      if (HasFatalFailure()) return;
    }
  }
  EXPECT_GT(compared_, 900u);
}

}  // namespace
}  // namespace iwd::compiler
