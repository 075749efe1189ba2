// An open item explained by the service (GET /v1/items/{id}/explain's body,
// server/routes_item_explain.cpp): `iwd explain`'s figures for the item as the runtime holds it
// (process, due, priority now), the supervisor's override in force, the priority curve, the
// agents; refusals (not open, another agent's item, rules from a bundle).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

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
  // Restarted without --rules: the store's bundle, which holds no source.
  ASSERT_EQ(change("capture", json{{"id", "S2"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  start_on("");
  r = explain("S2");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body["error"]["code"], "no_source");
  // With the source files again: explained.
  start_on(kRules);
  EXPECT_EQ(explain("S2").status, 200);
}

TEST_F(ItemExplainTest, AHotReloadKeepsTheUploadsSourceButABundleHasNone) {
  start_on(kRules);
  ASSERT_EQ(change("capture", json{{"id", "S1"}, {"department", "Sales"}, {"segment", "Gold"}}).status, 201);
  std::string error;
  Ruleset bundled;
  ASSERT_EQ(load_ruleset_upload(engine_->read([&](const runtime::Runtime&, std::int64_t) {
              return Reply{200, ojson(engine_->ruleset_in_force().bundle)};
            }).body.get<std::string>(), pool_, &bundled, &error), RulesetStatus::Ok) << error;
  EXPECT_FALSE(bundled.source);
  ASSERT_EQ(engine_->reload(std::move(bundled)).status, 200);
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
}

TEST_F(ItemExplainTest, KeepingTheSourceDoesNotChangeTheRulesKey) {
  // The key names the rules in the journal: loaded with their front end kept (for explanations)
  // or not, the same rules are the same key, so a restart does not reload.
  runtime::StringPool pool;
  const Ruleset kept = testing::load(pool, kRules);
  ASSERT_TRUE(kept.source);
  compiler::LoadOptions o;
  o.keep_object = true;
  compiler::LoadResult plain = compiler::load_rules(kRules, pool, o);
  ASSERT_TRUE(plain.rules) << plain.error;
  EXPECT_EQ(kept.key, bundle_key(plain.rules->bundle()));
}

}  // namespace
}  // namespace iwd::server
