// Two compiled forms of one program compared entry point by entry point on random items
// (tests/unit/jit: the lazy compile against the eager one, the ELF loader against RuntimeDyld).
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "compiler/jit/jit.h"
#include "tests/unit/jit/random_env.h"

namespace iwd::compiler {

// The inputs of process `process`: its SLA clock in its own calendar.
inline std::array<std::int64_t, kInputCount> process_inputs(const Interpreter& interp, TimeInputs in, std::int32_t process) {
  in.sla_calendar = interp.sla_clock_calendar(process);
  return input_array(in);
}

// Every entry point of `lazy` against `eager` on `trials` random items; returns how many
// answers it compared (a difference fails the test, naming `label`). The lazy compile against
// the eager one (lazy_jit_test), and the ELF loader's program (`lazy`) against RuntimeDyld's
// (`eager`: native_loader_diff_test).
inline std::size_t compare_programs(const Program& program, const JitProgram& lazy, const JitProgram& eager, std::mt19937_64& rng,
                             int trials, const std::string& label) {
  Interpreter interp(program);
  RandomEnv env(program, rng);
  std::size_t compared = 0;
  for (int trial = 0; trial < trials; ++trial) {
    env.randomize();
    const TimeInputs in = random_inputs(program, rng);
    const auto inputs = input_array(in);
    const JitArgs args = env.args(inputs.data(), interp);
    const std::string where = fmt::format("{} trial {}", label, trial);
    for (std::size_t f = 0; f < program.functions.size(); ++f) {
      std::int64_t li = 0, ei = 0;
      double lf = 0, ef = 0;
      const auto ref = static_cast<FunctionRef>(f);
      EXPECT_EQ(lazy.function(ref)(&args, &li, &lf), eager.function(ref)(&args, &ei, &ef)) << where << " f" << f;
      EXPECT_EQ(li, ei) << where << " f" << f;
      EXPECT_EQ(std::memcmp(&lf, &ef, sizeof(double)), 0) << where << " f" << f;
      ++compared;
    }
    std::int32_t lazy_detail = 0, eager_detail = 0;
    const std::int32_t process = lazy.classify()(&args, &lazy_detail);
    EXPECT_EQ(process, eager.classify()(&args, &eager_detail)) << where << " classify";
    EXPECT_EQ(process, interp.classify(env, stdlib::Instant{in.now}).process) << where << " classify";
    EXPECT_EQ(lazy_detail, eager_detail) << where << " classify";
    ++compared;
    for (std::size_t p = 0; p < program.processes.size(); ++p) {
      const auto pi = static_cast<std::int32_t>(p);
      const std::int32_t scheme = program.processes[p].priority;
      const auto own_inputs = process_inputs(interp, in, pi);  // as the runtime gives them
      const JitArgs own_args = env.args(own_inputs.data(), interp);
      if (scheme >= 0) {
        EXPECT_EQ(lazy.priority(scheme)(&own_args), eager.priority(scheme)(&own_args)) << where << " priority " << scheme;
        std::int64_t lazy_age = 0, eager_age = 0;
        EXPECT_EQ(lazy.next_change(scheme)(&own_args, &lazy_age, runtime::abi::kNone, nullptr),
                  eager.next_change(scheme)(&own_args, &eager_age, runtime::abi::kNone, nullptr))
            << where << " next change " << scheme;
        EXPECT_EQ(lazy_age, eager_age) << where << " next change " << scheme;
        compared += 2;
      }
      std::vector<std::int64_t> lazy_opens(program.processes[p].stages.size()), eager_opens(lazy_opens.size());
      lazy.stages(pi)(&own_args, lazy_opens.data());
      eager.stages(pi)(&own_args, eager_opens.data());
      EXPECT_EQ(lazy_opens, eager_opens) << where << " stages of " << p;
      ++compared;
      // A compiled clock reads the core slots (captured_at, due_at, activate_at: 3 to 5).
      EXPECT_EQ(lazy.clock(pi) == nullptr, eager.clock(pi) == nullptr) << where << " clock of " << p;
      if (lazy.clock(pi) && eager.clock(pi) && program.attributes.size() > 5) {
        std::int64_t lazy_clock[4] = {}, eager_clock[4] = {};
        lazy.clock(pi)(&args, lazy_clock);
        eager.clock(pi)(&args, eager_clock);
        EXPECT_EQ(std::memcmp(lazy_clock, eager_clock, sizeof lazy_clock), 0) << where << " clock of " << p;
        ++compared;
      }
    }
    if (program.attributes.size() > 5) {
      std::int64_t lazy_out[6] = {}, eager_out[6] = {};
      lazy.batch()(&args, 1, in.now, in.age, lazy_out);
      eager.batch()(&args, 1, in.now, in.age, eager_out);
      EXPECT_EQ(std::memcmp(lazy_out, eager_out, sizeof lazy_out), 0) << where << " batch";
      ++compared;
    }
    if (::testing::Test::HasFailure()) return compared;
  }
  return compared;
}

}  // namespace iwd::compiler
