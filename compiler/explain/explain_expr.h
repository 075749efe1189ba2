// Private to compiler/explain: expressions as written, values as the language writes them,
// and one function's run explained from its registers.
#pragma once

#include <string>

#include "compiler/explain/explain.h"
#include "stdlib/text.h"
#include "stdlib/time.h"

namespace iwd::compiler {

// Numbers and durations: stdlib::format_number and stdlib::format_duration.
std::string instant_text(std::int64_t ms);
std::string open_hours_text(std::int64_t ms);  // open time in hours: `28h54m`, never days

class ExprExplainer {
 public:
  explicit ExprExplainer(const ExplainRules& r) : r_(r) {}

  const ExplainRules& rules() const { return r_; }
  // "enterprise.iwd:63"; empty for an invalid range.
  std::string location(const SourceRange& range) const;
  // The source text of a range, its runs of blanks and line breaks as one space.
  std::string source_text(const SourceRange& range) const;
  // An expression's text. Decision-table conditions are built by the binder from the cells
  // (`synthesized`): they are printed from the tree (`segment == Gold`), their leaves as written.
  std::string text(const BoundExpr& e, bool synthesized = false) const;

  // Function `f` (lowered from `root`) run by the interpreter on `env` and `in`: its value,
  // the values of its parts (conditions) and what it read.
  ExplainedExpr explain(FunctionRef f, const BoundExpr& root, const EvalEnv& env, const TimeInputs& in,
                        bool synthesized = false) const;
  // A value of an attribute slot.
  std::string attribute_value(std::uint32_t slot, const EvalEnv& env) const;

 private:
  std::string register_value(FunctionRef f, std::uint32_t reg, const std::vector<Value>& regs, const EvalEnv& env) const;
  void add_parts(FunctionRef f, const BoundExpr& e, const std::vector<Value>& regs, const EvalEnv& env, bool synthesized,
                 int depth, std::vector<ExplainedExpr>& out) const;
  std::string value_text(const Value& v, VTag tag, std::int32_t enum_index, VTag element, const EvalEnv& env) const;

  const ExplainRules& r_;
};

}  // namespace iwd::compiler

namespace iwd::compiler {

// The sections of an explanation of a classified item (explain_due.cpp, explain_priority.cpp,
// explain_targets.cpp).
ExplainedDue explain_due(const ExprExplainer& x, std::int32_t process, const EvalEnv& env, std::int64_t at,
                         const runtime::abi::ItemClock& clock);
ExplainedPriority explain_priority(const ExprExplainer& x, std::int32_t process, const EvalEnv& env,
                                   const runtime::abi::ItemClock& clock, std::int64_t age);
ExplainedTargets explain_targets(const ExprExplainer& x, std::int32_t process, const EvalEnv& env,
                                 const runtime::abi::ItemClock& clock, std::int64_t age);
ExplainedAgent explain_agent(const ExprExplainer& x, std::int32_t process, const ExplainAgent& agent,
                             const runtime::abi::ItemClock& clock, std::int64_t age);

// With the runtime's table (explain_table.cpp): the classification and the clock are the
// table's, and table_figures() puts the table's figures in place of the interpreter's; each
// difference is a disagreement. Without a table, the interpreter's.
Classification table_classification(const ExplainRules& r, const ExplainRequest& q, const EvalEnv& item,
                                    const Classification& walked, Explanation& e);
runtime::abi::ItemClock table_clock(const ExplainRules& r, const ExplainRequest& q, std::int32_t process,
                                    const EvalEnv& item, Explanation& e);
void table_figures(const ExplainRules& r, const ExplainRequest& q, std::int32_t process,
                   const runtime::abi::ItemClock& clock, Explanation& e);
// A supervisor's override (ExplainRequest::override) applied to the priority's figures, last
// (explain_override.cpp): the value and next change become the item's.
void explain_override(const ExplainRules& r, const ExplainRequest& q, std::int32_t process, const EvalEnv& item,
                      const runtime::abi::ItemClock& clock, ExplainedPriority& p);

}  // namespace iwd::compiler
