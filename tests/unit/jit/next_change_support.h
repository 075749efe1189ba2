// What the tests of the next priority change under `age in CALENDAR` share
// (next_change_calendar_test.cpp, next_change_from_here_test.cpp): instants, the generated
// function's calls, a ruleset compiled with its interpreter, and the compiled answer beside the
// walk's (the oracle) at an item's inputs.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>

#include "compiler/jit/jit.h"
#include "stdlib/calendar.h"
#include "stdlib/time.h"
#include "tests/support/checked_rules.h"
#include "tests/unit/jit/random_env.h"

namespace iwd::compiler::next_change_test {

using runtime::abi::NextChange;

inline constexpr std::int64_t kMinute = 60'000, kHour = 60 * kMinute;

inline std::int64_t instant(const char* text) {
  auto parsed = stdlib::parse_instant(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return parsed.value.instant.ms_since_epoch;
}

// The body of `define i8 @iwd_next<k>(` in `ir`, and how often `callee` is called in it.
inline std::string next_body(const std::string& ir, std::int32_t k) {
  const std::size_t at = ir.find(fmt::format("define i8 @iwd_next{}(", k));
  return at == std::string::npos ? std::string() : ir.substr(at, ir.find("\n}\n", at) - at);
}
inline int calls(const std::string& body, const std::string& callee) {
  int n = 0;
  for (std::size_t c = body.find("@" + callee + "("); c != std::string::npos; c = body.find("@" + callee + "(", c + 1)) ++n;
  return n;
}

// A ruleset checked, lowered and compiled (lazily, or the eager module), with its interpreter.
struct Compiled {
  Compiled(const char* text, bool lazy) : rules(iwd::test::check_text("t.iwd", text)) {
    if (!rules->ok()) {
      error = rules->first_problem();
      return;
    }
    program = &rules->lower();
    JitOptions options;
    options.lazy = lazy;
    jit = JitProgram::compile(*program, &error, nullptr, options);
    interp = std::make_unique<Interpreter>(*program);
  }
  std::unique_ptr<iwd::test::CheckedRules> rules;
  const Program* program = nullptr;
  std::unique_ptr<JitProgram> jit;
  std::unique_ptr<Interpreter> interp;
  std::string error;
};

// The compiled answer (false: left to the walk) and the walk's, at an item's inputs; `open`:
// the SLA clock's open time told to the compiled code (JitNext), kNone for none; `calendar`:
// the scheme's `age in` calendar given to it, null for none (the code resolves it).
struct Answers {
  bool answered = false;
  NextChange got, want;
};
inline Answers both(const JitProgram& jit, const Interpreter& interp, const RandomEnv& env, std::int32_t process, const TimeInputs& in,
                    std::int64_t open = runtime::abi::kNone, const stdlib::BusinessCalendar* calendar = nullptr) {
  Answers a;
  const auto inputs = input_array(in);
  const JitArgs args = env.args(inputs.data(), interp);
  std::int64_t at = 0;
  const std::uint8_t answer =
      jit.next_change(interp.program().processes[static_cast<std::size_t>(process)].priority)(&args, &at, open, calendar);
  a.want = interp.next_priority_change(process, env, in);
  if (answer == kNextAskTheWalk) return a;
  a.answered = true;
  if (answer == kNextNever) a.got.never = 1;
  else a.got.age = at;
  return a;
}

// An item of `process` started at `start`, at `age`: its clock in the process's SLA calendar.
inline TimeInputs item(const Interpreter& interp, std::int32_t process, std::int64_t start, std::int64_t age) {
  TimeInputs in;
  in.start = start;
  in.age = age;
  in.now = start + age;
  in.sla_calendar = interp.sla_clock_calendar(process);
  in.sla = 48 * kHour;
  in.due = in.sla_calendar >= 0
               ? interp.calendar(in.sla_calendar).add_business(stdlib::Instant{start}, stdlib::Duration{in.sla}).ms_since_epoch
               : start + in.sla;
  in.window = in.due - in.start;
  in.overdue_by = std::max<std::int64_t>(0, in.now - in.due);
  return in;
}

}  // namespace iwd::compiler::next_change_test
