// The replay driver (runtime/replay) over FakeRules: script lines, output, bad lines.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "runtime/replay/replay.h"
#include "tests/unit/runtime/fake_rules.h"

namespace iwd::runtime::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr std::int64_t kStart = 1767603600000;  // 2026-01-05T09:00:00Z

std::vector<std::string> replay(const std::string& script, replay::ReplayOptions options = {}, replay::ReplaySummary* out = nullptr) {
  StringPool pool;
  FakeRules rules(pool);
  std::istringstream in(script);
  std::ostringstream printed;
  replay::ReplaySummary summary;
  std::string error;
  EXPECT_TRUE(replay::run(rules.table(), pool, in, printed, options, &summary, &error)) << error;
  if (out) *out = summary;
  std::vector<std::string> lines;
  std::istringstream split(printed.str());
  for (std::string l; std::getline(split, l);) lines.push_back(l);
  return lines;
}

TEST(ReplayScript, ParsesDurationsInstantsAndOneOperation) {
  replay::ScriptLine l;
  EXPECT_EQ(replay::parse_line(R"j({"at": "90s", "cancel": "W1"})j", kStart, &l), "");
  EXPECT_EQ(l.at, kStart + 90'000);
  EXPECT_EQ(l.op, replay::Op::Cancel);
  EXPECT_EQ(l.value, nlohmann::json("W1"));  // parsed once, here
  EXPECT_EQ(replay::parse_line(R"j({"at": "2026-01-05T10:00:00+01:00"})j", kStart, &l), "");
  EXPECT_EQ(l.at, kStart);
  EXPECT_EQ(l.op, replay::Op::None);
  EXPECT_EQ(replay::parse_line(R"j({"at": "1s", "hold": "A", "resume": "A"})j", kStart, &l),
            "a line holds one operation; this one has `hold` and `resume`");
  EXPECT_EQ(replay::parse_line(R"j({"at": "1s", "rezume": "A"})j", kStart, &l), "unknown operation `rezume` (did you mean `resume`?)");
  EXPECT_EQ(replay::parse_line(R"j({"at": 5})j", kStart, &l),
            "`at` is a duration from the start (\"90s\") or an instant (\"2026-11-23T09:00:00Z\")");
  EXPECT_EQ(replay::parse_line(R"j({"cancel": "W1"})j", kStart, &l), "a script line needs `at`");
  EXPECT_EQ(replay::parse_line(R"j([1])j", kStart, &l), "a script line is a JSON object like {\"at\": \"90s\", \"capture\": {...}}");
  EXPECT_THAT(replay::parse_line(R"j({"at": )j", kStart, &l), ::testing::StartsWith("malformed JSON: "));
  EXPECT_EQ(replay::parse_line(R"j({"start": "2026-01-05T09:00:00Z"})j", kStart, &l), "");
  EXPECT_EQ(replay::parse_line(R"j({"start": "2026-01-05T09:00:00Z", "at": "1s"})j", kStart, &l), "a `start` line has no `at`");
}

// A service's journal names who captured each item (`by`): read, and refused when not a name.
TEST(ReplayScript, ByNamesWhoMadeTheChange) {
  replay::ScriptLine l;
  EXPECT_EQ(replay::parse_line(R"j({"at": "1s", "capture": {"id": "C1"}, "by": "crm"})j", kStart, &l), "");
  EXPECT_EQ(l.op, replay::Op::Capture);
  EXPECT_EQ(l.by, "crm");
  EXPECT_EQ(replay::parse_line(R"j({"at": "1s", "cancel": "C1"})j", kStart, &l), "");
  EXPECT_EQ(l.by, "");
  EXPECT_EQ(replay::parse_line(R"j({"at": "1s", "cancel": "C1", "by": 3})j", kStart, &l),
            "`by` names who made the change (a string)");
}

TEST(Replay, PrintsEveryEventAsOneJsonLine) {
  const auto lines = replay(R"j(// a comment
{"at": "0s", "agent": {"id": "a1", "skills": {"phone": 3}}}

{"at": "1s", "capture": {"id": "C1", "kind": "Call"}}
{"at": "2s", "accept": {"item": "C1", "agent": "a1"}}
)j");
  EXPECT_THAT(lines, ElementsAre(
      R"j({"at":"2026-01-05T09:00:00Z","event":"agent","agent":"a1","from":"logged_out","to":"ready"})j",
      R"j({"at":"2026-01-05T09:00:01Z","event":"item","item":"C1","from":"none","to":"queued","reason":"capture","process":"Voice.Inbound","priority":5000})j",
      R"j({"at":"2026-01-05T09:00:01Z","event":"item","item":"C1","from":"queued","to":"offered","reason":"offer","agent":"a1","process":"Voice.Inbound","priority":5000})j",
      R"j({"at":"2026-01-05T09:00:02Z","event":"item","item":"C1","from":"offered","to":"assigned","reason":"accept","agent":"a1","process":"Voice.Inbound","priority":5000})j"));
}

TEST(Replay, DeadlinesFireAtTheirInstantsBeforeTheLine) {
  const auto lines = replay(R"j({"start": "2026-01-05T10:00:00Z"}
{"at": "0s", "capture": {"id": "C1", "kind": "Call"}}
{"at": "6m"}
)j");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_THAT(lines[1], HasSubstr(R"j("at":"2026-01-05T10:05:00Z","event":"priority","item":"C1")j"));
  EXPECT_THAT(lines[2], HasSubstr(R"j("at":"2026-01-05T10:06:00Z","event":"priority","item":"C1")j"));
}

TEST(Replay, AutoAcceptAcceptsEveryOfferAtOnce) {
  replay::ReplayOptions options;
  options.auto_accept = true;
  const auto lines = replay(R"j({"at": "0s", "agent": {"id": "a1", "skills": {"phone": 3}}}
{"at": "1s", "capture": {"id": "C1", "kind": "Call"}}
)j", options);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_THAT(lines[3], HasSubstr(R"j("at":"2026-01-05T09:00:01Z","event":"item","item":"C1","from":"offered","to":"assigned")j"));
}

TEST(Replay, BadLinesAreReportedAndTheRestGoesOn) {
  replay::ReplaySummary summary;
  const auto lines = replay(R"j({"at": "1m", "capture": {"id": "C1", "kind": "Call"}}
{"at": "30s", "cancel": "C1"}
{"at": "2m", "agent": {"id": "a1", "skils": {}}}
{"at": "2m", "agent": {"id": "a1", "capacity": "standrd"}}
{"at": "2m", "agent": {"id": "a1", "reason": "lunch"}}
{"at": "2m", "update": {"id": "C1", "kind": "Lead", "level": -1}}
{"at": "2m", "transfer": {"item": "C1"}}
{"at": "2m", "start": "2026-01-05T09:00:00Z"}
{"at": "3m", "cancel": "C1"}
)j", {}, &summary);
  EXPECT_THAT(lines, ElementsAre(
      HasSubstr(R"j("item":"C1","from":"none","to":"queued")j"),
      R"j({"error":"`at` 2026-01-05T09:00:30Z is before the previous line's 2026-01-05T09:01:00Z: time does not go back","line":2})j",
      R"j({"error":"agent: unknown field `skils` (did you mean `skills`?)","line":3})j",
      R"j({"error":"agent: no capacity `standrd` in the rules (did you mean `standard`?)","line":4})j",
      R"j({"error":"agent: `reason` goes with \"state\": \"not_ready\" or \"logged_out\"","line":5})j",
      HasSubstr(R"j({"error":"update: update of `C1` refused, the rules reject the new attributes: no process)j"),
      R"j({"error":"transfer: expected {\"item\": ID, \"to\": AGENT}","line":7})j",
      R"j({"error":"a `start` line has no `at`","line":8})j",
      HasSubstr(R"j("at":"2026-01-05T09:03:00Z","event":"item","item":"C1","from":"queued","to":"canceled")j")));
  EXPECT_EQ(summary.errors, 7u);
  EXPECT_EQ(summary.operations, 2u);
}

}  // namespace
}  // namespace iwd::runtime::testing
