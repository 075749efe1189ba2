// `iwd explain` for an item the runtime holds: the same calls as tools/iwd/cmd_explain.cpp
// (the figures from the rules' table, the traces from the interpreter), on the runtime's record.
#include "compiler/inspect/item_explain.h"

#include "compiler/explain/explain.h"
#include "compiler/interp/record_env.h"
#include "compiler/load/loaded_rules.h"
#include "compiler/load/sources.h"
#include "compiler/lower/program_io.h"
#include "stdlib/time.h"

namespace iwd::compiler {

using ojson = nlohmann::ordered_json;

RulesSource::RulesSource() : source_(std::make_unique<SourceRules>()) {}
RulesSource::RulesSource(std::string sources) : sources_(std::move(sources)) {}
RulesSource::~RulesSource() = default;

const SourceRules* RulesSource::front_end(const LoadedRules& rules, std::string* why) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (!source_ && why_.empty()) {
    // The kept files compiled again, on the interpreter (no JIT) and a pool of their own: only
    // the front end and the registers are kept, and only if they are these rules'.
    StoredFiles files;
    auto made = std::make_unique<SourceRules>();
    runtime::StringPool pool;
    LoadOptions options;
    options.jit = false;
    if (files.parse(sources_, &why_)) {
      const LoadResult again = load_rules(files, files.root(), pool, options, made.get());
      if (!again.rules)
        why_ = "the sources kept with the rules do not compile here: " + again.error;
      else if (again.rules->manifest().source_hash != rules.manifest().source_hash ||
               serialize_program(again.rules->program()) != serialize_program(rules.program()))
        why_ = "the sources kept with the rules are not those they were built from";
      else
        source_ = std::move(made);
    }
  }
  if (!source_) *why = why_;
  return source_.get();
}

namespace {

// {"start", "due", "age_ms", "points": [{"at", "age_ms", "value", "rules_value"}]}: `value` is
// the item's (with the override in force), `rules_value` the rules' alone.
ojson curve_json(const PriorityCurve& c, std::int64_t age) {
  auto instant = [](std::int64_t ms) { return stdlib::format_instant(stdlib::Instant{ms}); };
  ojson points = ojson::array();
  for (const CurvePoint& p : c.points)
    points.push_back({{"at", instant(c.start + p.age)}, {"age_ms", p.age}, {"value", p.value}, {"rules_value", p.rules_value}});
  return {{"start", instant(c.start)},
          {"due", c.due == runtime::abi::kNone ? ojson(nullptr) : ojson(instant(c.due))},
          {"age_ms", age},
          {"points", std::move(points)}};
}

}  // namespace

ItemExplanation explain_item(const LoadedRules& rules, const RulesSource& source, const ItemExplainRequest& in) {
  ItemExplanation out;
  const SourceRules* front = source.front_end(rules, &out.no_source);
  if (!front) return out;
  const SourceRules& src = *front;
  const Program& program = rules.program();
  runtime::StringPool& pool = rules.pool();
  RecordEnv item(program, pool, *in.record, nullptr);
  std::vector<std::unique_ptr<RecordEnv>> agent_envs;
  ExplainRequest request;
  request.record = in.record;
  request.at = in.at;
  request.age = in.age;
  request.override = in.override;
  for (const auto& a : in.agents) {
    agent_envs.push_back(std::make_unique<RecordEnv>(program, pool, *in.record, &a));
    request.agents.push_back({agent_envs.back().get()});
  }
  const ExplainRules with{*src.sm, *src.comp->bound(), program, src.registers, rules.interpreter(), &rules.table()};
  const Explanation x = explain(with, item, request);
  out.explanation = ojson::parse(explanation_json(x));
  out.disagreements = x.disagreements;
  if (in.curve_points > 0) {
    const PriorityCurve c = priority_curve(with, item, request, in.curve_points);
    if (c.classified) out.curve = curve_json(c, in.age);
  }
  return out;
}

}  // namespace iwd::compiler
