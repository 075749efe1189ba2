// Differential tests: every function of real rulesets, on seeded random items and agents, run
// by the JIT and by the reference interpreter, must give the same value and presence.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <cstring>
#include <random>

#include "compiler/driver/compilation.h"
#include "compiler/jit/jit.h"
#include "compiler/lower/lower.h"

namespace iwd::compiler {
namespace {

class RandomEnv : public EvalEnv {
 public:
  RandomEnv(const Program& p, std::mt19937_64& rng) : p_(p), rng_(rng) {}

  void randomize() {
    const std::size_t n = p_.attributes.size();
    attrs_.assign(n, Value::absent());
    lists_.clear();
    for (std::size_t i = 0; i < n; ++i) {
      const auto& a = p_.attributes[i];
      if ((a.optional || !a.required) && pick(5) == 0) continue;  // absent now and then
      attrs_[i] = random_value(a);
    }
    skills_.assign(p_.skills.size(), Value::absent());
    for (auto& s : skills_)
      if (pick(3) != 0) s = Value::of_int(static_cast<std::int64_t>(pick(11)));
    slots_.assign(n, 0);
    present_.assign(n / 64 + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
      if (!attrs_[i].present) continue;
      present_[i / 64] |= std::uint64_t{1} << (i % 64);
      if (p_.attributes[i].type == VType::F64) std::memcpy(&slots_[i], &attrs_[i].f, sizeof(double));
      else slots_[i] = attrs_[i].i;
    }
    strings_.clear();
    for (std::size_t c = 0; c < p_.strings.size(); ++c) strings_.push_back(string_id(static_cast<std::int64_t>(c)));
  }

  Value attribute(std::uint32_t slot) const override { return attrs_[slot]; }
  Value skill(std::uint32_t s) const override { return skills_[s]; }
  Value agent_attribute(std::string_view name) const override {
    return name == "region" ? Value::of_int(intern("EU")) : Value::absent();
  }
  bool list_contains(std::int64_t list, const Value& v) const override {
    for (auto x : lists_[static_cast<std::size_t>(list)])
      if (x == v.i) return true;
    return false;
  }
  std::int64_t string_id(std::int64_t c) const override { return intern(p_.strings[static_cast<std::size_t>(c)]); }
  std::string_view string_text(std::int64_t id) const override { return texts_[static_cast<std::size_t>(id)]; }
  std::int64_t intern(std::string_view s) const override {
    auto [it, fresh] = ids_.emplace(std::string(s), static_cast<std::int64_t>(texts_.size()));
    if (fresh) texts_.emplace_back(s);
    return it->second;
  }

  JitArgs args(const std::int64_t* inputs, const Interpreter& interp) const {
    return JitArgs{slots_.data(), present_.data(), inputs, strings_.data(), this, &interp};
  }

 private:
  std::size_t pick(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }

  std::int64_t random_string() {
    if (!p_.strings.empty() && pick(3) != 0) return string_id(static_cast<std::int64_t>(pick(p_.strings.size())));
    static const char* kOthers[] = {"", "x", "Sales", "EU", "zz", "ABC123"};
    return intern(kOthers[pick(6)]);
  }

  Value random_value(const ProgramAttribute& a) {
    constexpr std::int64_t kNow = 1767603600000;  // 2026-01-05T09:00:00Z
    switch (a.tag) {
      case VTag::Bool: return Value::of_int(static_cast<std::int64_t>(pick(2)));
      case VTag::Number: {
        static const double kNumbers[] = {0, 1, 50, 499.5, 500, 9999.99, 10000, 20000, -3.25};
        return Value::of_number(kNumbers[pick(9)]);
      }
      case VTag::String: return Value::of_int(random_string());
      case VTag::Time: return Value::of_int(kNow + (static_cast<std::int64_t>(pick(20)) - 10) * 3'600'000 * 7);
      case VTag::Duration: return Value::of_int(static_cast<std::int64_t>(pick(100)) * 900'000);
      case VTag::Enum: return Value::of_int(static_cast<std::int64_t>(pick(p_.enums[static_cast<std::size_t>(a.enum_index)].size())));
      case VTag::List: {
        std::vector<std::int64_t> items;
        for (std::size_t k = pick(4); k > 0; --k)
          items.push_back(a.element == VTag::String ? random_string() : static_cast<std::int64_t>(pick(4)));
        lists_.push_back(items);
        return Value::of_int(static_cast<std::int64_t>(lists_.size() - 1));
      }
      default: return Value::of_int(static_cast<std::int64_t>(pick(40)) - 10);
    }
  }

  const Program& p_;
  std::mt19937_64& rng_;
  std::vector<Value> attrs_, skills_;
  std::vector<std::vector<std::int64_t>> lists_;
  std::vector<std::int64_t> slots_, strings_;
  std::vector<std::uint64_t> present_;
  mutable std::map<std::string, std::int64_t> ids_;
  mutable std::vector<std::string> texts_;
};

std::vector<std::string> rulesets() {
  std::vector<std::string> files;
  for (const char* dir : {"/examples", "/tests/golden/program", "/tests/golden/types", "/tests/golden/lints", "/tests/golden/lints2", "/tests/golden/semantics"})
    for (const auto& e : std::filesystem::directory_iterator(std::string(IWD_SOURCE_DIR) + dir))
      if (e.path().extension() == ".iwd" && e.path().filename().string()[0] != '_') files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(JitDiff, EveryFunctionMatchesTheInterpreter) {
  std::mt19937_64 rng(20261122);
  std::size_t compared = 0, rulesets_used = 0;
  for (const auto& path : rulesets()) {
    SourceManager sm;
    DiagnosticBag diags;
    Compilation comp(sm, diags);
    std::string error;
    ASSERT_TRUE(comp.load_root(path, &error)) << error;
    comp.check();
    if (diags.has_errors() || !comp.bound()) continue;  // golden files that show mistakes
    auto program = lower_program(*comp.bound());
    auto jit = JitProgram::compile(*program, &error);
    ASSERT_NE(jit, nullptr) << path << ": " << error;
    Interpreter interp(*program);
    RandomEnv env(*program, rng);
    ++rulesets_used;
    for (int trial = 0; trial < 150; ++trial) {
      env.randomize();
      TimeInputs in;
      in.now = 1767603600000 + static_cast<std::int64_t>(rng() % 1000) * 600'000;
      in.age = static_cast<std::int64_t>(rng() % 500) * 600'000;
      in.sla = static_cast<std::int64_t>(rng() % 100) * 3'600'000;
      in.due = in.now - in.age + in.sla;
      in.overdue_by = std::max<std::int64_t>(0, in.now - in.due);
      const std::int64_t inputs[] = {in.now, in.age, in.sla, in.due, in.overdue_by};
      const JitArgs args = env.args(inputs, interp);
      for (std::size_t f = 0; f < program->functions.size(); ++f) {
        const Value want = interp.run(static_cast<FunctionRef>(f), env, in);
        std::int64_t gi = 0;
        double gf = 0;
        const bool got_present = jit->function(static_cast<FunctionRef>(f))(&args, &gi, &gf) != 0;
        ++compared;
        ASSERT_EQ(got_present, want.present) << path << " f" << f << " " << program->functions[f].name << " trial " << trial;
        if (!want.present) continue;
        if (program->functions[f].type == VType::F64) {
          if (std::isnan(want.f)) ASSERT_TRUE(std::isnan(gf));
          else ASSERT_EQ(gf, want.f) << path << " f" << f << " " << program->functions[f].name;
        } else {
          ASSERT_EQ(gi, want.i) << path << " f" << f << " " << program->functions[f].name << " trial " << trial;
        }
      }
    }
  }
  EXPECT_GT(rulesets_used, 40u);
  EXPECT_GT(compared, 50'000u);
  std::printf("compared %zu function results over %zu rulesets\n", compared, rulesets_used);
}

TEST(Jit, IrIsAvailableForDumps) {
  SourceManager sm;
  DiagnosticBag diags;
  Compilation comp(sm, diags);
  comp.load_root_text("t.iwd", "attributes { n: int = 0 }\ndepartment D when n > 3 { process P }");
  comp.check();
  auto program = lower_program(*comp.bound());
  const std::string ir = program_ir(*program);
  EXPECT_NE(ir.find("define i8 @iwd_f0"), std::string::npos) << ir;
}

}  // namespace
}  // namespace iwd::compiler
