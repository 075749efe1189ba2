// Random items and agents for differential tests: values of every type, absent now and then.
#pragma once

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "compiler/interp/interp.h"
#include "compiler/jit/jit.h"
#include "tests/support/strings_env.h"

namespace iwd::compiler {

class RandomEnv : public iwd::test::StringsEnv {
 public:
  RandomEnv(const Program& p, std::mt19937_64& rng) : StringsEnv(p), rng_(rng) {}

  void randomize() {
    const std::size_t n = p_.attributes.size();
    attrs_.assign(n, Value::absent());
    clear_lists();
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
      case VTag::Enum: {
        const std::size_t n = p_.enums[static_cast<std::size_t>(a.enum_index)].size();
        if (n == 0) return Value::absent();  // an enum with no values (W0624) has none to give
        return Value::of_int(static_cast<std::int64_t>(pick(n)));
      }
      case VTag::List: {
        std::vector<std::int64_t> items;
        for (std::size_t k = pick(4); k > 0; --k)
          items.push_back(a.element == VTag::String ? random_string() : static_cast<std::int64_t>(pick(4)));
        return add_list(std::move(items));
      }
      default: return Value::of_int(static_cast<std::int64_t>(pick(40)) - 10);
    }
  }

  std::mt19937_64& rng_;
  std::vector<Value> attrs_, skills_;
  std::vector<std::int64_t> slots_, strings_;
  std::vector<std::uint64_t> present_;
};

// Random inputs of a classification: now, age, the SLA clock (LANGUAGE.md 1.1): sometimes no
// due instant (then `due` reads the end of time, `sla` is absent, overdue rules never apply),
// sometimes in a calendar.
inline TimeInputs random_inputs(const Program& program, std::mt19937_64& rng) {
  TimeInputs in;
  in.now = 1767603600000 + static_cast<std::int64_t>(rng() % 1000) * 600'000;
  in.age = static_cast<std::int64_t>(rng() % 500) * 600'000;
  in.sla = static_cast<std::int64_t>(rng() % 100) * 3'600'000;
  in.due = in.now - in.age + in.sla;
  in.overdue_by = std::max<std::int64_t>(0, in.now - in.due);
  in.start = in.now - in.age;
  if (rng() % 8 == 0) {
    in.due = TimeInputs::kNone;
    in.overdue_by = 0;
    in.window = TimeInputs::kNone;
  } else {
    in.window = in.due - in.start;
  }
  const auto calendars = static_cast<std::int64_t>(program.calendars.size());
  in.sla_calendar = calendars > 0 && rng() % 2 ? static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(calendars)) : -1;
  return in;
}

}  // namespace iwd::compiler
