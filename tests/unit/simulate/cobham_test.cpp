// iwd simulate against queueing theory: two priority classes on ONE server, without preemption
// (an agent finishes its item before taking the next), Poisson arrivals, exponential handle
// times: M/M/1 with non-preemptive priorities, against Cobham's formula, written here from its
// textbook definition. Class 1 outranks class 2; rho_i = lambda_i / mu_i, sigma_k = sum_{i<=k} rho_i;
//   W0 = sum_i lambda_i E[S_i^2] / 2   (the mean residual work of the item in service;
//                                       E[S^2] = 2 / mu^2 for an exponential handle time)
//   E[W_k] = W0 / ((1 - sigma_{k-1}) (1 - sigma_k))   (the mean wait in the queue of class k)
// Each class's mean wait (in the process of its class) within 3% of the formula, or the
// formula inside the replications' 99.9% interval; Little's law per class on every replication.
#include "tests/unit/simulate/queueing.h"

namespace iwd::simulate {
namespace {

constexpr const char* kRules = R"(ruleset cobham version "1.0"

enum Class { High, Low }

attributes {
  class: Class
}

skills { s }

priority high {
  start 200
}

priority low {
  start 100
}

department Urgent when class == High { // iwd:allow(W0618): the simulation completes every item
  media "voice"
  sla 1d
  priority high
  targets { skill s > 0 }
  process First
}

department Normal when class == Low { // iwd:allow(W0618): the simulation completes every item
  media "voice"
  sla 1d
  priority low
  targets { skill s > 0 }
  process Second
}
)";

struct Class {
  double per_hour, mean_s;  // arrival rate, mean handle time
};

std::string scenario(const Class& high, const Class& low, double hours, int replications) {
  return fmt::format(R"({{
  "streams": [
    {{"name": "h", "attributes": {{"class": "High"}}, "rates": [{}], "handle": {{"exponential": "{}s"}}}},
    {{"name": "l", "attributes": {{"class": "Low"}}, "rates": [{}], "handle": {{"exponential": "{}s"}}}}
  ],
  "agents": [{{"group": "one", "count": 1, "skills": {{"s": 1}}}}],
  "run": {{"length": "{}s", "warmup": "{}s", "replications": {}, "seed": 11}}
}})",
                     high.per_hour, high.mean_s, low.per_hour, low.mean_s, static_cast<long>(hours * 3600 * 1.1),
                     static_cast<long>(hours * 3600 * 0.1), replications);
}

class Cobham : public ::testing::TestWithParam<std::tuple<Class, Class>> {};

TEST_P(Cobham, EachClassWaitsAsTheFormulaSays) {
  const Class high = std::get<0>(GetParam()), low = std::get<1>(GetParam());
  auto l = testing::load(kRules);
  ASSERT_TRUE(l);
  constexpr int kReplications = 10;
  const double total_per_hour = high.per_hour + low.per_hour;
  const std::vector<Replication> reps = l->run_scenario(scenario(high, low, 20000 / total_per_hour, kReplications));
  ASSERT_EQ(reps.size(), static_cast<std::size_t>(kReplications));

  const Class classes[] = {high, low};
  double w0 = 0, sigma[3] = {0, 0, 0};
  for (int k = 0; k < 2; ++k) {
    const double lambda = classes[k].per_hour / 3600, mu = 1 / classes[k].mean_s;
    w0 += lambda * (2 / (mu * mu)) / 2;
    sigma[k + 1] = sigma[k] + lambda / mu;
  }
  for (int k = 0; k < 2; ++k) {
    const double expected = w0 / ((1 - sigma[k]) * (1 - sigma[k + 1]));
    std::vector<double> waits;
    for (const Replication& r : reps) {
      ASSERT_EQ(r.by_process.size(), 2u);
      const Measures& m = r.by_process[static_cast<std::size_t>(k)];
      ASSERT_GT(m.arrivals, 0);
      waits.push_back(m.mean_wait_s);
      EXPECT_NEAR(m.little_l, m.little_lambda * m.little_w_s, 0.03 * m.little_l + 0.005) << "Little's law, class " << k + 1;
    }
    testing::expect_close(fmt::format("class {} mean wait (s)", k + 1), waits, expected, 0.03);
  }
}

// rho 0.7 (0.3 + 0.4) with equal handle times; rho 0.8 with the urgent class the shorter.
INSTANTIATE_TEST_SUITE_P(TwoClasses, Cobham,
                         ::testing::Values(std::make_tuple(Class{18, 60}, Class{24, 60}),
                                           std::make_tuple(Class{24, 30}, Class{36, 60})));

}  // namespace
}  // namespace iwd::simulate
