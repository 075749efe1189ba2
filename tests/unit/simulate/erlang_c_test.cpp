// iwd simulate against queueing theory: M/M/c (Poisson arrivals, exponential handle times, c
// identical agents, one process, equal priorities, first come first served) against the
// Erlang C formulas, written here from their textbook definitions:
//   a = lambda / mu (the offered load), rho = a / c,
//   C(c, a) = (a^c / c! * c / (c - a)) / (sum_{k<c} a^k / k! + a^c / c! * c / (c - a))  = P(wait > 0),
//   E[W] = C(c, a) / (c mu - lambda),  P(W <= t) = 1 - C(c, a) exp(-(c mu - lambda) t),
//   so the p-quantile of the wait is 0 when p <= 1 - C, else ln(C / (1 - p)) / (c mu - lambda).
// The p90 and p95 waits are checked against those quantiles. Tolerance: each measure's mean
// over the replications is within 2% of the formula, or the formula is inside the replications' 95% interval (Student's t, n - 1 degrees of freedom).
// Little's law (L = lambda W) holds on every replication within 3% (edge effects of the window).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "compiler/load/load.h"
#include "simulate/simulate.h"

namespace iwd::simulate {
namespace {

constexpr const char* kRules = R"(ruleset mmc version "1.0"

skills { s }

priority flat {
  start 100
}

department Work { // iwd:allow(W0618): the simulation completes every item at once
  media "voice"
  sla 1h
  priority flat
  targets { skill s > 0 }

  process Queue
}
)";

struct Loaded {
  runtime::StringPool pool;
  compiler::LoadResult result;
  runtime::Schema schema;
};

std::unique_ptr<Loaded> load(const std::string& text) {
  auto dir = std::filesystem::temp_directory_path() / fmt::format("iwd_simulate_{}", ::getpid());
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

double erlang_c(int c, double a) {
  double term = 1, sum = 0;  // a^k / k!
  for (int k = 0; k < c; ++k) {
    sum += term;
    term *= a / (k + 1);
  }
  const double top = term * c / (c - a);
  return top / (sum + top);
}

std::string scenario(int c, double rho, int arrivals, int replications) {
  const double lambda_per_hour = rho * c * 60;  // mean handle time 1 minute
  const double hours = arrivals / lambda_per_hour;
  return fmt::format(R"({{
  // M/M/{} at rho {}
  "streams": [{{"name": "x", "rates": [{}], "handle": {{"exponential": "1m"}}}}],
  "agents": [{{"group": "a", "count": {}, "skills": {{"s": 1}}}}],
  "run": {{"length": "{}s", "warmup": "{}s", "replications": {}, "seed": 7, "answer_within": "30s"}}
}})",
                     c, rho, lambda_per_hour, c, static_cast<long>(hours * 3600 * 1.1), static_cast<long>(hours * 3600 * 0.1),
                     replications);
}

// Mean and the half-width of the 95% interval of the values.
std::pair<double, double> interval(const std::vector<double>& v) {
  static constexpr double kT975[] = {0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                     2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086};
  double mean = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  const double sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
  return {mean, kT975[std::min<std::size_t>(v.size() - 1, 20)] * sd / std::sqrt(static_cast<double>(v.size()))};
}

void expect_close(const char* what, const std::vector<double>& v, double expected) {
  const auto [mean, half] = interval(v);
  const bool within_2pct = std::abs(mean - expected) <= 0.02 * std::abs(expected);
  const bool in_interval = std::abs(mean - expected) <= half;
  EXPECT_TRUE(within_2pct || in_interval)
      << what << ": simulated " << mean << " +- " << half << ", Erlang C " << expected;
}

class ErlangC : public ::testing::TestWithParam<std::tuple<int, double>> {};

TEST_P(ErlangC, WaitsMatchTheFormulasAndLittlesLawHolds) {
  const int c = std::get<0>(GetParam());  // not a structured binding: the quantile lambda captures it
  const double rho = std::get<1>(GetParam());
  auto l = load(kRules);
  ASSERT_TRUE(l);
  constexpr int kReplications = 10;
  auto s = parse_scenario(scenario(c, rho, rho > 0.9 ? 60000 : 20000, kReplications), l->result.rules->table(), l->schema);
  ASSERT_TRUE(s.ok()) << s.error;
  std::vector<Replication> reps;
  std::string error;
  ASSERT_TRUE(run(l->result.rules->table(), l->pool, s.value, Options{}, &reps, &error)) << error;
  ASSERT_EQ(reps.size(), static_cast<std::size_t>(kReplications));

  const double a = rho * c, mu = 1.0 / 60, lambda = a * mu;  // per second
  const double pc = erlang_c(c, a), mean_wait = pc / (c * mu - lambda);
  const double within = 1 - pc * std::exp(-(c * mu - lambda) * 30);
  auto quantile = [&](double p) { return p <= 1 - pc ? 0.0 : std::log(pc / (1 - p)) / (c * mu - lambda); };
  std::vector<double> waited, mean, answered, p90, p95;
  for (const Replication& r : reps) {
    ASSERT_GT(r.arrivals, 0);
    waited.push_back(static_cast<double>(r.waited) / static_cast<double>(r.arrivals));
    answered.push_back(static_cast<double>(r.answered_within) / static_cast<double>(r.arrivals));
    mean.push_back(r.mean_wait_s);
    p90.push_back(r.p90_s);
    p95.push_back(r.p95_s);
    EXPECT_NEAR(r.little_l, r.little_lambda * r.little_w_s, 0.03 * r.little_l + 0.005) << "Little's law";
  }
  expect_close("P(wait > 0)", waited, pc);
  expect_close("mean wait (s)", mean, mean_wait);
  expect_close("P(wait <= 30s)", answered, within);
  expect_close("p90 wait (s)", p90, quantile(0.90));
  expect_close("p95 wait (s)", p95, quantile(0.95));
}

INSTANTIATE_TEST_SUITE_P(MMc, ErlangC,
                         ::testing::Combine(::testing::Values(1, 5, 20), ::testing::Values(0.5, 0.8, 0.95)));

}  // namespace
}  // namespace iwd::simulate
