// The scenario's reader: problems named with their line and a did-you-mean, before anything
// runs; and the run itself: the same seed gives the same results, another seed others.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "compiler/load/load.h"
#include "simulate/simulate.h"

namespace iwd::simulate {
namespace {

constexpr const char* kRules = R"(ruleset blend version "1.0"

enum Kind { Call, Case }

attributes {
  kind: Kind
}

skills { phone, back_office }

department Voice when kind == Call { // iwd:allow(W0618): the simulation completes every item
  media "voice"
  sla 20s
  targets { skill phone > 0 }
  process Inbound
}

department Office when kind == Case { // iwd:allow(W0618): the simulation completes every item
  media "workitem"
  sla 1d
  targets { skill back_office > 0 }
  process Cases
}
)";

class Scenarios : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = std::filesystem::temp_directory_path() / fmt::format("iwd_simulate_s_{}", ::getpid());
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "rules.iwd") << kRules;
    compiler::LoadOptions options;
    options.jit = false;
    loaded_ = compiler::load_rules((dir / "rules.iwd").string(), pool_, options);
    std::filesystem::remove_all(dir);
    ASSERT_TRUE(loaded_.rules) << loaded_.error;
    std::string error;
    ASSERT_TRUE(schema_of(loaded_.rules->table(), pool_, &schema_, &error)) << error;
  }
  stdlib::ParseResult<Scenario> parse(const std::string& text) {
    return parse_scenario(text, loaded_.rules->table(), schema_);
  }
  runtime::StringPool pool_;
  compiler::LoadResult loaded_;
  runtime::Schema schema_;
};

std::string scenario(const std::string& attributes, const std::string& rates, const std::string& skills,
                     std::uint64_t seed = 3) {
  return fmt::format(R"({{
  // two streams, a blended group
  "streams": [
    {{"name": "calls",
     "attributes": {},
     "rates": {},
     "handle": {{"lognormal": {{"mean": "4m", "spread": 0.5}}}}}},
    {{"name": "cases", "attributes": {{"kind": "Case"}}, "rates": [10], "handle": {{"fixed": "10m"}}}}
  ],
  "agents": [{{"group": "blend", "count": 3, "skills": {}}}],
  "run": {{"length": "4h", "warmup": "30m", "replications": 2, "seed": {}}}
}})",
                     attributes, rates, skills, seed);
}

const char* kGood[] = {R"({"kind": {"choices": {"Call": 3, "Case": 1}}})", "[30, 40, 50]", R"({"phone": 5, "back_office": 5})"};

TEST_F(Scenarios, AGoodScenarioRunsAndTheSameSeedGivesTheSameResults) {
  auto s = parse(scenario(kGood[0], kGood[1], kGood[2]));
  ASSERT_TRUE(s.ok()) << s.error;
  auto results = [&](const Scenario& sc) {
    std::vector<Replication> reps;
    std::string error;
    EXPECT_TRUE(run(loaded_.rules->table(), pool_, sc, Options{}, &reps, &error)) << error;
    std::string out;
    for (const Replication& r : reps)
      out += fmt::format("{} {} {} {} {} {} {}\n", r.arrivals, r.waited, r.answered_within, r.mean_wait_s, r.p90_s,
                         r.little_l, r.peak_open);
    return out;
  };
  const std::string first = results(s.value);
  EXPECT_EQ(first, results(s.value));
  auto other = parse(scenario(kGood[0], kGood[1], kGood[2], 4));
  ASSERT_TRUE(other.ok()) << other.error;
  EXPECT_NE(first, results(other.value));
}

TEST_F(Scenarios, AnUnknownAttributeIsNamedWithItsLine) {
  auto s = parse(scenario(R"({"kidn": "Call"})", kGood[1], kGood[2]));
  EXPECT_EQ(s.error, "line 5: the rules declare no attribute `kidn` (did you mean `kind`?)");
}

TEST_F(Scenarios, AnUnknownValueIsNamedWithItsLine) {
  auto s = parse(scenario(R"({"kind": {"choices": {"Call": 3, "Cale": 1}}})", kGood[1], kGood[2]));
  EXPECT_EQ(s.error, "line 5: `Cale` is not a value of `kind` (did you mean `Call`?)");
}

TEST_F(Scenarios, ANegativeRateIsRefused) {
  auto s = parse(scenario(kGood[0], "[30, -4]", kGood[2]));
  EXPECT_EQ(s.error, "line 6: `rates`: -4 is negative (a rate is arrivals per hour, 0 or more)");
}

TEST_F(Scenarios, ASkillTheRulesDoNotDeclareIsNamedWithItsLine) {
  auto s = parse(scenario(kGood[0], kGood[1], R"({"phnoe": 5})"));
  EXPECT_EQ(s.error, "line 10: the rules declare no skill `phnoe` (did you mean `phone`?)");
}

TEST_F(Scenarios, AnUnknownHandleTimeIsNamed) {
  std::string text = scenario(kGood[0], kGood[1], kGood[2]);
  text.replace(text.find("\"fixed\""), 7, "\"fxed\"");
  EXPECT_EQ(parse(text).error, "line 8: unknown handle time `fxed` (did you mean `fixed`?)");
}

}  // namespace
}  // namespace iwd::simulate
