// What the queueing-theory tests share: rules loaded from text (through the interpreter), a
// scenario parsed against them and run, and the check of a simulated measure against a formula.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "compiler/load/load.h"
#include "simulate/simulate.h"

namespace iwd::simulate::testing {

struct Loaded {
  runtime::StringPool pool;
  compiler::LoadResult result;
  runtime::Schema schema;

  // The scenario run in full; empty (with a test failure) if it does not parse or run.
  std::vector<Replication> run_scenario(const std::string& text) {
    auto s = parse_scenario(text, result.rules->table(), schema);
    EXPECT_TRUE(s.ok()) << s.error;
    std::vector<Replication> reps;
    std::string error;
    if (s.ok()) {
      EXPECT_TRUE(run(result.rules->table(), pool, s.value, Options{}, &reps, &error)) << error;
    }
    return reps;
  }
};

inline std::unique_ptr<Loaded> load(const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / fmt::format("iwd_simulate_q_{}", ::getpid());
  std::filesystem::create_directories(dir);
  const auto path = dir / "rules.iwd";
  std::ofstream(path) << text;
  auto l = std::make_unique<Loaded>();
  compiler::LoadOptions options;
  options.jit = false;
  l->result = compiler::load_rules(path.string(), l->pool, options);
  std::filesystem::remove_all(dir);
  if (!l->result.rules) return nullptr;
  std::string error;
  if (!schema_of(l->result.rules->table(), l->pool, &l->schema, &error)) return nullptr;
  return l;
}

// One department, one process, one skill `s`; `extra`: more lines in the department.
inline std::string one_queue_rules(const std::string& extra = "") {
  return fmt::format(R"(ruleset one version "1.0"

skills {{ s }}

department Work {{ // iwd:allow(W0618): the simulation completes every item
  media "voice"
  sla 1h
  targets {{ skill s > 0 }}
  {}
  process Queue
}}
)",
                     extra);
}

// The mean of the values and the half-width of its 99.9% interval (Student's t, n - 1 degrees
// of freedom). 99.9% rather than 95%: the tests make about fifty such checks, and with 95%
// intervals one or two of them would fail by chance on every run (Bonferroni: 50 x 0.1% = 5%).
inline std::pair<double, double> interval999(const std::vector<double>& v) {
  static constexpr double kT9995[] = {0,     636.62, 31.599, 12.924, 8.610, 6.869, 5.959, 5.408, 5.041, 4.781, 4.587,
                                      4.437, 4.318,  4.221,  4.140,  4.073, 4.015, 3.965, 3.922, 3.883, 3.850};
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
  return {mean, kT9995[std::min<std::size_t>(v.size() - 1, 20)] * sd / std::sqrt(static_cast<double>(v.size()))};
}

// The mean over the replications is within `tolerance` (relative) of the formula, or the
// formula is inside the replications' interval.
inline void expect_close(const std::string& what, const std::vector<double>& v, double expected, double tolerance) {
  const auto [mean, half] = interval999(v);
  const bool within = std::abs(mean - expected) <= tolerance * std::abs(expected);
  const bool in_interval = std::abs(mean - expected) <= half;
  EXPECT_TRUE(within || in_interval) << what << ": simulated " << mean << " +- " << half << ", formula " << expected;
}

}  // namespace iwd::simulate::testing
