#include <string>

#include <gtest/gtest.h>

#include "runtime/schema.h"

namespace iwd::runtime {
namespace {

Schema sample() {
  Schema s = Schema::core();
  s.enums.push_back({"Segment", {"Gold", "Silver", "Bronze"}});
  AttributeSpec seg{"segment", SlotType::Enum, false, false, 0, DefaultValue{}};
  seg.default_value->integer = 1;
  s.attributes.push_back(seg);
  s.attributes.push_back({"deal_value", SlotType::Number, true, false, -1, std::nullopt});
  AttributeSpec tags{"tags", SlotType::StringList, false, false, -1, DefaultValue{}};
  tags.default_value->texts = {"a", "b \"quoted\" \xc3\xa9"};
  s.attributes.push_back(tags);
  s.attributes.push_back({"department", SlotType::String, false, true, -1, std::nullopt});
  return s;
}

TEST(Schema, CoreHasTheNineCoreAttributesInOrder) {
  Schema s = Schema::core();
  ASSERT_EQ(s.attributes.size(), 9u);
  const char* names[] = {"id", "source", "media", "captured_at", "due_at", "activate_at",
                         "expire_at", "preferred_agent", "last_agent"};
  for (int i = 0; i < 9; ++i) EXPECT_EQ(s.attributes[static_cast<size_t>(i)].name, names[i]);
  EXPECT_EQ(s.attributes[kSlotLastAgent].type, SlotType::String);
  EXPECT_TRUE(s.attributes[kSlotLastAgent].optional);
  EXPECT_FALSE(s.attributes[kSlotLastAgent].default_value);
  EXPECT_EQ(s.last_agent_slot(), kSlotLastAgent);
  EXPECT_TRUE(s.set_by_runtime(kSlotLastAgent));
  EXPECT_FALSE(s.set_by_runtime(kSlotPreferredAgent));
  EXPECT_TRUE(s.attributes[kSlotId].required);
  EXPECT_EQ(s.attributes[kSlotSource].default_value->text, "api");
  EXPECT_EQ(s.attributes[kSlotMedia].default_value->text, "workitem");
  EXPECT_EQ(s.attributes[kSlotCapturedAt].type, SlotType::Time);
  EXPECT_FALSE(s.attributes[kSlotCapturedAt].required);
  EXPECT_TRUE(s.attributes[kSlotDueAt].optional);
  EXPECT_TRUE(s.attributes[kSlotPreferredAgent].optional);
  EXPECT_EQ(s.validate(), "");
}

TEST(Schema, Find) {
  Schema s = sample();
  EXPECT_EQ(s.find("id"), 0);
  EXPECT_EQ(s.find("segment"), 9);
  EXPECT_EQ(s.find("nope"), -1);
  EXPECT_EQ(s.find_enum("Segment"), 0);
}

TEST(Schema, SerializeRoundTrips) {
  Schema s = sample();
  ASSERT_EQ(s.validate(), "");
  const std::string text = s.serialize();
  auto r = Schema::parse(text);
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.value, s);
  EXPECT_EQ(r.value.serialize(), text);  // stable
  EXPECT_NE(text.find("\"version\":2"), std::string::npos);
}

// An enum with no values (`enum Kind {}`: the language allows it, `iwd check` warns W0624) is a
// valid schema that round-trips, so its bundle loads; an attribute of it can have no default.
TEST(Schema, AnEnumWithNoValuesIsValid) {
  Schema s = sample();
  s.enums.push_back({"Kind", {}});
  s.attributes.push_back({"kind", SlotType::Enum, true, false, 1, std::nullopt});
  AttributeSpec kinds{"kinds", SlotType::EnumList, false, false, 1, DefaultValue{}};
  s.attributes.push_back(kinds);  // default []
  ASSERT_EQ(s.validate(), "");
  const std::string text = s.serialize();
  auto r = Schema::parse(text);
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.value, s);
  EXPECT_EQ(r.value.enums[1].values.size(), 0u);
  EXPECT_EQ(r.value.serialize(), text);
  Schema bad = s;
  AttributeSpec defaulted{"first", SlotType::Enum, false, false, 1, DefaultValue{}};  // default index 0
  bad.attributes.push_back(defaulted);
  EXPECT_EQ(bad.validate(), "attribute `first` has a default out of its enum's range");
}

// A schema of format version 1 (a bundle built before last_agent existed) has eight core
// attributes: it is still read, kept as it is (its slot 8 is its first custom attribute, which
// may even be called last_agent), and the runtime keeps no last_agent for its items.
TEST(Schema, Version1HasEightCoreAttributesAndNoLastAgent) {
  Schema legacy = sample();
  legacy.attributes.erase(legacy.attributes.begin() + kSlotLastAgent);
  legacy.core_count = kLegacyCoreSlotCount;
  ASSERT_EQ(legacy.validate(), "");
  const std::string text = legacy.serialize();
  EXPECT_NE(text.find("\"version\":1"), std::string::npos);
  EXPECT_EQ(text.find("last_agent"), std::string::npos);
  auto r = Schema::parse(text);
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r.value, legacy);
  EXPECT_EQ(r.value.core_count, kLegacyCoreSlotCount);
  EXPECT_EQ(r.value.last_agent_slot(), -1);
  EXPECT_FALSE(r.value.set_by_runtime(kSlotLastAgent));
  EXPECT_EQ(r.value.find("segment"), 8);
  EXPECT_EQ(r.value.serialize(), text);
  // Read as version 2, the same attributes lack last_agent in slot 8: refused.
  std::string as_v2 = text;
  as_v2.replace(as_v2.find("\"version\":1"), 11, "\"version\":2");
  EXPECT_NE(Schema::parse(as_v2).error.find("core attribute 8"), std::string::npos);
  // A custom attribute named last_agent in a version 1 schema is just that.
  Schema custom = legacy;
  custom.attributes.push_back({"last_agent", SlotType::Int, false, false, -1, std::nullopt});
  auto c = Schema::parse(custom.serialize());
  ASSERT_TRUE(c) << c.error;
  EXPECT_EQ(c.value.last_agent_slot(), -1);
}

TEST(Schema, SlotTypeNames) {
  for (int i = 0; i < 10; ++i) {
    auto t = static_cast<SlotType>(i);
    EXPECT_EQ(slot_type_from_name(slot_type_name(t)), t);
  }
  EXPECT_FALSE(slot_type_from_name("float"));
}

TEST(Schema, ParseRejectsCorruptInputClearly) {
  const std::string good = sample().serialize();
  EXPECT_NE(Schema::parse("").error, "");
  EXPECT_NE(Schema::parse("{").error.find("corrupt schema"), std::string::npos);
  EXPECT_NE(Schema::parse("[]").error.find("not a schema"), std::string::npos);
  EXPECT_NE(Schema::parse(std::string(100000, '[')).error.find("nesting"), std::string::npos);
  std::string v3 = good;
  v3.replace(v3.find("\"version\":2"), 11, "\"version\":3");
  EXPECT_NE(Schema::parse(v3).error.find("version 3 is not supported"), std::string::npos);
  std::string badtype = good;
  badtype.replace(badtype.find("\"number\""), 8, "\"float\"");
  EXPECT_NE(Schema::parse(badtype).error.find("unknown type"), std::string::npos);
  std::string badenum = good;
  badenum.replace(badenum.find("\"enum\":0"), 8, "\"enum\":7");
  EXPECT_NE(Schema::parse(badenum).error.find("out of range"), std::string::npos);
  std::string nocore = good;
  nocore.replace(nocore.find("\"id\""), 4, "\"ID\"");
  EXPECT_NE(Schema::parse(nocore).error.find("core attribute"), std::string::npos);
  // Every truncation and every single-byte corruption: an error or a valid schema, no crash.
  for (size_t n = 0; n < good.size(); ++n) {
    auto r = Schema::parse(std::string_view(good).substr(0, n));
    EXPECT_FALSE(r);
  }
  for (size_t i = 0; i < good.size(); ++i) {
    for (char c : {'\0', '"', '{', ']', '9', '-', 'x', '\xff'}) {
      std::string bad = good;
      bad[i] = c;
      auto r = Schema::parse(bad);
      if (r) {
        EXPECT_EQ(r.value.validate(), "");
      } else {
        EXPECT_FALSE(r.error.empty());
      }
    }
  }
}

}  // namespace
}  // namespace iwd::runtime
