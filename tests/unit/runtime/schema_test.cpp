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

TEST(Schema, CoreHasTheEightCoreAttributesInOrder) {
  Schema s = Schema::core();
  ASSERT_EQ(s.attributes.size(), 8u);
  const char* names[] = {"id", "source", "media", "captured_at", "due_at", "activate_at",
                         "expire_at", "preferred_agent"};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(s.attributes[static_cast<size_t>(i)].name, names[i]);
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
  EXPECT_EQ(s.find("segment"), 8);
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
  EXPECT_NE(text.find("\"version\":1"), std::string::npos);
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
  std::string v2 = good;
  v2.replace(v2.find("\"version\":1"), 11, "\"version\":2");
  EXPECT_NE(Schema::parse(v2).error.find("version 2 is not supported"), std::string::npos);
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
