// An open item explained by the service (GET /v1/items/{id}/explain's body,
// server/routes_item_explain.cpp): `iwd explain`'s figures for the item as the runtime holds it
// (process, due, priority now), the supervisor's override in force, the priority curve, the
// agents; refusals (not open, another agent's item, rules from a bundle without their sources);
// the same after a restart (the sources kept in the store's bundle); off the engine thread.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <future>
#include <sstream>

#include "compiler/inspect/item_explain.h"
#include "compiler/load/load.h"
#include "server/item_explain.h"
#include "server/views.h"
#include "tests/unit/server/engine_fixture.h"

namespace iwd::server {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

const std::string kRules = std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd";
constexpr std::int64_t kStart = 1795510800000;  // 2026-11-24T09:00:00Z, a Tuesday

class ItemExplainTest : public testing::EngineFixture {
 protected:
  ItemExplainTest() : EngineFixture("item_explain_test", kStart) {}
  Reply change(const std::string& op, json value) {
    return engine_->change(Change{runtime::replay::op_named(op), std::move(value), {}});
  }
  Reply explain(const std::string& id, std::int32_t curve = 0, const std::string& agent = "") {
    return engine_->read([&](const runtime::Runtime& rt, std::int64_t now) {
      return explain_open_item(engine_->ruleset_in_force(), rt, now, id, curve, agent);
    });
  }
  // examples/enterprise.iwd built as `iwd build` does without --sources, in a file.
  std::string bare_bundle() {
    runtime::StringPool pool;
    compiler::LoadOptions o;
    o.keep_object = true;
    const compiler::LoadResult plain = compiler::load_rules(kRules, pool, o);
    EXPECT_TRUE(plain.rules) << plain.error;
    const std::string path = (dir_.parent_path() / ("iwd_item_explain_bare_" + std::to_string(::getpid()) + ".iwdb")).string();
    std::ofstream(path, std::ios::binary) << plain.rules->bundle();
    return path;
  }
  ojson item(const std::string& id) {
    return engine_->read([&](const runtime::Runtime& rt, std::int64_t now) {
      return Reply{200, item_view(rt, *rt.find_item(*rt.pool().find(id)), now)};
    }).body;
  }
};

TEST_F(ItemExplainTest, TheExplanationIsTheItemsFiguresNow) {
  start_on(kRules);
  ASSERT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}, {"deal_value", 20000}}).status, 201);
  clock_.advance(stdlib::Duration{2 * 3'600'000});  // two hours: the priority has climbed
  ASSERT_EQ(change("agent", json{{"id", "ada"}, {"skills", {{"sales_processing", 8}, {"legacy_processing", 2}}}, {"state", "not_ready"}}).status, 200);
  const Reply r = explain("S1", 60);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  const ojson it = item("S1");
  const ojson& x = r.body["explanation"];
  EXPECT_EQ(x["classification"]["process"], it["process"]);
  EXPECT_EQ(x["age"], "2h");
  EXPECT_EQ(x["due"]["due"], it["due"]);
  EXPECT_EQ(x["priority"]["value"], it["priority"]);
  EXPECT_EQ(r.body["priority"], it["priority"]);
  EXPECT_FALSE(x["priority"].contains("override"));
  ASSERT_EQ(x["agents"].size(), 1u);
  EXPECT_EQ(x["agents"][0]["id"], "ada");
  EXPECT_EQ(x["agents"][0]["eligible"], true);
  EXPECT_EQ(r.body["agents_left_out"], 0);
  // The curve: from capture to the due instant, by age, the point now at the item's priority.
  const ojson& c = r.body["curve"];
  EXPECT_EQ(c["due"], it["due"]);
  EXPECT_EQ(c["age_ms"], 2 * 3'600'000);
  ASSERT_GE(c["points"].size(), 60u);
  ASSERT_LE(c["points"].size(), 62u);
  EXPECT_EQ(c["points"][0]["age_ms"], 0);
  EXPECT_EQ(c["points"].back()["at"], it["due"]);
  std::int64_t last = -1;
  bool now_seen = false;
  for (const auto& p : c["points"]) {
    EXPECT_GT(p["age_ms"].get<std::int64_t>(), last);
    last = p["age_ms"].get<std::int64_t>();
    EXPECT_EQ(p["value"], p["rules_value"]);  // no override
    if (p["age_ms"] == 2 * 3'600'000) {
      now_seen = true;
      EXPECT_EQ(p["value"], it["priority"]);
    }
  }
  EXPECT_TRUE(now_seen);
  // Without ?curve, no curve.
  EXPECT_FALSE(explain("S1").body.contains("curve"));
}

TEST_F(ItemExplainTest, AnOverrideInForceIsShownWithItsEnd) {
  start_on(kRules);
  ASSERT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}, {"deal_value", 20000}}).status, 201);
  clock_.advance(stdlib::Duration{3'600'000});
  const std::int64_t rules_now = item("S1")["priority"];
  ASSERT_EQ(change("priority", json{{"item", "S1"}, {"set", 9000}, {"until", "2026-11-24T14:00:00Z"}}).status, 200);
  Reply r = explain("S1", 20);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  const ojson& p = r.body["explanation"]["priority"];
  EXPECT_EQ(p["value"], 9000);
  EXPECT_EQ(r.body["priority"], 9000);
  EXPECT_EQ(p["override"]["kind"], "fixed");
  EXPECT_EQ(p["override"]["value"], 9000);
  EXPECT_EQ(p["override"]["until"], "2026-11-24T14:00:00Z");
  EXPECT_EQ(p["override"]["in_force"], true);
  EXPECT_EQ(p["override"]["rules_value"], rules_now);
  // The next change is the override's end: the rules' priority then.
  EXPECT_EQ(p["next_change"]["at"], "2026-11-24T14:00:00Z");
  // On the curve: the rules' priority before now, the override's from now until it ends.
  for (const auto& pt : r.body["curve"]["points"]) {
    const std::string at = pt["at"];
    const bool overridden = pt["age_ms"].get<std::int64_t>() >= 3'600'000 && at < "2026-11-24T14:00:00Z";
    EXPECT_EQ(pt["value"], overridden ? ojson(9000) : pt["rules_value"]) << at;
  }
  // A boost until handled: added to the rules' priority, no end by time.
  ASSERT_EQ(change("priority", json{{"item", "S1"}, {"boost", 250}, {"until", "handled"}}).status, 200);
  r = explain("S1");
  const ojson& b = r.body["explanation"]["priority"];
  EXPECT_EQ(b["override"]["kind"], "boost");
  EXPECT_EQ(b["override"]["until_handled"], true);
  EXPECT_EQ(b["value"], b["override"]["rules_value"].get<std::int64_t>() + 250);
  EXPECT_EQ(b["value"], item("S1")["priority"]);
}

TEST_F(ItemExplainTest, RefusalsSayWhy) {
  start_on(kRules);
  ASSERT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  Reply r = explain("NOPE");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body["error"]["message"], "no open item `NOPE`");
  r = explain("S1", 0, "bob");  // an agent token's: the item is with no agent
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body["error"]["message"], "item `S1` is not with agent `bob`");
  ASSERT_EQ(change("cancel", "S1").status, 200);
  EXPECT_EQ(explain("S1").status, 404);  // ended: the route tells it from the history (409)
  // Rules from a bundle without their sources (`iwd build` without --sources, or stored by an
  // iwd older than them): nothing to show, and the words say how to have it.
  ASSERT_EQ(change("capture", json{{"id", "S2"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  start_on(bare_bundle());
  r = explain("S2");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["error"]["code"], "no_source");
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("iwd build --sources"), std::string::npos) << r.body.dump();
  // Restarted without --rules: the store's bundle is the bare one, still no source.
  start_on("");
  EXPECT_EQ(explain("S2").body["error"]["code"], "no_source");
  // With the source files again: explained.
  start_on(kRules);
  EXPECT_EQ(explain("S2").status, 200);
}

TEST_F(ItemExplainTest, AHotReloadKeepsTheSourcesAndABareBundleHasNone) {
  start_on(kRules);
  ASSERT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  const ojson before = explain("S1", 30).body;
  std::string error;
  // The bundle in force, uploaded: it carries the sources, so its items are explained the same.
  Ruleset bundled;
  ASSERT_EQ(load_ruleset_upload(engine_->read([&](const runtime::Runtime&, std::int64_t) {
              return Reply{200, ojson(engine_->ruleset_in_force().bundle)};
            }).body.get<std::string>(), pool_, &bundled, &error), RulesetStatus::Ok) << error;
  EXPECT_TRUE(bundled.source);
  ASSERT_EQ(engine_->reload(std::move(bundled)).status, 200);
  EXPECT_EQ(explain("S1", 30).body, before);
  // A bundle without them: none.
  std::ifstream bare_file(bare_bundle(), std::ios::binary);
  std::stringstream bare;
  bare << bare_file.rdbuf();
  Ruleset plain;
  ASSERT_EQ(load_ruleset_upload(bare.str(), pool_, &plain, &error), RulesetStatus::Ok) << error;
  EXPECT_FALSE(plain.source);
  ASSERT_EQ(engine_->reload(std::move(plain)).status, 200);
  EXPECT_EQ(explain("S1").body["error"]["code"], "no_source");
  std::ifstream in(kRules);
  std::stringstream text;
  text << in.rdbuf();
  Ruleset uploaded;
  ASSERT_EQ(load_ruleset_upload(text.str(), pool_, &uploaded, &error), RulesetStatus::Ok) << error;
  EXPECT_TRUE(uploaded.source);
  ASSERT_EQ(engine_->reload(std::move(uploaded)).status, 200);
  const Reply r = explain("S1");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["explanation"]["ruleset"]["file"], "upload.iwd");  // the files as uploaded
  // And after a restart without --rules, from the store's bundle: the same names.
  start_on("");
  EXPECT_EQ(explain("S1").body, r.body);
}

TEST_F(ItemExplainTest, ARestartExplainsTheSameFromTheStoresBundle) {
  // Recovery loads the store's bundle (no --rules): its sources make the front end again, and
  // the explanation is the same JSON, override, agents and curve included.
  start_on(kRules);
  ASSERT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}, {"deal_value", 20000}}).status, 201);
  clock_.advance(stdlib::Duration{3'600'000});
  ASSERT_EQ(change("agent", json{{"id", "ada"}, {"skills", {{"sales_processing", 8}}}, {"state", "not_ready"}}).status, 200);
  ASSERT_EQ(change("priority", json{{"item", "S1"}, {"boost", 40}, {"until", "handled"}}).status, 200);
  const Reply before = explain("S1", 50);
  ASSERT_EQ(before.status, 200) << before.body.dump();
  start_on("");
  EXPECT_EQ(explain("S1", 50).body, before.body);
  ASSERT_EQ(engine_->compact().status, 200);  // from a snapshot too
  start_on("");
  EXPECT_EQ(explain("S1", 50).body, before.body);
}

TEST_F(ItemExplainTest, SourcesThatAreNotTheRulesAreNotUsed) {
  // Sources kept with other rules (a bundle put together by hand) would explain other rules:
  // refused, saying so.
  start_on(kRules);
  ASSERT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  const Ruleset other = testing::load(pool_, std::string(IWD_SOURCE_DIR) + "/examples/leads.iwd");
  ASSERT_FALSE(other.loaded->sources().empty());
  const Reply r = engine_->read([&](const runtime::Runtime& rt, std::int64_t now) {
    Ruleset mixed;
    mixed.loaded = engine_->ruleset_in_force().loaded;
    mixed.source = std::make_shared<compiler::RulesSource>(other.loaded->sources());
    return explain_open_item(mixed, rt, now, "S1", 0);
  });
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["error"]["code"], "no_source");
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("not those they were built from"), std::string::npos)
      << r.body.dump();
}

TEST_F(ItemExplainTest, ExplanationsRunOffTheEngineThread) {
  // Two explanations held on their threads: the engine answers reads and changes meanwhile, a
  // third is refused (at most kMaxExplaining at once), and once let go they answer the JSON
  // computed on the engine thread.
  start_on(kRules);
  ASSERT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  const ojson expected = explain("S1", 40).body;
  auto prepared = [&] {  // as the route does: copied on the engine thread
    std::shared_ptr<PreparedExplain> out;
    engine_->read([&](const runtime::Runtime& rt, std::int64_t now) {
      out = std::make_shared<PreparedExplain>(std::get<PreparedExplain>(prepare_explain(engine_->ruleset_in_force(), rt, now, "S1", 40)));
      return Reply{200, nullptr};
    });
    return out;
  };
  std::promise<void> go;
  std::shared_future<void> released = go.get_future().share();
  std::promise<Reply> first, second;
  auto a = first.get_future(), b = second.get_future();
  std::atomic<int> started{0};
  auto hold = [&] {
    ++started;
    released.wait();
  };
  ASSERT_TRUE(explain_off_thread(prepared(), [&](const Reply& r) { first.set_value(r); }, hold));
  ASSERT_TRUE(explain_off_thread(prepared(), [&](const Reply& r) { second.set_value(r); }, hold));
  EXPECT_FALSE(explain_off_thread(prepared(), [](const Reply&) { ADD_FAILURE() << "a third ran"; }));
  // The engine goes on: a change and a read, answered while both explanations wait.
  EXPECT_EQ(change("capture", json{{"id", "S2"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  EXPECT_EQ(item("S2")["id"], "S2");
  EXPECT_EQ(a.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  EXPECT_EQ(b.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  go.set_value();
  ASSERT_EQ(a.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  ASSERT_EQ(b.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  EXPECT_EQ(a.get().body, expected);
  EXPECT_EQ(b.get().body, expected);
  // The slots are free again.
  std::promise<Reply> third;
  ASSERT_TRUE(explain_off_thread(prepared(), [&](const Reply& r) { third.set_value(r); }));
  EXPECT_EQ(third.get_future().get().body, expected);
}

TEST_F(ItemExplainTest, TheRulesKeyIsTheBundleWithItsSources) {
  // The key names the rules in the journal: the same source files loaded again are the same key
  // (a restart does not reload), equal to the bundle `iwd build --sources` writes of them.
  runtime::StringPool pool;
  const Ruleset kept = testing::load(pool, kRules);
  ASSERT_TRUE(kept.source);
  EXPECT_EQ(testing::load(pool, kRules).key, kept.key);
  compiler::LoadOptions o;
  o.keep_object = true;
  o.keep_sources = true;
  compiler::LoadResult built = compiler::load_rules(kRules, pool, o);
  ASSERT_TRUE(built.rules) << built.error;
  EXPECT_EQ(kept.key, bundle_key(built.rules->bundle()));
}

}  // namespace
}  // namespace iwd::server
