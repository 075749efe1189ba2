// Field mapping per source (mapping/mapping.h): every kind of rule, every apply-time error and
// the configuration's checks, each naming the key, the source and the rule.
#include <gtest/gtest.h>

#include "mapping/mapping.h"

namespace iwd::mapping {
namespace {

using json = nlohmann::json;

Mapping parsed(const json& j) {
  std::string error;
  auto m = parse_mapping("crm", j, &error);
  EXPECT_TRUE(m) << error;
  return m ? *m : Mapping{};
}

std::string config_error(const json& j) {
  std::string error;
  EXPECT_FALSE(parse_mapping("crm", j, &error));
  return error;
}

json mapped(const Mapping& m, const json& body) {
  std::string error;
  auto out = apply(m, body, &error);
  EXPECT_TRUE(out) << error;
  return out ? *out : json();
}

std::string apply_error(const Mapping& m, const json& body) {
  std::string error;
  EXPECT_FALSE(apply(m, body, &error));
  return error;
}

TEST(Mapping, RenamesReadsPathsAndSetsConstants) {
  const Mapping m = parsed({{"rules", {{{"to", "id"}, {"from", "Id"}},
                                      {{"to", "department"}, {"set", "Sales"}},
                                      {{"to", "product"}, {"from", "case.product.name"}},
                                      {{"to", "first_tag"}, {"from", "tags.0"}}}}});
  EXPECT_EQ(mapped(m, {{"Id", "00Q1"}, {"case", {{"product", {{"name", "GC5000"}}}}}, {"tags", {"a", "b"}}, {"Other", 1}}),
            json({{"id", "00Q1"}, {"department", "Sales"}, {"product", "GC5000"}, {"first_tag", "a"}}));
}

TEST(Mapping, OthersKeepPassesUnreadTopLevelFields) {
  const Mapping m = parsed({{"others", "keep"}, {"rules", {{{"to", "segment"}, {"from", "tier"}}}}});
  EXPECT_EQ(mapped(m, {{"id", "C1"}, {"tier", "Gold"}, {"department", "Sales"}}),
            json({{"id", "C1"}, {"segment", "Gold"}, {"department", "Sales"}}));
}

TEST(Mapping, MissingFieldsAreErrorsUnlessOptionalOrDefaulted) {
  const Mapping m = parsed({{"rules", {{{"to", "id"}, {"from", "Id"}},
                                      {{"to", "deal_value"}, {"from", "Amount"}, {"optional", true}},
                                      {{"to", "segment"}, {"from", "Tier"}, {"default", "Bronze"}}}}});
  EXPECT_EQ(mapped(m, {{"Id", "1"}, {"Amount", nullptr}}), json({{"id", "1"}, {"segment", "Bronze"}}));
  EXPECT_EQ(apply_error(m, {{"Name", "x"}}), "field \"Id\" is missing");
  const Mapping nested = parsed({{"rules", {{{"to", "id"}, {"from", "case.number"}}}}});
  EXPECT_EQ(apply_error(nested, {{"case", "not an object"}}), "field \"case.number\" is missing");
  EXPECT_EQ(apply_error(nested, json::array()), "a source with a mapping posts a JSON object");
}

TEST(Mapping, MapsValuesWithADefaultOrAnError) {
  const json rules = {{{"to", "id"}, {"from", "number"}},
                      {{"to", "segment"}, {"from", "priority"}, {"map", {{"P1", "Gold"}, {"P2", "Silver"}, {"1", "Gold"}}}}};
  const Mapping strict = parsed({{"rules", rules}});
  EXPECT_EQ(mapped(strict, {{"number", "INC1"}, {"priority", "P1"}})["segment"], "Gold");
  EXPECT_EQ(mapped(strict, {{"number", "INC1"}, {"priority", 1}})["segment"], "Gold");  // a number by its text
  EXPECT_EQ(apply_error(strict, {{"number", "INC1"}, {"priority", "P9"}}),
            "field \"priority\": \"P9\" is not mapped (mapped: \"1\", \"P1\", \"P2\")");
  json with_default = rules;
  with_default[1]["default"] = "Bronze";
  EXPECT_EQ(mapped(parsed({{"rules", with_default}}), {{"number", "INC1"}, {"priority", "P9"}})["segment"], "Bronze");
}

TEST(Mapping, ConvertsToNumbersAndStrings) {
  const Mapping m = parsed({{"rules", {{{"to", "id"}, {"from", "sys_id"}, {"as", "string"}},
                                      {{"to", "deal_value"}, {"from", "amount"}, {"as", "number"}}}}});
  EXPECT_EQ(mapped(m, {{"sys_id", 1001}, {"amount", "1500.50"}}), json({{"id", "1001"}, {"deal_value", 1500.5}}));
  EXPECT_EQ(apply_error(m, {{"sys_id", 1}, {"amount", "12x"}}), "field \"amount\": \"12x\" is not a number");
  EXPECT_EQ(apply_error(m, {{"sys_id", json::object()}, {"amount", 1}}),
            "field \"sys_id\": {} is not a string, a number or a boolean");
}

TEST(Mapping, ReadsTimestampsInANamedFormatAndZone) {
  const Mapping m = parsed({{"rules", {{{"to", "id"}, {"from", "id"}},
                                      {{"to", "due_at"}, {"from", "opened"}, {"time", "%d/%m/%Y %H:%M"}, {"zone", "Europe/Berlin"}}}}});
  EXPECT_EQ(mapped(m, {{"id", "1"}, {"opened", "31/12/2026 17:00"}})["due_at"], "2026-12-31T16:00:00Z");   // CET
  EXPECT_EQ(mapped(m, {{"id", "1"}, {"opened", "01/07/2026 17:00"}})["due_at"], "2026-07-01T15:00:00Z");   // CEST
  EXPECT_EQ(apply_error(m, {{"id", "1"}, {"opened", "31/12/2026 25:00"}}),
            "field \"opened\": \"31/12/2026 25:00\" does not match format \"%d/%m/%Y %H:%M\": hour 25 is out of range (0..23)");
  EXPECT_EQ(apply_error(m, {{"id", "1"}, {"opened", "31-12-2026 17:00"}}),
            "field \"opened\": \"31-12-2026 17:00\" does not match format \"%d/%m/%Y %H:%M\": `-` where `/` is expected");
  EXPECT_EQ(apply_error(m, {{"id", "1"}, {"opened", "30/02/2026 17:00"}}),
            "field \"opened\": \"30/02/2026 17:00\" does not match format \"%d/%m/%Y %H:%M\": day 30 is out of range (1..28)");
  EXPECT_EQ(apply_error(m, {{"id", "1"}, {"opened", "31/12/2026 17:00 extra"}}),
            "field \"opened\": \"31/12/2026 17:00 extra\" does not match format \"%d/%m/%Y %H:%M\": \" extra\" is left over");
  EXPECT_EQ(apply_error(m, {{"id", "1"}, {"opened", 5}}),
            "field \"opened\": 5 does not match format \"%d/%m/%Y %H:%M\": expected a string");
}

TEST(Mapping, ReadsOffsetsFractionsTwelveHourClocksAndMonthNames) {
  std::string error;
  auto sf = TimeFormat::make("%Y-%m-%dT%H:%M:%S.%f%z", "", &error);  // Salesforce's datetimes
  ASSERT_TRUE(sf) << error;
  EXPECT_EQ(stdlib::format_instant(sf->read("2026-11-23T14:05:00.250+0000").value), "2026-11-23T14:05:00.250Z");
  EXPECT_EQ(stdlib::format_instant(sf->read("2026-11-23T14:05:00.000-05:00").value), "2026-11-23T19:05:00Z");
  auto us = TimeFormat::make("%b %d, %Y %I:%M %p", "America/New_York", &error);
  ASSERT_TRUE(us) << error;
  EXPECT_EQ(stdlib::format_instant(us->read("Nov 23, 2026 02:05 PM").value), "2026-11-23T19:05:00Z");
  EXPECT_EQ(stdlib::format_instant(us->read("Nov 23, 2026 12:05 AM").value), "2026-11-23T05:05:00Z");
  EXPECT_EQ(us->read("Nov 23, 2026 13:05 PM").error, "hour 13 is out of range (1..12)");
  EXPECT_EQ(us->read("Foo 23, 2026 02:05 PM").error, "no month (%b) at \"Foo 23, 2026 02:05 PM\"");
  auto sn = TimeFormat::make("%F %T", "UTC", &error);  // ServiceNow's, in UTC
  ASSERT_TRUE(sn) << error;
  EXPECT_EQ(stdlib::format_instant(sn->read("2026-11-23 09:15:00").value), "2026-11-23T09:15:00Z");
  EXPECT_EQ(sn->read("2026-11-23 09:15").error, "it ends where `:` is expected");
  auto short_year = TimeFormat::make("%d.%m.%y", "UTC", &error);
  ASSERT_TRUE(short_year) << error;
  EXPECT_EQ(stdlib::format_instant(short_year->read("24.11.26").value), "2026-11-24T00:00:00Z");
  EXPECT_EQ(short_year->read("24.11.2x").error, "no year (%y) at \"2x\"");
  EXPECT_EQ(short_year->read("24.11.").error, "it ends where the year (%y) is expected");
}

TEST(Mapping, ReadsIso8601AndEpochs) {
  std::string error;
  auto iso = TimeFormat::make("iso8601", "", &error);
  auto s = TimeFormat::make("epoch_seconds", "", &error);
  auto ms = TimeFormat::make("epoch_ms", "", &error);
  ASSERT_TRUE(iso && s && ms);
  EXPECT_EQ(stdlib::format_instant(iso->read("2026-11-23T09:00:00+01:00").value), "2026-11-23T08:00:00Z");
  EXPECT_FALSE(iso->read("2026-11-23T09:00:00").ok());  // no offset: which instant?
  EXPECT_EQ(stdlib::format_instant(s->read(1795000000).value), "2026-11-18T11:06:40Z");
  EXPECT_EQ(stdlib::format_instant(s->read("1795000000").value), "2026-11-18T11:06:40Z");
  EXPECT_EQ(stdlib::format_instant(ms->read(1795000000123).value), "2026-11-18T11:06:40.123Z");
  EXPECT_EQ(s->read("soon").error, "expected seconds (a number)");
  EXPECT_EQ(s->read(1e15).error, "the instant is outside the years 0000 to 9999");
}

TEST(Mapping, ConfigurationErrorsNameTheKeySourceAndRule) {
  EXPECT_EQ(config_error({{"rules", {{{"to", "id"}, {"from", "Id"}}, {{"to", "due_at"}, {"from", "d"}, {"time", "%d/%m %H:%M"}, {"zone", "UTC"}}}}}),
            "`mappings.crm.rules[1].time` (source `crm`, the rule giving `due_at`): format \"%d/%m %H:%M\" needs a year "
            "(%Y or %y), a month (%m or %b) and a day (%d)");
  EXPECT_EQ(config_error({{"rules", {{{"to", "id"}, {"from", "Id"}}, {{"to", "due_at"}, {"from", "d"}, {"time", "%F %T"}, {"zone", "Mars/Base"}}}}}),
            "`mappings.crm.rules[1].zone` (source `crm`, the rule giving `due_at`): `Mars/Base` is not a time zone of the tz "
            "database (e.g. \"Europe/Berlin\", \"UTC\")");
  EXPECT_EQ(config_error({{"rules", {{{"to", "id"}, {"from", "Id"}}, {{"to", "due_at"}, {"from", "d"}, {"time", "%F %T"}}}}}),
            "`mappings.crm.rules[1].time` (source `crm`, the rule giving `due_at`): format \"%F %T\" has no offset (%z): give "
            "the `zone` its wall clock is read in");
  EXPECT_EQ(config_error({{"rules", {{{"to", "id"}, {"from", "Id"}}, {{"to", "x"}, {"from", "d"}, {"time", "%Q"}}}}}),
            "`mappings.crm.rules[1].time` (source `crm`, the rule giving `x`): format \"%Q\": `%Q` is not a directive "
            "(%Y %y %m %d %H %I %M %S %f %p %b %z %T %F %%)");
  EXPECT_EQ(config_error({{"rules", {{{"to", "id"}, {"from", "Id"}}, {{"to", "id"}, {"set", "x"}}}}}),
            "`mappings.crm.rules[1].to` (source `crm`, the rule giving `id`): `id` is given by an earlier rule too");
  EXPECT_EQ(config_error({{"rules", {{{"to", "id"}, {"from", "Id"}, {"set", "x"}}}}}),
            "`mappings.crm.rules[0]` (source `crm`, the rule giving `id`): a rule has either `from` (the source's field) or "
            "`set` (a constant)");
  EXPECT_EQ(config_error({{"rules", {{{"to", "id"}, {"from", "Id"}, {"map", {{"a", "b"}}}, {"as", "number"}}}}}),
            "`mappings.crm.rules[0]` (source `crm`, the rule giving `id`): `map`, `time` and `as` are one per rule");
  EXPECT_EQ(config_error({{"rules", {{{"to", "id"}, {"from", "a..b"}}}}}),
            "`mappings.crm.rules[0].from` (source `crm`, the rule giving `id`): `from` is the source's field, a name or a path "
            "with dots (\"case.priority\")");
  EXPECT_EQ(config_error({{"rules", {{{"to", "id"}, {"from", "Id"}, {"colour", 1}}}}}),
            "`mappings.crm.rules[0].colour` (source `crm`, the rule giving `id`): unknown field `colour` (to, from, set, "
            "optional, default, map, time, zone, as)");
  EXPECT_EQ(config_error({{"rules", {{{"from", "Id"}}}}}),
            "`mappings.crm.rules[0].to` (source `crm`, rule 1): a rule names the field it gives: `to` (a non-empty string)");
  EXPECT_EQ(config_error({{"rules", {{{"to", "segment"}, {"from", "tier"}}}}}),
            "`mappings.crm.rules` (source `crm`): no rule gives the item's `id` (the source system's key), and `others` is "
            "\"drop\"");
  EXPECT_EQ(config_error({{"rules", json::array()}}),
            "`mappings.crm.rules` (source `crm`): `rules` is a non-empty array of {\"to\", \"from\" or \"set\", ...} objects");
  EXPECT_EQ(config_error({{"rules", {{{"to", "id"}, {"set", "x"}, {"optional", true}}}}}),
            "`mappings.crm.rules[0]` (source `crm`, the rule giving `id`): a constant (`set`) takes no `map`, `time`, `as`, "
            "`optional` or `default`");
  EXPECT_EQ(config_error({{"rules", {{{"to", "id"}, {"from", "x"}, {"zone", "UTC"}}}}}),
            "`mappings.crm.rules[0].zone` (source `crm`, the rule giving `id`): `zone` goes with `time`");
  EXPECT_EQ(config_error({{"others", "maybe"}, {"rules", {{{"to", "id"}, {"from", "x"}}}}}),
            "`mappings.crm.others` (source `crm`): `others` is \"drop\" or \"keep\"");
  std::string error;
  EXPECT_FALSE(TimeFormat::make("%d/%m/%Y %I:%M", "UTC", &error));
  EXPECT_EQ(error, "format \"%d/%m/%Y %I:%M\": %I (12-hour clock) goes with %p (AM/PM)");
  EXPECT_FALSE(TimeFormat::make("%FT%T%z", "UTC", &error));
  EXPECT_EQ(error, "format \"%FT%T%z\" reads the offset (%z): no zone");
}

}  // namespace
}  // namespace iwd::mapping
