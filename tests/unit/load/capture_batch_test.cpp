// Captures evaluated together (issue 19): a burst of capture lines at one instant through the
// batch path (Session::apply_captures: Runtime::evaluate_captures, one call of the rules' batch
// entry point, then capture(record, ahead) for each) against the same lines applied one by one,
// on random scripts over every clean ruleset of the tree with the JIT: the same events, the
// same refusals and the same runtime state (Runtime::save_state's bytes) after every burst;
// and `iwd replay`'s run() with and without batch_captures, byte for byte.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <random>
#include <sstream>

#include "compiler/load/loaded_rules.h"
#include "runtime/replay/replay.h"
#include "runtime/state_frame.h"
#include "tests/unit/load/clean_rulesets.h"
#include "tests/unit/load/random_items.h"

namespace iwd::compiler {
namespace {

namespace abi = runtime::abi;
namespace replay = runtime::replay;
using json = nlohmann::json;

const std::string kSource = IWD_SOURCE_DIR;
constexpr std::int64_t kHour = 3'600'000;
// Half way through RandomItems' instants, so that an item's activate_at and due_at fall before
// and after the bursts (an item activated in the past is priced at its own age, not the batch's).
constexpr std::int64_t kStart = 1'795'000'000'000 + 500 * kHour;

// The rules' batch entry point, counted: the batch path must be the one taken.
const abi::RulesV1* g_table = nullptr;
std::size_t g_batch_calls = 0, g_batch_items = 0;
void counting_batch(void* ctx, const runtime::ItemRecord* const* items, std::uint32_t count, std::int64_t now,
                    std::int64_t age, abi::BatchResult* out) {
  ++g_batch_calls;
  g_batch_items += count;
  g_table->evaluate_batch(ctx, items, count, now, age, out);
}

// A random script: agents, then bursts of captures at one instant (repeated ids, an id captured
// again after it expired at once, malformed values, a field the runtime sets), and between them
// cancels, completes and steps of the clock.
class Script {
 public:
  Script(const LoadedRules& rules, std::uint32_t seed) : rules_(rules), items_(rules, seed), rng_(seed) {}

  std::vector<std::string> make(int bursts) {
    std::vector<std::string> lines;
    std::int64_t at = kStart;
    for (int a = 0; a < 4; ++a) lines.push_back(line(at, "agent", agent(a)));
    for (int b = 0; b < bursts; ++b) {
      const int n = 1 + pick(14);
      for (int k = 0; k < n; ++k) lines.push_back(line(at, "capture", capture(at)));
      for (int k = pick(4); k > 0; --k) {
        const char* op = pick(2) ? "cancel" : "complete";
        lines.push_back(line(at, op, json(id())));
      }
      if (pick(3)) at += pick(7200) * 1000LL;
    }
    return lines;
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  std::string id() { return "W" + std::to_string(pick(40)); }

  static std::string line(std::int64_t at, const char* op, const json& value) {
    return json{{"at", stdlib::format_instant(stdlib::Instant{at})}, {op, value}}.dump();
  }

  json agent(int a) {
    json skills = json::object();
    const abi::RulesV1& t = rules_.table();
    for (std::int32_t s = 0; s < t.skill_count; ++s)
      if (pick(3)) skills[t.skill_names[s]] = pick(11);
    return json{{"id", "a" + std::to_string(a)}, {"skills", skills}, {"state", "ready"}};
  }

  json capture(std::int64_t at) {
    switch (pick(20)) {
      case 0: return json("not an object");
      case 1: return json{{"id", 7}};                              // an id that is no string
      case 2: return json{{"id", id()}, {"no_such_attribute", 1}};  // refused by the decoder
      case 3: return json{{"id", id()}, {"last_agent", "a1"}};     // set by the runtime only
      default: break;
    }
    json j = json::parse(items_.item());
    j["id"] = id();
    if (pick(8) == 0) j["expire_at"] = stdlib::format_instant(stdlib::Instant{at - pick(2) * 1000});  // ends at once
    if (pick(6) == 0) j["activate_at"] = stdlib::format_instant(stdlib::Instant{at - pick(600) * 1000});
    return j;
  }

  const LoadedRules& rules_;
  test::RandomItems items_;
  std::mt19937 rng_;
};

// Every event as its JSON line.
class Lines final : public runtime::EventSink {
 public:
  Lines(const abi::RulesV1& rules, const runtime::StringPool& pool) : rules_(rules), pool_(pool) {}
  void on_event(const runtime::Event& e) override { out.push_back(replay::event_json(e, rules_, pool_, schema)); }
  std::vector<std::string> out;
  const runtime::Schema* schema = nullptr;

 private:
  const abi::RulesV1& rules_;
  const runtime::StringPool& pool_;
};

std::string state_of(replay::Session& s) {
  runtime::FrameWriter w(static_cast<std::uint32_t>(s.runtime().pool().size()));
  s.runtime().save_state(w);
  return std::string(w.bytes().view());
}

// One session applies every line alone, the other each burst of captures at one instant
// together; after every line (a burst: after its last) their events, refusals and states agree.
// Returns how many captures went through a burst.
std::size_t compare_sessions(const abi::RulesV1& table, runtime::StringPool& pool, const std::vector<std::string>& script,
                             bool auto_accept, const std::string& what) {
  replay::ReplayOptions options;
  options.auto_accept = auto_accept;
  Lines single_events(table, pool), batch_events(table, pool);
  replay::Session single(table, pool, options, &single_events), batch(table, pool, options, &batch_events);
  std::string error;
  if (!single.init(&error) || !batch.init(&error)) {
    ADD_FAILURE() << what << ": " << error;
    return 0;
  }
  single_events.schema = batch_events.schema = &single.runtime().schema();
  std::vector<replay::ScriptLine> lines(script.size());
  for (std::size_t n = 0; n < script.size(); ++n) {
    const std::string problem = replay::parse_line(script[n], single.start(), &lines[n]);
    if (!problem.empty()) {
      ADD_FAILURE() << what << ": line " << n << ": " << problem;
      return 0;
    }
  }
  std::size_t batched = 0;
  for (std::size_t n = 0; n < lines.size();) {
    std::size_t end = n + 1;
    while (lines[n].op == replay::Op::Capture && end < lines.size() && lines[end].op == replay::Op::Capture &&
           lines[end].at == lines[n].at)
      ++end;
    std::vector<std::string> refused_single, refused_batch;
    for (std::size_t k = n; k < end; ++k) refused_single.push_back(single.apply(lines[k]).error);
    if (lines[n].op == replay::Op::Capture) {
      batch.apply_captures(std::span(lines).subspan(n, end - n),
                           [&](std::size_t, const runtime::Status& s) { refused_batch.push_back(s.error); });
      batched += end - n;
    } else {
      refused_batch.push_back(batch.apply(lines[n]).error);
    }
    const std::string where = fmt::format("{}: lines {} to {}", what, n, end - 1);
    EXPECT_EQ(refused_single, refused_batch) << where;
    EXPECT_EQ(single_events.out, batch_events.out) << where;
    EXPECT_TRUE(state_of(single) == state_of(batch)) << where << ": the runtimes' states differ";
    if (::testing::Test::HasFailure()) return batched;
    n = end;
  }
  return batched;
}

std::string run_script(const abi::RulesV1& table, runtime::StringPool& pool, const std::vector<std::string>& script,
                       bool auto_accept, bool batch) {
  std::ostringstream in_text;
  for (const std::string& l : script) in_text << l << '\n';
  std::istringstream in(in_text.str());
  std::ostringstream out;
  replay::ReplayOptions options;
  options.auto_accept = auto_accept;
  options.batch_captures = batch;
  replay::ReplaySummary summary;
  std::string error;
  EXPECT_TRUE(replay::run(table, pool, in, out, options, &summary, &error)) << error;
  return out.str() + fmt::format("operations {} events {} errors {}\n", summary.operations, summary.events, summary.errors);
}

TEST(CaptureBatch, BurstsAnswerAsCapturesOneByOne) {
  std::size_t rulesets = 0, batched = 0, printed = 0;
  g_batch_calls = g_batch_items = 0;
  for (const std::string& path : test::clean_rulesets(kSource)) {
    SCOPED_TRACE(path);
    runtime::StringPool pool;
    LoadOptions load;
    load.jit = true;
    LoadResult r = load_rules(path, pool, load);
    if (!r.rules) continue;  // rules with errors (the golden folders hold some)
    const abi::RulesV1& original = r.rules->table();
    std::string unusable;
    if (replay::Session probe(original, pool, {}, nullptr); !probe.init(&unusable)) continue;  // a runtime refuses them
    ++rulesets;
    ASSERT_TRUE(abi::has_batch(original));
    g_table = &original;
    abi::RulesV1 table = original;
    table.evaluate_batch = counting_batch;
    const std::uint32_t seed = static_cast<std::uint32_t>(rulesets);
    const std::vector<std::string> script = Script(*r.rules, seed).make(12);
    batched += compare_sessions(table, pool, script, seed % 2 == 1, path);
    ASSERT_FALSE(HasFailure());
    const std::string one_by_one = run_script(table, pool, script, seed % 2 == 1, false);
    const std::string together = run_script(table, pool, script, seed % 2 == 1, true);
    ASSERT_EQ(one_by_one, together);
    printed += static_cast<std::size_t>(std::count(one_by_one.begin(), one_by_one.end(), '\n'));
  }
  EXPECT_GT(rulesets, 10u);
  EXPECT_GT(batched, 1000u);
  EXPECT_GT(g_batch_items, 1000u);  // the batch entry point answered them (not item by item)
  EXPECT_GT(printed, 1000u);  // events and refusals, not an empty run
}

}  // namespace
}  // namespace iwd::compiler
