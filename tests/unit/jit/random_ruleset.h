// A seeded generator of random, well-typed rulesets: attributes of every type (optional or
// not), defines, departments and processes with random conditions, priority schemes with
// random starts, steps, boosts and bounds, and skill targets. Same seed, same text.
#pragma once

#include <fmt/format.h>

#include <random>
#include <string>

namespace iwd::compiler {

class RandomRuleset {
 public:
  explicit RandomRuleset(std::uint64_t seed) : rng_(seed) {}

  std::string generate() {
    std::string out = "enum Tier { A, B, C }\nattributes {\n";
    out += "  i0: int\n  i1: int?\n  n0: number = 1.5\n  n1: number?\n  s0: string\n  s1: string?\n";
    out += "  b0: bool = false\n  b1: bool?\n  e0: Tier = A\n  e1: Tier?\n  t0: time?\n  d0: duration = 2h\n";
    out += "  l0: list<string> = []\n}\nskills { k0, k1, k2 }\n";
    in_define_ = true;  // a define's body names no define (no cycles)
    out += fmt::format("define g0 = {}\ndefine g1 = {}\n", boolean(2), boolean(2));
    in_define_ = false;
    out += "calendar cal { mon..fri 08:00-18:00  sat 09:00-12:00 }\n";
    const int departments = 1 + pick(4);
    for (int d = 0; d < departments; ++d) {
      out += fmt::format("priority p{} {{\n", d);
      if (pick(3) == 0) {  // a curve: rising, falling and stepping points
        out += fmt::format("  curve {{ {}h: {}", pick(3), pick(1000));
        bool stepped = false;  // at most two points share an age
        for (int k = 1 + pick(4), at = 3; k > 0; --k) {
          out += fmt::format(", {}h: {}", at, pick(2) ? std::to_string(pick(1000)) : integer(1));
          stepped = !stepped && pick(2);
          if (!stepped) at += 1 + pick(30);
        }
        out += " }\n";
      } else {
        out += fmt::format("  start {}\n", number(2));
        for (int k = pick(3); k > 0; --k)
          out += fmt::format("  every {}m add {}{}{}\n", 1 + pick(120), integer(1), pick(2) ? fmt::format(" from {}h", pick(5)) : "",
                             pick(3) == 0 ? fmt::format(" until {}h", 5 + pick(40)) : "");
      }
      if (pick(4) == 0) out += "  age in cal\n";
      for (int k = pick(3); k > 0; --k) out += fmt::format("  boost {} when {}\n", integer(1), age_boolean(2));
      if (pick(2)) out += fmt::format("  min {}\n", pick(100));
      if (pick(2)) out += fmt::format("  max {}\n", 500 + pick(1000));
      if (pick(3) == 0) out += "  overdue 2000 + overdue_by / 1h\n";
      out += "}\n";
      out += fmt::format("targets t{} {{\n  agent preferred_agent for {}m\n  skill {} for {}%\n  skill {}\n}}\n", d, pick(60),
                         skill(2), 5 + pick(40), skill(1));
      out += fmt::format("department D{}{} {{\n  sla {}h{}\n  priority p{}\n  targets t{}\n", d,
                         pick(3) ? " when " + boolean(3) : "", 1 + pick(48), pick(2) ? " in cal" : "", d, d);
      const int processes = 1 + pick(4);
      for (int p = 0; p < processes; ++p) out += fmt::format("  process P{}{}\n", p, pick(4) ? " when " + boolean(3) : "");
      out += "}\n";
    }
    out += "default process Rest { sla 1d }\n";
    return out;
  }

 private:
  std::mt19937_64 rng_;
  bool in_define_ = false;
  int pick(int n) { return static_cast<int>(rng_() % static_cast<std::uint64_t>(n)); }

  std::string integer(int depth) {
    if (depth <= 0 || pick(3) == 0) {
      switch (pick(5)) {
        case 0: return "i0";
        case 1: return "(i1 ?? 3)";
        case 2: return fmt::format("{}", pick(50) - 10);
        case 3: return "len(s0)";
        default: return fmt::format("{}", pick(200));
      }
    }
    switch (pick(6)) {
      case 0: return fmt::format("({} + {})", integer(depth - 1), integer(depth - 1));
      case 1: return fmt::format("({} - {})", integer(depth - 1), integer(depth - 1));
      case 2: return fmt::format("({} * {})", integer(depth - 1), integer(depth - 1));
      case 3: return fmt::format("max({}, {})", integer(depth - 1), integer(depth - 1));
      case 4: return fmt::format("(if {} then {} else {})", boolean(depth - 1), integer(depth - 1), integer(depth - 1));
      default: return fmt::format("-{}", integer(depth - 1));
    }
  }

  std::string number(int depth) {
    if (depth <= 0 || pick(3) == 0) {
      switch (pick(4)) {
        case 0: return "n0";
        case 1: return "(n1 ?? 0.5)";
        case 2: return fmt::format("{}.25", pick(100));
        default: return integer(0);
      }
    }
    switch (pick(5)) {
      case 0: return fmt::format("({} + {})", number(depth - 1), number(depth - 1));
      case 1: return fmt::format("({} / {})", number(depth - 1), number(depth - 1));
      case 2: return fmt::format("({} * {})", number(depth - 1), integer(depth - 1));
      case 3: return fmt::format("clamp({}, 0, 100)", number(depth - 1));
      default: return fmt::format("round({})", number(depth - 1));
    }
  }

  std::string string_value() {
    switch (pick(4)) {
      case 0: return "s0";
      case 1: return "(s1 ?? \"x\")";
      case 2: return "lower(s0)";
      default: return fmt::format("\"{}\"", pick(2) ? "Sales" : "EU");
    }
  }

  std::string compare() {
    static const char* kOps[] = {"==", "!=", "<", "<=", ">", ">="};
    const char* op = kOps[pick(6)];
    switch (pick(8)) {
      case 0: return fmt::format("{} {} {}", integer(2), op, integer(1));
      case 1: return fmt::format("{} {} {}", number(2), op, number(1));
      case 2: return fmt::format("{} {} {}", string_value(), pick(2) ? "==" : "!=", string_value());
      case 3: return fmt::format("e0 {} {}", pick(2) ? "==" : "!=", pick(2) ? "A" : "Tier.C");
      case 4: return fmt::format("{} in [A, {}]", pick(2) ? "e0" : "e1", pick(2) ? "B" : "C");
      case 5: return fmt::format("i0 {}in {}..{}", pick(2) ? "not " : "", pick(20), 20 + pick(20));
      case 6: return fmt::format("\"{}\" in l0", pick(2) ? "vip" : "x");
      default: return fmt::format("has({})", pick(2) ? "n1" : "t0");
    }
  }

  std::string boolean(int depth) {
    if (depth <= 0 || pick(3) == 0) {
      switch (pick(5)) {
        case 0: return "b0";
        case 1: return "(b1 ?? true)";
        case 2: return pick(2) && !in_define_ ? "g0" : "true";
        default: return compare();
      }
    }
    switch (pick(4)) {
      case 0: return fmt::format("({} and {})", boolean(depth - 1), boolean(depth - 1));
      case 1: return fmt::format("({} or {})", boolean(depth - 1), boolean(depth - 1));
      case 2: return fmt::format("not {}", boolean(depth - 1));
      default: return fmt::format("(b1 or {})", boolean(depth - 1));  // three-valued
    }
  }

  // Conditions of boosts may use the age, the SLA and the due instant.
  std::string age_boolean(int depth) {
    switch (pick(4)) {
      case 0: return fmt::format("age >= {}m", pick(600));
      case 1: return fmt::format("age > sla - {}h and {}", pick(5), boolean(depth - 1));
      case 2: return fmt::format("overdue_by > {}m or age < {}h", pick(60), pick(10));
      default: return boolean(depth);
    }
  }

  std::string skill(int depth) {
    const std::string k = fmt::format("k{}", pick(3));
    if (depth <= 0 || pick(2)) return fmt::format("{} > {}", k, pick(10));
    return fmt::format("({} {} {})", skill(depth - 1), pick(2) ? "and" : "or", skill(depth - 1));
  }
};

}  // namespace iwd::compiler
