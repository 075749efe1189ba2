// An open item's explanation (GET /v1/items/{id}/explain, server/routes_item_explain.cpp), in two
// steps: on the engine thread, inside a read, a copy of what it needs (prepare_explain: cheap);
// then, on any thread, the explanation itself (explain_prepared: 3 to 6 ms with a curve), so
// that the engine goes on with other requests meanwhile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "runtime/runtime.h"
#include "server/reply.h"
#include "server/ruleset.h"

namespace iwd::server {

inline constexpr std::size_t kMaxExplainedAgents = 50;  // logged-in agents explained; the rest counted
inline constexpr std::int32_t kMaxCurvePoints = 1000;
inline constexpr int kMaxExplaining = 2;  // explanations computed at once; more are refused (503)

// Everything an explanation reads, owned: the rules in force when it was taken (kept alive
// across a hot reload), the item's record (attributes as values; its strings are ids in the
// service's pool, which is thread-safe: `reader` keeps the item's own id, which the engine
// releases when the item ends, from being given to another string meanwhile), its age and
// override, the agents.
struct PreparedExplain {
  std::shared_ptr<runtime::StringPool::Reader> reader;
  std::shared_ptr<const compiler::LoadedRules> rules;
  std::shared_ptr<const compiler::RulesSource> source;
  std::string id, state, holder;  // holder: the item's agent, "" when none
  std::int64_t priority = 0;
  runtime::ItemRecord record;
  std::int64_t at = 0, age = 0;
  std::optional<runtime::PriorityOverride> override;
  // The item's own agent first, then logged-in ones: what the rules read of them (id, skills,
  // groups, attributes), copied (runtime::Agent::view() points into the runtime, which the
  // engine goes on changing).
  std::vector<runtime::Agent> agents;
  std::size_t agents_left_out = 0;
  std::int32_t curve_points = 0;
};

// On the engine thread, inside a read: what explaining item `id` now under `rules` (those in
// force) needs, with its priority curve when curve_points > 0 (2 to kMaxCurvePoints); or the
// refusal: 404 when it is not open; 403 when `only_agent` (an agent token's agent) is given and
// the item is not with that agent; 409 `no_source` when the rules came from a bundle without
// their sources.
std::variant<Reply, PreparedExplain> prepare_explain(const Ruleset& rules, const runtime::Runtime& rt, std::int64_t now,
                                                     const std::string& id, std::int32_t curve_points,
                                                     const std::string& only_agent = "");
// Any thread: the reply (409 `no_source` when the kept sources cannot be compiled again).
Reply explain_prepared(const PreparedExplain& p);
// Both at once, on the engine thread (tests, and the equal JSON of the two ways).
Reply explain_open_item(const Ruleset& rules, const runtime::Runtime& rt, std::int64_t now, const std::string& id,
                        std::int32_t curve_points, const std::string& only_agent = "");

// explain_prepared() on a thread of its own, `done` called there with the reply; false (and
// nothing started) when kMaxExplaining are being computed. `before`, when set, runs on that
// thread first (tests hold an explanation there).
bool explain_off_thread(std::shared_ptr<const PreparedExplain> p, std::function<void(const Reply&)> done,
                        std::function<void()> before = {});

}  // namespace iwd::server
