// Shifts and breaks: agents log in at their shift's start, are not ready during a break, and go
// at its end once the item in hand is done; nothing is offered to an agent off shift; shifts
// that overlap are refused with their line.
#include <map>

#include "tests/unit/simulate/queueing.h"

namespace iwd::simulate {
namespace {

const std::string kRules = testing::one_queue_rules();

// One agent, 09:00-10:00 with a break 09:20-09:30 and 11:00-11:30, from 08:30 for 3h: items every
// 12 minutes or so, each 7 minutes (fixed), so the agent often has one in hand at a change.
std::string scenario(const std::string& shifts) {
  return fmt::format(R"({{
  "streams": [{{"name": "x", "rates": [5], "handle": {{"fixed": "7m"}}}}],
  "agents": [{{"group": "a", "count": 1, "skills": {{"s": 1}},
              "shifts": {}}}],
  "run": {{"start": "2026-01-05T08:30:00Z", "length": "3h", "replications": 1, "seed": 3}}
}})",
                     shifts);
}
constexpr const char* kShifts = R"([{"from": "09:00", "to": "10:00", "breaks": [{"at": "09:20", "for": "10m"}]},
                         {"from": "11:00", "to": "11:30"}])";

std::int64_t minute(std::int64_t at) { return (at - 1767571200000) / 60'000; }  // since 2026-01-05T00:00Z

TEST(Shifts, AgentsWorkOnlyOnShiftAndOutsideTheirBreaks) {
  auto l = testing::load(kRules);
  ASSERT_TRUE(l);
  auto s = parse_scenario(scenario(kShifts), l->result.rules->table(), l->schema);
  ASSERT_TRUE(s.ok()) << s.error;
  std::vector<std::pair<std::int64_t, std::string>> agent;  // (minute, state)
  std::vector<std::int64_t> offers, dones;                  // instants, ms
  Options o;
  o.observe = [&](int, const runtime::Event& e, const runtime::Runtime&) {
    if (e.kind == runtime::EventKind::AgentStateChanged) {
      std::string reason = e.reason == runtime::kNoId ? "" : " " + std::string(l->pool.view(e.reason));
      agent.emplace_back(minute(e.at), std::string(runtime::agent_state_name(e.to_agent)) + reason);
    } else if (e.kind == runtime::EventKind::ItemStateChanged && e.to_item == runtime::ItemState::Offered) {
      offers.push_back(e.at);
    } else if (e.kind == runtime::EventKind::ItemStateChanged && e.to_item == runtime::ItemState::DonePending) {
      dones.push_back(e.at);
    }
  };
  std::vector<Replication> reps;
  std::string error;
  ASSERT_TRUE(run(l->result.rules->table(), l->pool, s.value, o, &reps, &error)) << error;
  ASSERT_FALSE(offers.empty());
  // Offers only while on shift and not on a break: [09:00, 09:20), [09:30, 10:00), [11:00, 11:30).
  for (std::int64_t at : offers) {
    const std::int64_t m = minute(at) % 1440;  // (the last items wait for the next day's shift)
    EXPECT_TRUE((m >= 540 && m < 560) || (m >= 570 && m < 600) || (m >= 660 && m < 690)) << "an offer at minute " << m;
  }
  // The state changes at the shifts' instants; an end of shift with an item in hand waits for it.
  ASSERT_GE(agent.size(), 6u) << ::testing::PrintToString(agent);
  EXPECT_EQ(agent[0], std::make_pair(std::int64_t{540}, std::string("ready")));
  EXPECT_EQ(agent[1].first, 560);
  EXPECT_TRUE(agent[1].second == "not_ready break") << agent[1].second;
  EXPECT_EQ(agent[2], std::make_pair(std::int64_t{570}, std::string("ready")));
  std::size_t k = 3;
  EXPECT_EQ(agent[k].first, 600);
  if (agent[k].second == "not_ready end_of_shift") {  // then logged out at the item's end
    ++k;
    EXPECT_EQ(agent[k].second, "logged_out");
    EXPECT_GT(agent[k].first, 600);
    EXPECT_LE(agent[k].first, 607);
  }
  EXPECT_EQ(agent[k].second, "logged_out");
  EXPECT_EQ(agent[k + 1], std::make_pair(std::int64_t{660}, std::string("ready")));
  EXPECT_GE(agent[k + 2].first, 690);
  // The measured items all got an offer: those left after 11:30 waited to the next day's shift.
  EXPECT_EQ(static_cast<std::int64_t>(offers.size()), reps[0].arrivals);
}

TEST(Shifts, TheBacklogGrowsWhileNobodyIsOnShift) {
  auto l = testing::load(kRules);
  ASSERT_TRUE(l);
  const auto reps = l->run_scenario(scenario(kShifts));
  ASSERT_EQ(reps.size(), 1u);
  const std::vector<double>& b = reps[0].backlog_by_interval;
  ASSERT_EQ(b.size(), 12u);  // 3h of 15 minutes
  // 08:30-09:00: nobody logged in, items only arrive; 10:00-11:00 again.
  EXPECT_LE(b[0], b[1]);
  EXPECT_LE(b[6], b[7]);
  EXPECT_LE(b[7], b[8]);
  EXPECT_LE(b[8], b[9]);
  EXPECT_GT(b[9], 0);
  // Over the whole run (no warm-up), their mean is Little's L.
  double sum = 0;
  for (double x : b) sum += x;
  EXPECT_NEAR(sum / 12, reps[0].little_l, 1e-9);
}

TEST(Shifts, OverlapsAndBreaksOutsideTheShiftAreRefusedWithTheirLine) {
  auto l = testing::load(kRules);
  ASSERT_TRUE(l);
  auto parse = [&](const std::string& shifts) { return parse_scenario(scenario(shifts), l->result.rules->table(), l->schema).error; };
  EXPECT_EQ(parse(R"([{"from": "09:00", "to": "12:00"}, {"from": "11:00", "to": "13:00"}])"),
            "line 4: the shifts 09:00-12:00 and 11:00-13:00 overlap (or are out of order)");
  EXPECT_EQ(parse(R"([{"from": "09:00", "to": "08:00"}])"),
            "line 4: the shift 09:00-08:00 ends before it starts (one over midnight is two shifts)");
  EXPECT_EQ(parse(R"([{"from": "09:00", "to": "10:00", "breaks": [{"at": "09:55", "for": "10m"}]}])"),
            "line 4: the break 09:55-10:05 is not inside its shift 09:00-10:00");
  EXPECT_EQ(parse(R"([{"from": "09:00", "to": "10:00", "brakes": []}])"),
            "line 4: unknown field `brakes` in `shifts` (did you mean `breaks`?)");
  EXPECT_NE(parse(R"([{"from": "9h", "to": "10:00"}])").find("`from`: a time of day like \"08:30\" (UTC)"), std::string::npos);
}

}  // namespace
}  // namespace iwd::simulate
