// Generates large, valid rulesets for benchmarks: N departments of M processes with
// priority schemes, targets, calendars, defines and tests, deterministic for a seed.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <string>

namespace iwd::bench {

inline std::string generate_ruleset(int departments, int processes_per_department, std::uint32_t seed = 1) {
  std::uint32_t state = seed * 2654435761u + 1;
  auto next = [&state](int n) {
    state = state * 1664525u + 1013904223u;
    return static_cast<int>((state >> 8) % static_cast<std::uint32_t>(n));
  };
  std::string out = "ruleset generated version \"1\"\ntimezone \"Europe/Berlin\"\n\n";
  out += "enum Segment { Gold, Silver, Bronze, Iron }\nenum Channel { Web, Phone, Mail }\n\n";
  out += "attributes {\n  department: string\n  segment: Segment = Bronze\n  channel: Channel = Web\n"
         "  amount: number?\n  region: string = \"EU\"\n  tags: list<string> = []\n  score: int = 0\n}\n\n";
  out += "skills { s0, s1, s2, s3, s4, s5, s6, s7, s8, s9 }\n\n";
  out += "define big = (amount ?? 0) >= 10000\ndefine hot = big or \"vip\" in tags\n\n";
  out += "calendar office {\n  mon..fri 08:00-18:00\n  sat 09:00-13:00\n  closed every 12-25, every 01-01\n}\n\n";
  for (int d = 0; d < departments; ++d) {
    out += fmt::format(
        "priority p{0} {{\n  start {1}\n  every 1h add {2}\n  every 15m add 5 from 75% of sla\n"
        "  boost 100 when hot\n  max 5000\n  overdue 6000\n}}\n\n",
        d, 100 + next(400), 1 + next(50));
    out += fmt::format(
        "targets t{0} {{\n  agent preferred_agent for 10% of sla\n  skill s{1} > 7 and s{2} > 1 for 20% of sla\n"
        "  skill s{1} > 4 for 30% of sla\n  skill s{1} > 0 or s{2} > 0\n}}\n\n",
        d, next(10), next(10));
    out += fmt::format("department D{0} when department == \"D{0}\" {{\n  sla {1}h in office\n  priority p{0}\n  targets t{0}\n",
                       d, 8 + next(64));
    for (int p = 0; p < processes_per_department; ++p) {
      switch (next(4)) {
        case 0:
          out += fmt::format("  process P{} when segment == Gold and score > {}\n", p, next(100));
          break;
        case 1:
          out += fmt::format("  process P{} when channel in [Web, Phone] and region == \"R{}\" {{\n    sla {}h\n  }}\n", p,
                             next(20), 1 + next(48));
          break;
        case 2:
          out += fmt::format("  process P{} when hot or (amount ?? 0) > {} {{\n    priority p{} min {} max 2000\n  }}\n", p,
                             next(100000), d, next(300));
          break;
        default:
          out += fmt::format("  process P{} when score in {}..{} and not big\n", p, next(50), 50 + next(50));
          break;
      }
    }
    out += "}\n\n";
  }
  out += "default process Unclassified {\n  sla 5d\n  priority p0 min 100 max 400\n}\n\n";
  out += "test \"first department\" {\n  given { department: \"D0\", segment: Gold, score: 1000 }\n  expect process Unclassified\n}\n";
  return out;
}

}  // namespace iwd::bench
