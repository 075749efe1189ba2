#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/item_json.h"

namespace iwd::runtime {
namespace {

using stdlib::Instant;

constexpr Instant kCapture{1'795'424'400'000};  // 2026-11-23T09:00:00Z

Schema schema() {
  Schema s = Schema::core();
  s.enums.push_back({"Segment", {"Gold", "Silver", "Bronze"}});
  auto add = [&s](std::string name, SlotType t, bool opt, bool req, int en = -1) {
    s.attributes.push_back({std::move(name), t, opt, req, en, std::nullopt});
  };
  add("vip", SlotType::Bool, true, false);
  add("count", SlotType::Int, true, false);
  add("deal_value", SlotType::Number, true, false);
  add("department", SlotType::String, false, true);
  add("opened", SlotType::Time, true, false);
  add("wait", SlotType::Duration, true, false);
  add("segment", SlotType::Enum, true, false, 0);
  add("tags", SlotType::StringList, true, false);
  add("codes", SlotType::IntList, true, false);
  add("segments", SlotType::EnumList, true, false, 0);
  add("color", SlotType::String, true, false);
  AttributeSpec level{"level", SlotType::Int, false, false, -1, DefaultValue{}};
  level.default_value->integer = 3;
  s.attributes.push_back(level);
  AttributeSpec tier{"tier", SlotType::Enum, false, false, 0, DefaultValue{}};
  tier.default_value->integer = 2;
  s.attributes.push_back(tier);
  EXPECT_EQ(s.validate(), "");
  return s;
}

DecodeOptions opts() {
  DecodeOptions o;
  o.captured_at = kCapture;
  o.default_id = "test";
  return o;
}

struct ItemJson : ::testing::Test {
  Schema s = schema();
  StringPool pool;
  ParseResult<ItemRecord> decode(std::string_view j, DecodeOptions o = opts()) {
    return decode_item(s, pool, j, o);
  }
  std::string error(std::string_view j, DecodeOptions o = opts()) { return decode(j, o).error; }
  std::uint32_t slot(std::string_view n) { return static_cast<std::uint32_t>(s.find(n)); }
};

TEST_F(ItemJson, DecodesEverySlotType) {
  auto r = decode(R"({"id":"A-1","vip":true,"count":2.0,"deal_value":12.5,"department":"Sales",
    "opened":"2026-11-23T10:00:00+01:00","wait":"72h","segment":"Segment.Gold",
    "tags":["x","y"],"codes":[1,-2,3],"segments":["Bronze","Segment.Silver"]})");
  ASSERT_TRUE(r) << r.error;
  const ItemRecord& it = r.value;
  EXPECT_EQ(pool.view(it.get_string(kSlotId)), "A-1");
  EXPECT_EQ(pool.view(it.get_string(kSlotSource)), "api");
  EXPECT_EQ(pool.view(it.get_string(kSlotMedia)), "workitem");
  EXPECT_EQ(it.get_int(kSlotCapturedAt), kCapture.ms_since_epoch);
  EXPECT_FALSE(it.present(kSlotDueAt));
  EXPECT_TRUE(it.get_bool(slot("vip")));
  EXPECT_EQ(it.get_int(slot("count")), 2);
  EXPECT_EQ(it.get_number(slot("deal_value")), 12.5);
  EXPECT_EQ(it.get_string(slot("department")), *pool.find("Sales"));
  EXPECT_EQ(it.get_int(slot("opened")), kCapture.ms_since_epoch);
  EXPECT_EQ(it.get_int(slot("wait")), 72 * 3600 * 1000);
  EXPECT_EQ(it.get_int(slot("segment")), 0);
  EXPECT_EQ(it.list(slot("tags")).size(), 2u);
  EXPECT_TRUE(iwd_rt_list_contains(&it, slot("tags"), *pool.find("y")));
  EXPECT_TRUE(iwd_rt_list_contains(&it, slot("codes"), -2));
  EXPECT_TRUE(iwd_rt_list_contains(&it, slot("segments"), 2));
  EXPECT_FALSE(iwd_rt_list_contains(&it, slot("segments"), 0));
  EXPECT_EQ(it.get_int(slot("level")), 3);  // default
  EXPECT_EQ(it.get_int(slot("tier")), 2);   // enum default

  const std::string out = encode_item(s, pool, it);
  auto again = decode(out);
  ASSERT_TRUE(again) << again.error << "\n" << out;
  EXPECT_EQ(again.value, it);
  EXPECT_EQ(encode_item(s, pool, again.value), out);
  EXPECT_NE(out.find(R"("opened":"2026-11-23T09:00:00Z")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("segment":"Gold")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("wait":"3d")"), std::string::npos) << out;
}

TEST_F(ItemJson, DefaultsAndGivenCoreValues) {
  auto r = decode(R"({"department":"X","source":"mail","captured_at":"2026-01-01T00:00:00Z",
                      "level":9,"due_at":"2026-01-02T00:00:00Z"})");
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(pool.view(r.value.get_string(kSlotId)), "test");
  EXPECT_EQ(pool.view(r.value.get_string(kSlotSource)), "mail");
  EXPECT_EQ(r.value.get_int(kSlotCapturedAt), 1'767'225'600'000);
  EXPECT_TRUE(r.value.present(kSlotDueAt));
  EXPECT_EQ(r.value.get_int(slot("level")), 9);
}

TEST_F(ItemJson, NullIsAbsentForOptionalOnly) {
  auto r = decode(R"({"department":"X","vip":null,"due_at":null,"tags":null})");
  ASSERT_TRUE(r) << r.error;
  EXPECT_FALSE(r.value.present(slot("vip")));
  EXPECT_FALSE(r.value.present(kSlotDueAt));
  EXPECT_FALSE(r.value.present(slot("tags")));
  EXPECT_EQ(error(R"({"department":null})"),
            "attribute `department`: null is not allowed, the attribute is not optional");
  EXPECT_EQ(error(R"({"department":"X","level":null})"),
            "attribute `level`: null is not allowed, the attribute is not optional");
}

TEST_F(ItemJson, ErrorMessages) {
  EXPECT_EQ(error(R"({"department":"X","colour":"red"})"),
            "unknown attribute `colour` (did you mean `color`?)");
  EXPECT_EQ(error(R"({"department":"X","zzzzzz":1})"), "unknown attribute `zzzzzz`");
  EXPECT_EQ(error(R"({"department":"X","segment":"Platinum"})"),
            "attribute `segment`: `Platinum` is not a value of Segment (Gold, Silver, Bronze)");
  EXPECT_EQ(error(R"({"department":"X","deal_value":"12"})"),
            "attribute `deal_value`: expected a number, got a string");
  EXPECT_EQ(error(R"({"id":"a"})"), "missing required attribute `department`");
  DecodeOptions no_id = opts();
  no_id.default_id.reset();
  EXPECT_EQ(error(R"({"department":"X"})", no_id), "missing required attribute `id`");
  EXPECT_EQ(error(R"({"department":"X","count":1.5})"),
            "attribute `count`: expected an integer, got 1.5, which is not integral");
  EXPECT_EQ(error(R"({"department":"X","count":"1"})"),
            "attribute `count`: expected an integer, got a string");
  EXPECT_EQ(error(R"({"department":"X","count":18446744073709551615})"),
            "attribute `count`: integer 18446744073709551615 is out of range");
  EXPECT_EQ(error(R"({"department":"X","vip":1})"), "attribute `vip`: expected a bool, got a number");
  EXPECT_EQ(error(R"({"department":"X","tags":"a"})"), "attribute `tags`: expected a list, got a string");
  EXPECT_EQ(error(R"({"department":"X","codes":[1,"2"]})"),
            "attribute `codes`: element 1: expected an integer, got a string");
  EXPECT_EQ(error(R"({"department":"X","segments":["Gold",{}]})"),
            "attribute `segments`: element 1: expected a value of Segment, got an object");
  EXPECT_NE(error(R"({"department":"X","wait":"5x"})").find("attribute `wait`: unknown unit"),
            std::string::npos);
  EXPECT_NE(error(R"({"department":"X","opened":"2026-13-01T00:00Z"})").find("attribute `opened`: month 13"),
            std::string::npos);
  EXPECT_EQ(error("[1]"), "expected a JSON object of attributes, got a list");
  const std::string m = error(R"({"department": "X",, })");
  EXPECT_EQ(m.rfind("malformed JSON at offset 19: ", 0), 0u) << m;
  EXPECT_EQ(error("").rfind("malformed JSON at offset 0: ", 0), 0u);
}

// The runtime decodes script lines and request bodies from their parsed values
// (decode_item_object) and merges updates into encode_item_object: each must be the text
// form's exact equal, results and messages.
TEST_F(ItemJson, ParsedFormsAgreeWithTheText) {
  const char* corpus[] = {
      R"({"id":"A-1","vip":true,"count":2.0,"deal_value":12.5,"department":"Sales","opened":"2026-11-23T10:00:00+01:00",
          "wait":"72h","segment":"Segment.Gold","tags":["x","y"],"codes":[1,-2,3],"segments":["Bronze","Segment.Silver"]})",
      R"({"department":"X","vip":null,"due_at":null,"tags":null,"count":-9223372036854775808,"deal_value":1e308})",
      R"({"department":"X","colour":"red"})",
      R"({"department":"X","count":1.5})",
      R"({"department":"X","count":18446744073709551615})",
      R"({"department":"X","segments":["Gold",{}]})",
      R"({"department":null})",
      R"({"id":"a"})",
      R"([1])",
  };
  for (const char* text : corpus) {
    const auto from_text = decode(text);
    const auto from_value = decode_item_object(s, pool, nlohmann::json::parse(text), opts());
    EXPECT_EQ(from_value.ok(), from_text.ok()) << text;
    EXPECT_EQ(from_value.error, from_text.error) << text;
    if (!from_text.ok()) continue;
    EXPECT_EQ(from_value.value, from_text.value) << text;
    EXPECT_EQ(encode_item_object(s, pool, from_text.value), nlohmann::json::parse(encode_item(s, pool, from_text.value))) << text;
  }
  // An item with nothing present is an empty object, not null.
  EXPECT_EQ(encode_item_object(s, pool, ItemRecord(s)), nlohmann::json::object());
}

// encode_item and append_json_string write their text directly (an answer's attributes, ids,
// names): the same bytes as dumping each attribute's JSON value with the replacing error
// handler, in schema order, whatever the strings hold.
TEST_F(ItemJson, EncodeItemWritesWhatTheValuesDump) {
  const auto dumped = [](const nlohmann::json& v) { return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); };
  const std::string strings[] = {"",       "plain id-1 ~!@#$%^&*()_+=/",
                                 "q\"uote", "back\\slash",
                                 "tab\tnl\ncr\r\b\f", std::string("nul\0x", 5),
                                 "\x01\x1f\x7f del",  "Caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
                                 "bad \xff\xfe utf8",    "cut \xc3",
                                 "\xe2\x82 two of three"};
  for (const std::string& text : strings) {
    std::string out = "prefix";
    append_json_string(&out, text);
    EXPECT_EQ(out, "prefix" + dumped(nlohmann::json(text))) << text;
  }
  // Every slot type, the strings above as values and list elements, numbers at their edges,
  // an enum index out of range and a string id not in the pool (null).
  const std::int64_t missing = 1'000'000;
  const double numbers[] = {0.0, -0.0, 0.1, 12.5, 1e308, -1e-300, 3.0, 1.0 / 3.0, std::numeric_limits<double>::quiet_NaN()};
  for (std::size_t k = 0; k < std::size(strings); ++k) {
    ItemRecord it(s);
    it.set_string(kSlotId, pool.intern(strings[k]));
    it.set_bool(slot("vip"), k % 2 == 0);
    it.set_int(slot("count"), k == 0 ? std::numeric_limits<std::int64_t>::min() : -static_cast<std::int64_t>(k) * 1000003);
    it.set_number(slot("deal_value"), numbers[k % std::size(numbers)]);
    it.set_string(slot("department"), pool.intern(strings[(k + 1) % std::size(strings)]));
    it.set_int(slot("opened"), kCapture.ms_since_epoch + static_cast<std::int64_t>(k) * 123457);
    it.set_int(slot("wait"), static_cast<std::int64_t>(k) * 3'600'001);
    it.set_int(slot("segment"), k % 2 == 0 ? static_cast<std::int64_t>(k % 3) : 7);
    std::vector<std::int64_t> tags;
    for (std::size_t j = 0; j < k % 4; ++j) tags.push_back(pool.intern(strings[(k + j) % std::size(strings)]));
    if (k % 3 == 1) tags.push_back(missing);
    it.set_list(slot("tags"), tags);
    it.set_list(slot("codes"), k % 2 ? std::vector<std::int64_t>{} : std::vector<std::int64_t>{1, -2, 9'000'000'000});
    it.set_list(slot("segments"), {static_cast<std::int64_t>(k % 3), -1, 2});
    if (k % 2) it.set_string(slot("color"), static_cast<std::uint32_t>(missing));
    // The text each_attribute's values gave: encode_item_object's values in schema order.
    const nlohmann::json object = encode_item_object(s, pool, it);
    std::string expected = "{";
    for (const AttributeSpec& a : s.attributes)
      if (object.contains(a.name)) expected += (expected.size() > 1 ? "," : "") + dumped(a.name) + ":" + dumped(object[a.name]);
    expected += "}";
    EXPECT_EQ(encode_item(s, pool, it), expected) << k;
    std::string appended = "[1,";
    append_item(&appended, s, pool, it);
    EXPECT_EQ(appended, "[1," + expected) << k;
  }
}

TEST_F(ItemJson, DidYouMeanForEnumValues) {
  EXPECT_EQ(error(R"({"department":"X","segment":"Gol"})"),
            "attribute `segment`: `Gol` is not a value of Segment (Gold, Silver, Bronze); did you "
            "mean `Gold`?");
}

TEST_F(ItemJson, HugeAndOddInputs) {
  // Deep nesting: rejected before parsing.
  std::string deep = R"({"department":"X","tags":)" + std::string(100000, '[');
  EXPECT_NE(error(deep).find("nesting deeper than 64"), std::string::npos);
  std::string deep_closed = "{\"tags\":" + std::string(5000, '[') + std::string(5000, ']') + "}";
  EXPECT_NE(error(deep_closed).find("nesting"), std::string::npos);
  // Brackets inside strings do not count.
  auto br = decode(R"({"department":")" + std::string(1000, '[') + R"("})");
  EXPECT_TRUE(br) << br.error;
  // A 1 MB string.
  std::string big(1 << 20, 'a');
  auto r = decode(R"({"department":")" + big + R"("})");
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(pool.view(r.value.get_string(slot("department"))).size(), big.size());
  // Invalid UTF-8 inside a JSON string: an error, not a crash.
  EXPECT_EQ(error("{\"department\":\"\xff\xfe\"}").rfind("malformed JSON at offset", 0), 0u);
  EXPECT_EQ(error("{\"department\":\"\xc3\"}").rfind("malformed JSON at offset", 0), 0u);
  // Valid UTF-8 and escapes survive a round trip.
  auto u = decode(R"({"department":"Caf\u00e9 \"q\" \\ \n"})");
  ASSERT_TRUE(u) << u.error;
  auto u2 = decode(encode_item(s, pool, u.value));
  ASSERT_TRUE(u2) << u2.error;
  EXPECT_EQ(u2.value, u.value);
  // NUL bytes, truncations, garbage.
  EXPECT_FALSE(decode(std::string_view("{\"a\0\":1}", 8)));
  const std::string good = R"({"department":"X","tags":["a"],"count":2,"segment":"Gold"})";
  for (size_t n = 0; n < good.size(); ++n) EXPECT_FALSE(decode(good.substr(0, n)));
  for (size_t i = 0; i < good.size(); ++i)
    for (char c : {'\0', '"', '[', '}', '\\', '\xff', '1'}) {
      std::string bad = good;
      bad[i] = c;
      auto x = decode(bad);
      if (!x) {
        EXPECT_FALSE(x.error.empty());
      }
    }
  // Duplicate keys: the last wins (nlohmann behaviour).
  auto d = decode(R"({"department":"A","department":"B"})");
  ASSERT_TRUE(d) << d.error;
  EXPECT_EQ(pool.view(d.value.get_string(slot("department"))), "B");
  // Extreme numbers.
  EXPECT_FALSE(decode(R"({"department":"X","count":1e400})"));
  auto e = decode(R"({"department":"X","deal_value":1e308,"count":-9223372036854775808})");
  ASSERT_TRUE(e) << e.error;
  EXPECT_EQ(e.value.get_int(slot("count")), INT64_MIN);
  EXPECT_NE(error(R"({"department":"X","count":9.3e18})").find("out of range"), std::string::npos);
}

}  // namespace
}  // namespace iwd::runtime
