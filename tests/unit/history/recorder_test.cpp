// history::Recorder: each event kind as a record, with the item's classification, due
// instant, `report by` values and the actor, read while the event is emitted.
#include <gtest/gtest.h>

#include "tests/unit/history/history_harness.h"

namespace iwd::history {
namespace {

using testing::Recording;

constexpr std::int64_t kStart = 1767603600000;  // 2026-01-05T09:00:00Z, a replay's "0s"
constexpr std::int64_t kMinute = 60'000;

std::string dims(const Record& r) {
  std::string s;
  for (const auto& [k, v] : r.dimensions) s += k + "=" + v + ";";
  return s;
}

TEST(Recorder, ItemLifecycleWithDimensionsDueAndActors) {
  Recording rec("regions.iwd");
  rec.line(R"({"at": "0s", "agent": {"id": "ann", "skills": {"sales": 3}}})");
  rec.line(R"({"at": "0s", "capture": {"id": "R1", "segment": "Gold", "region": "EU", "score": 7}})");
  rec.line(R"({"at": "20m10s", "update": {"id": "R1", "region": null, "vip": true}})", "crm");
  rec.line(R"({"at": "20m20s", "accept": "R1"})", "ann-token");
  rec.line(R"({"at": "21m", "done": {"item": "R1"}})", "ann-token");
  rec.line(R"({"at": "1h10m", "complete": "R1"})", "crm");

  const auto captured = rec.find("R1", "queued");
  ASSERT_EQ(captured.size(), 1u);
  const Record& c = captured[0];
  EXPECT_EQ(c.seq, 2);  // after ann's login
  EXPECT_EQ(c.at, kStart);
  EXPECT_EQ(c.from, "none");
  EXPECT_EQ(c.reason, "capture");
  EXPECT_EQ(c.actor, "alice");
  EXPECT_EQ(c.department, "Sales");
  EXPECT_EQ(c.process, "Sales.Any");
  EXPECT_EQ(c.priority, 100);
  ASSERT_TRUE(c.due);
  EXPECT_EQ(*c.due, kStart + 60 * kMinute);  // sla 1h
  EXPECT_FALSE(c.overdue);
  EXPECT_EQ(dims(c), "segment=Gold;region=EU;vip=false;score=7;");

  const auto priorities = rec.find("R1", "", RecordKind::Priority);
  ASSERT_EQ(priorities.size(), 2u);
  EXPECT_EQ(priorities[0].at, kStart + 10 * kMinute);
  EXPECT_EQ(priorities[0].previous_priority, 100);
  EXPECT_EQ(priorities[0].priority, 110);
  EXPECT_EQ(priorities[0].reason, "age");
  EXPECT_EQ(priorities[0].actor, "rules");

  const auto widened = rec.find("R1", "", RecordKind::Widen);
  ASSERT_EQ(widened.size(), 1u);
  EXPECT_EQ(widened[0].stage, 1);
  EXPECT_EQ(widened[0].actor, "rules");

  const auto offered = rec.find("R1", "offered");
  ASSERT_EQ(offered.size(), 2u);  // the offer, then the update that keeps it
  EXPECT_EQ(offered[0].agent, "ann");
  EXPECT_EQ(offered[0].actor, "rules");
  EXPECT_EQ(offered[1].reason, "update");
  EXPECT_EQ(offered[1].actor, "crm");
  // The update left region absent and made vip true: an absent value is left out.
  EXPECT_EQ(dims(offered[1]), "segment=Gold;vip=true;score=7;");

  const auto assigned = rec.find("R1", "assigned");
  ASSERT_EQ(assigned.size(), 1u);
  EXPECT_EQ(assigned[0].actor, "ann-token");
  EXPECT_EQ(dims(assigned[0]), "segment=Gold;vip=true;score=7;last_agent=ann;");

  // Completed after its due instant: overdue, read from the item as it ended.
  const auto completed = rec.find("R1", "completed");
  ASSERT_EQ(completed.size(), 1u);
  EXPECT_EQ(completed[0].from, "done_pending");
  ASSERT_TRUE(completed[0].due);
  EXPECT_EQ(*completed[0].due, kStart + 60 * kMinute);
  EXPECT_TRUE(completed[0].overdue);
  EXPECT_EQ(completed[0].actor, "crm");

  for (std::size_t k = 0; k < rec.records.size(); ++k) EXPECT_EQ(rec.records[k].seq, static_cast<std::int64_t>(k + 1));
}

TEST(Recorder, RejectionHasNoClassification) {
  Recording rec("regions.iwd");
  rec.line(R"({"at": "0s", "capture": {"id": "R2", "region": "US", "score": -1}})");
  const auto rejected = rec.find("R2", "rejected");
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].process, "");
  EXPECT_EQ(rejected[0].department, "");
  EXPECT_FALSE(rejected[0].due);
  EXPECT_FALSE(rejected[0].overdue);
  EXPECT_NE(rejected[0].detail.find("no process takes the item"), std::string::npos);
  EXPECT_EQ(dims(rejected[0]), "segment=Silver;region=US;vip=false;score=-1;");
}

TEST(Recorder, AgentEventsAndTimers) {
  Recording rec("desk.iwd");
  rec.line(R"({"at": "0s", "agent": {"id": "bob", "skills": {"phone": 5}, "state": "not_ready", "reason": "lunch"}})",
           "sup");
  rec.line(R"({"at": "0s", "agent": {"id": "ann", "skills": {"phone": 5}}})");
  rec.line(R"({"at": "1s", "capture": {"id": "C1", "kind": "Call"}})");
  rec.line(R"({"at": "1m", "agent": {"id": "bob", "state": "ready"}})", "sup");

  const auto bob = rec.find("", "not_ready", RecordKind::Agent);
  ASSERT_GE(bob.size(), 1u);
  EXPECT_EQ(bob[0].agent, "bob");
  EXPECT_EQ(bob[0].from, "logged_out");
  EXPECT_EQ(bob[0].reason, "lunch");
  EXPECT_EQ(bob[0].actor, "sup");
  EXPECT_EQ(bob[0].item, "");
  EXPECT_EQ(bob[0].process, "");

  // ann lets C1 ring out: the runtime returns it by itself (timer), ann goes not ready (rona).
  const auto returned = rec.find("C1", "queued");
  ASSERT_EQ(returned.size(), 2u);
  EXPECT_EQ(returned[1].reason, "offer_timeout");
  EXPECT_EQ(returned[1].from, "offered");
  EXPECT_EQ(returned[1].agent, "ann");
  EXPECT_EQ(returned[1].actor, "timer");
  bool rona = false;
  for (const Record& r : rec.records)
    if (r.kind == RecordKind::Agent && r.agent == "ann" && r.to == "not_ready") {
      rona = true;
      EXPECT_EQ(r.reason, "rona");
      EXPECT_EQ(r.actor, "timer");
      EXPECT_EQ(r.at, returned[1].at);
    }
  EXPECT_TRUE(rona);
}

TEST(Recorder, OutcomeOfDoneAndComplete) {
  Recording rec("leads.iwd");
  rec.line(R"({"at": "0s", "agent": {"id": "ann", "skills": {"sales": 3}}})");
  rec.line(R"({"at": "0s", "capture": {"id": "L1"}})");
  rec.line(R"({"at": "1s", "accept": "L1"})");
  rec.line(R"({"at": "2s", "done": {"item": "L1", "outcome": "converted"}})");
  rec.line(R"({"at": "3s", "complete": "L1"})");
  const auto done = rec.find("L1", "done_pending");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_EQ(done[0].outcome, "converted");
  EXPECT_EQ(done[0].department, "");  // the default process has no department
  EXPECT_EQ(done[0].process, "Leads");
  EXPECT_EQ(done[0].dimensions.size(), 2u);
}

TEST(Recorder, ActorOfCauses) {
  runtime::Event e;
  e.cause = runtime::Cause::Expire;
  EXPECT_EQ(actor_of(e, "crm"), "timer");
  e.cause = runtime::Cause::Offer;
  EXPECT_EQ(actor_of(e, "crm"), "rules");
  e.cause = runtime::Cause::Cancel;
  EXPECT_EQ(actor_of(e, "crm"), "crm");
  EXPECT_EQ(actor_of(e, ""), "timer");
}

}  // namespace
}  // namespace iwd::history
