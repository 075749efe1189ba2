#include <set>
#include <string>

#include <gtest/gtest.h>

#include "stdlib/functions.h"
#include "stdlib/spelling.h"

namespace iwd::stdlib {
namespace {

struct Expected {
  std::string_view name;
  std::size_t min_args;
  std::size_t max_args;  // kVariadic for no limit
};

// Every function of LANGUAGE.md section 4, "Standard library", with its arity.
constexpr Expected kLanguageFunctions[] = {
    {"min", 2, kVariadic},     {"max", 2, kVariadic},   {"clamp", 3, 3},         {"abs", 1, 1},
    {"round", 1, 1},           {"floor", 1, 1},         {"ceil", 1, 1},          {"lower", 1, 1},
    {"upper", 1, 1},           {"len", 1, 1},           {"starts_with", 2, 2},   {"ends_with", 2, 2},
    {"contains", 2, 2},        {"matches", 2, 2},       {"hour", 1, 2},          {"minute", 1, 2},
    {"weekday", 1, 2},         {"date", 1, 2},          {"is_open", 2, 2},       {"business_time", 3, 3},
    {"add_business", 3, 3},    {"has", 1, 1},
};

TEST(FunctionTable, EveryLanguageFunctionWithItsArity) {
  for (const Expected& e : kLanguageFunctions) {
    const FunctionSig* fn = find_function(e.name);
    ASSERT_NE(fn, nullptr) << e.name;
    EXPECT_EQ(fn->name, e.name);
    EXPECT_EQ(fn->min_args, e.min_args) << e.name;
    EXPECT_EQ(fn->max_args, e.max_args) << e.name;
  }
  EXPECT_EQ(all_functions().size(), std::size(kLanguageFunctions));
}

TEST(FunctionTable, WellFormed) {
  std::set<std::string_view> names;
  for (std::size_t i = 0; i < all_functions().size(); ++i) {
    const FunctionSig& fn = all_functions()[i];
    EXPECT_TRUE(names.insert(fn.name).second) << "duplicate " << fn.name;
    EXPECT_EQ(static_cast<std::size_t>(fn.id), i) << fn.name;
    EXPECT_EQ(&function(fn.id), &fn);
    EXPECT_EQ(find_function(fn.name), &fn);
    EXPECT_GE(fn.param_count, 1u) << fn.name;
    EXPECT_LE(fn.param_count, kMaxParams) << fn.name;
    if (!fn.is_variadic()) {
      EXPECT_EQ(fn.param_count, fn.max_args) << fn.name;
    }
    EXPECT_LE(fn.min_args, fn.max_args) << fn.name;
    EXPECT_EQ(fn.signature.substr(0, fn.name.size() + 1), std::string(fn.name) + "(") << fn.name;
    EXPECT_FALSE(fn.doc.empty()) << fn.name;
    if (fn.result_rule == ResultRule::UnifiedNumeric) {
      for (std::size_t a = 0; a < fn.param_count; ++a) EXPECT_EQ(fn.param(a), ParamKind::SameNumeric) << fn.name;
    }
    EXPECT_EQ(fn.takes_absent, fn.name == "has") << fn.name;
    EXPECT_EQ(function_names()[i], fn.name);
  }
}

TEST(FunctionTable, Lookup) {
  EXPECT_EQ(find_function("Min"), nullptr);
  EXPECT_EQ(find_function("sqrt"), nullptr);
  EXPECT_EQ(find_function(""), nullptr);
  EXPECT_EQ(suggest_name("starts_wtih", function_names()), "starts_with");
  EXPECT_EQ(suggest_name("uper", function_names()), "upper");
  EXPECT_EQ(suggest_name("sqrt", function_names()), "");
  EXPECT_EQ(suggest_name("bussiness_time", function_names()), "business_time");
}

TEST(FunctionTable, ParameterKinds) {
  const FunctionSig& min = *find_function("min");
  EXPECT_TRUE(min.accepts_arity(2));
  EXPECT_TRUE(min.accepts_arity(7));
  EXPECT_FALSE(min.accepts_arity(1));
  EXPECT_EQ(min.param(6), ParamKind::SameNumeric);
  EXPECT_EQ(min.result_rule, ResultRule::UnifiedNumeric);

  const FunctionSig& hour = *find_function("hour");
  EXPECT_TRUE(hour.accepts_arity(1));
  EXPECT_TRUE(hour.accepts_arity(2));
  EXPECT_FALSE(hour.accepts_arity(3));
  EXPECT_EQ(hour.param(0), ParamKind::Time);
  EXPECT_EQ(hour.param(1), ParamKind::CalendarOrZone);
  EXPECT_EQ(hour.result, ValueType::Int);

  EXPECT_EQ(find_function("weekday")->result, ValueType::Weekday);
  EXPECT_EQ(find_function("date")->result, ValueType::Date);
  EXPECT_EQ(find_function("matches")->param(1), ParamKind::StringLiteral);
  EXPECT_EQ(find_function("abs")->result_rule, ResultRule::SameAsFirst);
  EXPECT_EQ(find_function("round")->result, ValueType::Int);

  const FunctionSig& is_open = *find_function("is_open");
  EXPECT_EQ(is_open.param(0), ParamKind::Calendar);
  EXPECT_EQ(is_open.param(1), ParamKind::Time);
  EXPECT_EQ(is_open.result, ValueType::Bool);
  const FunctionSig& bt = *find_function("business_time");
  EXPECT_EQ(bt.param(2), ParamKind::Time);
  EXPECT_EQ(bt.result, ValueType::Duration);
  const FunctionSig& ab = *find_function("add_business");
  EXPECT_EQ(ab.param(2), ParamKind::Duration);
  EXPECT_EQ(ab.result, ValueType::Time);
  EXPECT_EQ(find_function("has")->param(0), ParamKind::Any);
}

TEST(FunctionTable, ArityDescriptions) {
  EXPECT_EQ(arity_description(*find_function("min")), "at least 2 arguments");
  EXPECT_EQ(arity_description(*find_function("clamp")), "exactly 3 arguments");
  EXPECT_EQ(arity_description(*find_function("abs")), "exactly 1 argument");
  EXPECT_EQ(arity_description(*find_function("hour")), "1 or 2 arguments");
}

TEST(Types, NamesAndAcceptance) {
  EXPECT_EQ(value_type_name(ValueType::Number), "number");
  EXPECT_EQ(value_type_name(ValueType::Weekday), "weekday");
  EXPECT_EQ(param_kind_description(ParamKind::Numeric), "an int or a number");
  EXPECT_TRUE(accepts(ParamKind::Numeric, ValueType::Int));
  EXPECT_TRUE(accepts(ParamKind::SameNumeric, ValueType::Number));
  EXPECT_FALSE(accepts(ParamKind::Numeric, ValueType::Duration));
  EXPECT_TRUE(accepts(ParamKind::CalendarOrZone, ValueType::Calendar));
  EXPECT_TRUE(accepts(ParamKind::CalendarOrZone, ValueType::String));
  EXPECT_FALSE(accepts(ParamKind::Calendar, ValueType::String));
  EXPECT_TRUE(accepts(ParamKind::Any, ValueType::Absent));
  EXPECT_FALSE(accepts(ParamKind::String, ValueType::Absent));
}

}  // namespace
}  // namespace iwd::stdlib
