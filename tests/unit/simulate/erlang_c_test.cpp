// iwd simulate against queueing theory: M/M/c (Poisson arrivals, exponential handle times, c
// identical agents, one process, equal priorities, first come first served) against the
// Erlang C formulas, written here from their textbook definitions:
//   a = lambda / mu (the offered load), rho = a / c,
//   C(c, a) = (a^c / c! * c / (c - a)) / (sum_{k<c} a^k / k! + a^c / c! * c / (c - a))  = P(wait > 0),
//   E[W] = C(c, a) / (c mu - lambda),  P(W <= t) = 1 - C(c, a) exp(-(c mu - lambda) t),
//   so the p-quantile of the wait is 0 when p <= 1 - C, else ln(C / (1 - p)) / (c mu - lambda).
// The p90 and p95 waits are checked against those quantiles, and the mean number waiting (the
// time-average L) against Lq = lambda E[W] = C(c, a) a / (c - a), for M/M/1 rho^2 / (1 - rho),
// and the agents' occupancy (the share of their time holding an item) against rho.
// Tolerance: each measure's mean over the replications is within 2% of the formula, or the
// formula is inside the replications' 99.9% interval (queueing.h says why not 95%).
// Little's law (L = lambda W) holds on every replication within 3% (edge effects of the window).
#include "tests/unit/simulate/queueing.h"

namespace iwd::simulate {
namespace {

using testing::load;

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

class ErlangC : public ::testing::TestWithParam<std::tuple<int, double>> {};

TEST_P(ErlangC, WaitsMatchTheFormulasAndLittlesLawHolds) {
  const int c = std::get<0>(GetParam());  // not a structured binding: the quantile lambda captures it
  const double rho = std::get<1>(GetParam());
  auto l = load(kRules);
  ASSERT_TRUE(l);
  constexpr int kReplications = 10;
  const std::vector<Replication> reps = l->run_scenario(scenario(c, rho, rho > 0.9 ? 60000 : 20000, kReplications));
  ASSERT_EQ(reps.size(), static_cast<std::size_t>(kReplications));

  const double a = rho * c, mu = 1.0 / 60, lambda = a * mu;  // per second
  const double pc = erlang_c(c, a), mean_wait = pc / (c * mu - lambda);
  const double within = 1 - pc * std::exp(-(c * mu - lambda) * 30);
  auto quantile = [&](double p) { return p <= 1 - pc ? 0.0 : std::log(pc / (1 - p)) / (c * mu - lambda); };
  // L, the mean number waiting (Lq): lambda E[W] = C(c, a) a / (c - a); for M/M/1, rho^2 / (1 - rho).
  const double queue_length = c == 1 ? rho * rho / (1 - rho) : pc * a / (c - a);
  std::vector<double> waited, mean, answered, p90, p95, length, occupancy;
  for (const Replication& r : reps) {
    ASSERT_GT(r.arrivals, 0);
    waited.push_back(static_cast<double>(r.waited) / static_cast<double>(r.arrivals));
    answered.push_back(static_cast<double>(r.answered_within) / static_cast<double>(r.arrivals));
    mean.push_back(r.mean_wait_s);
    p90.push_back(r.p90_s);
    p95.push_back(r.p95_s);
    length.push_back(r.little_l);
    ASSERT_EQ(r.occupancy_by_group.size(), 1u);
    occupancy.push_back(r.occupancy_by_group[0] / 100);
    EXPECT_NEAR(r.little_l, r.little_lambda * r.little_w_s, 0.03 * r.little_l + 0.005) << "Little's law";
  }
  using testing::expect_close;
  expect_close("P(wait > 0)", waited, pc, 0.02);
  expect_close("mean wait (s)", mean, mean_wait, 0.02);
  expect_close("P(wait <= 30s)", answered, within, 0.02);
  expect_close("p90 wait (s)", p90, quantile(0.90), 0.02);
  expect_close("p95 wait (s)", p95, quantile(0.95), 0.02);
  expect_close("mean queue length", length, queue_length, 0.02);
  expect_close("occupancy", occupancy, rho, 0.02);  // each agent busy a share rho of the time
}

INSTANTIATE_TEST_SUITE_P(MMc, ErlangC,
                         ::testing::Combine(::testing::Values(1, 5, 20), ::testing::Values(0.5, 0.8, 0.95)));

}  // namespace
}  // namespace iwd::simulate
