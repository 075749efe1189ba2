// last_agent (LANGUAGE.md 1.1 section 3), which the runtime sets, and the `report by` values
// each item event carries (section 11), over FakeRules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/unit/runtime/harness.h"

namespace iwd::runtime::testing {
namespace {

using ::testing::ElementsAre;

// The item's last_agent, or "" when absent.
std::string last_agent(Harness& h, std::string_view item) {
  const WorkItem* w = h.runtime->find_item(h.id(item));
  if (!w || !w->record.present(kSlotLastAgent)) return "";
  return std::string(h.pool.view(w->record.get_string(kSlotLastAgent)));
}

TEST(LastAgent, IsTheLastAgentWhoHeldTheItem) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());
  ASSERT_TRUE(h.agent("a2", -1, 7, -1).ok());
  ASSERT_TRUE(h.agent_state("a2", AgentState::NotReady).ok());
  // A capture that gives one has it cleared: no one has held the item yet.
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case", "preferred_agent": "a1", "last_agent": "a2"})").ok());
  EXPECT_EQ(h.state("W1"), ItemState::Offered);
  EXPECT_EQ(last_agent(h, "W1"), "") << "an offer is not holding";
  ASSERT_TRUE(h.runtime->accept(h.id("W1"), kNoId).ok());
  EXPECT_EQ(last_agent(h, "W1"), "a1");
  ASSERT_TRUE(h.runtime->park(h.id("W1")).ok());
  EXPECT_EQ(last_agent(h, "W1"), "a1");
  ASSERT_TRUE(h.runtime->transfer(h.id("W1"), h.id("a2")).ok());  // into a2's workbin
  EXPECT_EQ(last_agent(h, "W1"), "a2");
  ASSERT_TRUE(h.runtime->pull(h.id("W1")).ok());
  ASSERT_TRUE(h.runtime->transfer(h.id("W1"), h.id("a1")).ok());  // assigned to a1
  EXPECT_EQ(last_agent(h, "W1"), "a1");
  ASSERT_TRUE(h.runtime->done(h.id("W1")).ok());
  EXPECT_EQ(last_agent(h, "W1"), "a1");
  // An update carries it over whatever its record says (the runtime's to set), a restart keeps it.
  ItemRecord changed = h.item(R"({"id": "W1", "kind": "Case", "level": 3, "last_agent": "a2"})");
  ASSERT_TRUE(h.runtime->update(std::move(changed)).ok());
  EXPECT_EQ(last_agent(h, "W1"), "a1");
  ItemRecord cleared = h.item(R"({"id": "W1", "kind": "Case"})");
  ASSERT_TRUE(h.runtime->update(std::move(cleared)).ok());
  EXPECT_EQ(last_agent(h, "W1"), "a1");
  ASSERT_TRUE(h.runtime->restart(h.id("W1")).ok());
  EXPECT_EQ(last_agent(h, "W1"), "a1");
  EXPECT_EQ(h.checked(), "");
}

// Rules that do not read last_agent are not asked again when it changes: the item keeps the
// classification of its capture. Rules that read it classify the item again, as an update of
// an attribute does, without an event of its own.
TEST(LastAgent, TheItemIsClassifiedAgainOnlyWhenTheRulesReadIt) {
  for (const bool reads : {false, true}) {
    Harness h;
    h.rules.mutable_table().reads_last_agent = reads ? 1 : 0;
    std::string error;
    h.runtime = Runtime::create(h.rules.table(), h.pool, h.clock, h.sink, {}, &error);
    ASSERT_TRUE(h.runtime) << error;
    ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());
    ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case", "preferred_agent": "a1"})").ok());
    const std::int64_t captured = h.clock.now().ms_since_epoch;
    h.advance(20 * kSecond);  // within the offer timeout (30s)
    h.sink.take();
    ASSERT_TRUE(h.runtime->accept(h.id("W1"), kNoId).ok());
    EXPECT_THAT(h.sink.take(), ElementsAre("W1 offered>assigned accept a1 p1000"));
    const WorkItem* w = h.runtime->find_item(h.id("W1"));
    ASSERT_TRUE(w);
    EXPECT_EQ(w->clock.classified_at, reads ? captured + 20 * kSecond : captured) << "reads: " << reads;
    EXPECT_EQ(w->clock.start, captured);
    // The same agent again (pull after park) changes nothing: not classified again.
    ASSERT_TRUE(h.runtime->park(h.id("W1")).ok());
    h.advance(kMinute);
    ASSERT_TRUE(h.runtime->pull(h.id("W1")).ok());
    EXPECT_EQ(h.runtime->find_item(h.id("W1"))->clock.classified_at, reads ? captured + 20 * kSecond : captured);
    EXPECT_EQ(h.checked(), "");
  }
}

// Should the rules reject the item with its new last agent (here: any item that has one), it
// keeps its classification; the accept stands.
TEST(LastAgent, AnItemTheRulesWouldRejectKeepsItsClassification) {
  Harness h;
  abi::RulesV1& t = h.rules.mutable_table();
  t.reads_last_agent = 1;
  t.classify = [](void*, const ItemRecord* item, std::int64_t, std::int32_t* detail) -> std::int32_t {
    if (item->present(kSlotLastAgent)) {
      *detail = -1;
      return -1;
    }
    return static_cast<std::int32_t>(item->get_int(kCoreSlotCount));  // `kind`: the process
  };
  std::string error;
  h.runtime = Runtime::create(t, h.pool, h.clock, h.sink, {}, &error);
  ASSERT_TRUE(h.runtime) << error;
  ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case", "preferred_agent": "a1"})").ok());
  h.advance(10 * kSecond);
  ASSERT_TRUE(h.runtime->accept(h.id("W1"), kNoId).ok());
  const WorkItem* w = h.runtime->find_item(h.id("W1"));
  ASSERT_TRUE(w);
  EXPECT_EQ(w->state, ItemState::Assigned);
  EXPECT_EQ(w->process, kCases);
  EXPECT_EQ(w->clock.classified_at, kStart) << "not classified again";
  EXPECT_EQ(last_agent(h, "W1"), "a1");
  EXPECT_EQ(h.checked(), "");
}

// A hot reload (Runtime::adopt) of an assigned or parked item: held by that agent, so its last
// agent, whatever the carried record says (rules before 1.1 had none to carry).
TEST(LastAgent, AnAdoptedAssignedOrParkedItemHasItsAgentAsLastAgent) {
  Harness h;
  ASSERT_TRUE(h.agent("a1", 5, 7, -1).ok());
  ASSERT_TRUE(h.agent("a2", 5, 7, -1).ok());
  ASSERT_TRUE(h.runtime->adopt(h.item(R"({"id": "C1", "kind": "Call"})"), ItemState::Assigned, h.id("a1"), abi::kNone).ok());
  ASSERT_TRUE(h.runtime->adopt(h.item(R"({"id": "K1", "kind": "Case", "last_agent": "a1"})"), ItemState::Parked, h.id("a2"),
                               abi::kNone).ok());
  ASSERT_TRUE(h.runtime->adopt(h.item(R"({"id": "K2", "kind": "Case", "last_agent": "a1"})"), ItemState::Held, kNoId,
                               abi::kNone).ok());
  ASSERT_TRUE(h.runtime->adopt(h.item(R"({"id": "K3", "kind": "Case"})"), ItemState::Held, kNoId, abi::kNone).ok());
  EXPECT_EQ(last_agent(h, "C1"), "a1");
  EXPECT_EQ(last_agent(h, "K1"), "a2");
  EXPECT_EQ(last_agent(h, "K2"), "a1") << "carried over as it was";
  EXPECT_EQ(last_agent(h, "K3"), "");
  EXPECT_EQ(h.checked(), "");
}

// A table with `report by kind, team` (slots of FakeRules' schema).
struct Reporting {
  explicit Reporting(Harness& h) {
    slots[0] = h.rules.kind_slot();
    slots[1] = h.rules.team_slot();
    abi::RulesV1& t = h.rules.mutable_table();
    t.report_dimension_count = 2;
    t.report_dimension_slots = slots;
    t.report_dimension_names = names;
    std::string error;
    h.runtime = Runtime::create(t, h.pool, h.clock, h.sink, {}, &error);
    EXPECT_TRUE(h.runtime) << error;
  }
  std::uint32_t slots[2] = {};
  const char* names[2] = {"kind", "team"};
};

TEST(ReportDimensions, EveryItemEventCarriesTheValuesAsTheyWereThen) {
  Harness h;
  Reporting reporting(h);
  ASSERT_TRUE(h.agent("a1", -1, 7, -1).ok());
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case", "team": "blue"})").ok());
  ASSERT_TRUE(h.capture(R"({"id": "W2"})").ok());  // rejected: no kind
  h.advance(5 * kMinute);                          // stage 2 opens: offered
  ItemRecord changed = h.item(R"({"id": "W1", "kind": "Case"})");  // team absent now
  ASSERT_TRUE(h.runtime->update(std::move(changed)).ok());
  ASSERT_TRUE(h.runtime->accept(h.id("W1"), kNoId).ok());
  const std::uint32_t blue = h.id("blue");
  std::vector<std::string> seen;
  for (const Event& e : h.sink.all) {
    if (e.kind == EventKind::AgentStateChanged) {
      EXPECT_EQ(e.dimension_count, 0);
      continue;
    }
    ASSERT_EQ(e.dimension_count, 2);
    std::string d = h.sink.describe(e) + " |";
    d += (e.dimensions_present & 1) ? " kind=" + std::to_string(e.dimensions[0]) : " kind absent";
    d += (e.dimensions_present & 2) ? (e.dimensions[1] == blue ? " team=blue" : " team=?") : " team absent";
    seen.push_back(d);
  }
  EXPECT_THAT(seen, ElementsAre("W1 none>queued capture p1000 | kind=1 team=blue",
                                "W2 none>rejected capture | kind absent team absent",
                                "W1 widen 2 | kind=1 team=blue",
                                "W1 queued>offered offer a1 p1000 | kind=1 team=blue",
                                "W1 offered>offered update a1 p1000 | kind=1 team absent",
                                "W1 offered>assigned accept a1 p1000 | kind=1 team absent"));
}

TEST(ReportDimensions, NoneWithoutReportByAndATableThatDoesNotFitIsRefused) {
  Harness h;
  ASSERT_TRUE(h.capture(R"({"id": "W1", "kind": "Case", "team": "blue"})").ok());
  EXPECT_EQ(h.sink.all.back().dimension_count, 0);
  EXPECT_EQ(h.sink.all.back().dimensions_present, 0);
  abi::RulesV1 t = h.rules.table();
  std::uint32_t slots[9] = {};
  const char* names[9] = {};
  t.report_dimension_slots = slots;
  t.report_dimension_names = names;
  t.report_dimension_count = 9;
  std::string error;
  EXPECT_FALSE(Runtime::create(t, h.pool, h.clock, h.sink, {}, &error));
  EXPECT_THAT(error, ::testing::HasSubstr("`report by` dimensions do not fit"));
  t.report_dimension_count = 1;
  slots[0] = 99;  // no such slot
  EXPECT_FALSE(Runtime::create(t, h.pool, h.clock, h.sink, {}, &error));
}

}  // namespace
}  // namespace iwd::runtime::testing
