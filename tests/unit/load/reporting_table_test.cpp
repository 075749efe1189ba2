// The rules table's `report by` and `outcomes` fields (LANGUAGE.md 1.1 section 11), appended
// to RulesV1: filled from the rules, kept by the program format, and a table built before them
// (a smaller table_size) still accepted, seen as declaring neither.
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "compiler/diag/render.h"
#include "compiler/load/loaded_rules.h"
#include "compiler/lower/program_io.h"
#include "runtime/outcome.h"

namespace iwd::compiler {
namespace {

namespace abi = runtime::abi;

const std::string kLeads = std::string(IWD_SOURCE_DIR) + "/tests/replay/rules/leads.iwd";
const std::string kDesk = std::string(IWD_SOURCE_DIR) + "/tests/replay/rules/desk.iwd";

std::unique_ptr<LoadedRules> load(const std::string& path, runtime::StringPool& pool) {
  std::ostringstream diags;
  LoadOptions options;
  options.jit = false;
  LoadResult r = load_rules(path, pool, options);
  render_text(diags, r.diagnostics);
  EXPECT_TRUE(r.rules) << path << ": " << r.error << "\n" << diags.str();
  return std::move(r.rules);
}

TEST(ReportingTable, CarriesDimensionsAndOutcomes) {
  runtime::StringPool pool;
  auto rules = load(kLeads, pool);
  ASSERT_TRUE(rules);
  const abi::RulesV1& t = rules->table();
  EXPECT_STREQ(abi::check_table(&t), "");
  EXPECT_TRUE(abi::has_reporting(t));
  ASSERT_EQ(abi::report_dimension_count(t), 2);
  EXPECT_EQ(t.report_dimension_slots[0], 9u);  // after the 9 core attributes
  EXPECT_EQ(t.report_dimension_slots[1], 10u);
  EXPECT_STREQ(t.report_dimension_names[0], "segment");
  EXPECT_STREQ(t.report_dimension_names[1], "region");
  ASSERT_EQ(abi::outcome_count(t), 4);
  EXPECT_STREQ(t.outcome_names[0], "converted");
  EXPECT_STREQ(t.outcome_names[3], "duplicate");
}

TEST(ReportingTable, OutcomeProblems) {
  runtime::StringPool pool;
  auto rules = load(kLeads, pool);
  ASSERT_TRUE(rules);
  const abi::RulesV1& t = rules->table();
  EXPECT_EQ(runtime::outcome_problem(t, "no_answer"), "");
  EXPECT_EQ(runtime::outcome_problem(t, "convertd"),
            "outcome `convertd` is not declared; the declared outcomes are converted, not_converted, no_answer, "
            "duplicate; did you mean `converted`?");
  EXPECT_EQ(runtime::outcome_problem(t, "sold"),
            "outcome `sold` is not declared; the declared outcomes are converted, not_converted, no_answer, duplicate");
  EXPECT_NE(runtime::outcome_problem(t, ""), "");

  runtime::StringPool desk_pool;
  auto desk = load(kDesk, desk_pool);
  ASSERT_TRUE(desk);
  EXPECT_EQ(abi::outcome_count(desk->table()), 0);
  EXPECT_EQ(abi::report_dimension_count(desk->table()), 0);
  EXPECT_EQ(runtime::outcome_problem(desk->table(), "converted"),
            "outcome `converted` is not declared: the rules declare no outcomes (`outcomes { ... }`)");
}

TEST(ReportingTable, AnOlderTableIsAcceptedWithoutThem) {
  runtime::StringPool pool;
  auto rules = load(kLeads, pool);
  ASSERT_TRUE(rules);
  abi::RulesV1 old = rules->table();
  old.table_size = abi::kRulesV1BaseSize;  // as a table built before the fields were appended
  EXPECT_STREQ(abi::check_table(&old), "");
  EXPECT_FALSE(abi::has_reporting(old));
  EXPECT_EQ(abi::report_dimension_count(old), 0);
  EXPECT_EQ(abi::outcome_count(old), 0);
  EXPECT_NE(runtime::outcome_problem(old, "converted"), "");
  old.table_size = abi::kRulesV1BaseSize - 1;
  EXPECT_STREQ(abi::check_table(&old), "the rules table is smaller than this runtime expects");
}

// reads_last_agent (appended after the reporting fields): set when a rule reads last_agent,
// so that the runtime classifies an item again when its last agent changes; a table that ends
// before it is read as reading it (the safe side), without losing the reporting fields.
TEST(ReportingTable, SaysWhetherTheRulesReadLastAgent) {
  const std::string returns = std::string(IWD_SOURCE_DIR) + "/tests/replay/rules/returns.iwd";
  runtime::StringPool pool;
  auto reads = load(returns, pool);
  auto leads = load(kLeads, pool);
  ASSERT_TRUE(reads && leads);
  EXPECT_TRUE(abi::reads_last_agent(reads->table()));
  EXPECT_FALSE(abi::reads_last_agent(leads->table()));
  abi::RulesV1 older = leads->table();
  older.table_size = abi::kRulesV1ReportingSize;
  EXPECT_TRUE(abi::has_reporting(older));
  EXPECT_EQ(abi::report_dimension_count(older), 2);
  EXPECT_TRUE(abi::reads_last_agent(older));
}

TEST(ReportingTable, SurvivesTheProgramFormat) {
  runtime::StringPool pool;
  auto rules = load(kLeads, pool);
  ASSERT_TRUE(rules);
  Program back;
  std::string error;
  ASSERT_TRUE(deserialize_program(serialize_program(rules->program()), &back, &error)) << error;
  EXPECT_EQ(back.report_by, (std::vector<std::int32_t>{9, 10}));
  EXPECT_EQ(back.outcomes, (std::vector<std::string>{"converted", "not_converted", "no_answer", "duplicate"}));
  // A slot out of range is refused, like any other reference.
  Program bad = rules->program();
  bad.report_by.push_back(99);
  EXPECT_NE(validate_program(bad), "");
}

}  // namespace
}  // namespace iwd::compiler
