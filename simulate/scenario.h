// A simulation scenario (docs/simulate.md): arrival streams, handle times, agent groups and
// the run's settings, read from JSON (with `//` comment lines) and checked against the rules
// before anything runs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/abi.h"
#include "runtime/schema.h"
#include "stdlib/result.h"

namespace iwd::simulate {

// An attribute of the items a stream captures: one value, or a weighted choice of values.
struct AttributeDraw {
  std::string name;
  std::vector<std::pair<nlohmann::json, double>> choices;  // one entry with weight 1: fixed
};

struct HandleTime {
  enum class Kind { Exponential, Lognormal, Fixed } kind = Kind::Exponential;
  double mean_ms = 0;
  double spread = 0;  // lognormal: the standard deviation over the mean
};

struct Stream {
  std::string name;
  std::vector<AttributeDraw> attributes;
  std::vector<double> rates_per_hour;  // one per 15-minute interval from the start; the last repeats
  HandleTime handle;
  // RONA: the share of items whose first offer rings unanswered until the rules' offer timeout
  // (the agent then not ready, `rona`), and when that agent is ready again.
  double rona_share = 0;
  std::int64_t rona_back_after_ms = 60'000;
  // Bursts: `items` more captured at once, `at_ms` after the start (drawn from a generator of
  // their own, so that the stream's other arrivals are the same with or without them).
  struct Burst {
    std::int64_t at_ms = 0;
    int items = 0;
  };
  std::vector<Burst> bursts;
  // Each item's `due_at` and `activate_at`, this long after its capture; -1: not given.
  std::int64_t due_after_ms = -1, activate_after_ms = -1;
  // The share of items the agent parks as soon as it takes them, pulled back `park_for_ms`
  // later (or once the agent has room again), then worked their handle time.
  double park_share = 0;
  std::int64_t park_for_ms = 0;
  // Of the items marked done, the share the source completes `late_by_ms` later, and the
  // share it never completes (the rules' `complete within`, if any, puts them back to work).
  double late_share = 0, never_share = 0;
  std::int64_t late_by_ms = 0;
};

// A shift, every day, in minutes since midnight UTC: the group's agents log in at `from` and
// go at `to` (after the item in hand, if any); not ready during each break.
struct Shift {
  struct Break {
    int from = 0, to = 0;
  };
  int from = 0, to = 0;
  std::vector<Break> breaks;
};

struct AgentGroup {
  std::string name;
  int count = 1;
  nlohmann::json skills = nlohmann::json::object();
  nlohmann::json capacity;    // null: the rules' default
  std::vector<Shift> shifts;  // in order, apart; none: ready from the start to the end
  // Other not-ready time: each agent, while ready, goes not ready (`reason`) after a time drawn
  // from an exponential of mean `every_ms`, for `for_ms`. 0: never.
  std::int64_t not_ready_every_ms = 0, not_ready_for_ms = 0;
  std::string not_ready_reason = "not_ready";
};

struct Run {
  std::int64_t start = 1767603600000;  // 2026-01-05T09:00:00Z, as replay's
  std::int64_t length_ms = 8 * 3600'000;
  std::int64_t warmup_ms = 0;   // items captured before it are not measured
  int replications = 1;
  std::uint64_t seed = 1;
  std::int64_t answer_within_ms = 20'000;  // the threshold of P(wait <= t)
};

struct Scenario {
  std::vector<Stream> streams;
  std::vector<AgentGroup> agents;
  Run run;
};

inline constexpr std::int64_t kIntervalMs = 15 * 60'000;

// The scenario in `text`, checked against the rules (attributes and their values, skills):
// or the first problem as "line N: what (did you mean `x`?)".
stdlib::ParseResult<Scenario> parse_scenario(std::string_view text, const runtime::abi::RulesV1& rules,
                                             const runtime::Schema& schema);

// `--agents +N@GROUP` (or -N@GROUP): the group's count changed; "" or the problem (a
// malformed spec, no such group with a did-you-mean, fewer than none left).
std::string adjust_agents(Scenario* scenario, std::string_view spec);

}  // namespace iwd::simulate
