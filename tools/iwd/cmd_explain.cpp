// `iwd explain RULES --item JSON [--at INSTANT] [--age DURATION] [--agent JSON]... [--process NAME]
// [--override JSON] [--format text|json] [--no-jit]`: why an item gets its process, its due instant, its priority
// at an age, its open target stages and eligible agents (compiler/explain, docs/explain.md).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include <iostream>

#include "compiler/diag/render.h"
#include "compiler/explain/explain.h"
#include "compiler/interp/record_env.h"
#include "compiler/load/loaded_rules.h"
#include "stdlib/spelling.h"
#include "stdlib/time.h"
#include "tools/iwd/commands.h"
#include "tools/iwd/eval_input.h"

namespace iwd::cli {
namespace {

using namespace iwd::compiler;

// The interpreter's trace and the runtime's table disagree on a figure: a bug.
constexpr int kExitInternal = 3;

struct ExplainOptions {
  std::string rules, item, at, age = "0h", process, format = "text", override_json;
  std::vector<std::string> agents;
  bool no_jit = false;
};

// `--override`: a supervisor's priority override as POST /v1/items/{id}/priority takes it,
// {"set": N} or {"boost": N}, with "until": INSTANT or "handled" (docs/explain.md). "" or why not.
std::string parse_override(const std::string& text, runtime::PriorityOverride* o) {
  const auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return "expected a JSON object: {\"set\": N} or {\"boost\": N}, with \"until\": INSTANT or \"handled\"";
  int given = 0;
  for (const auto& [key, v] : j.items()) {
    if (key == "set" || key == "boost") {
      if (!v.is_number_integer()) return fmt::format("`{}` is a whole number", key);
      o->kind = key == "set" ? runtime::PriorityOverride::Kind::Fixed : runtime::PriorityOverride::Kind::Boost;
      o->value = v.get<std::int64_t>();
      ++given;
    } else if (key == "until" && v == "handled") {
      o->until_handled = true;
    } else if (key == "until") {
      const auto t = v.is_string() ? stdlib::parse_instant(v.get<std::string>())
                                   : stdlib::ParseResult<stdlib::ParsedInstant>::failure("expected an instant or \"handled\"");
      if (!t.ok()) return "`until`: " + t.error;
      o->until = t.value.instant.ms_since_epoch;
    } else {
      return fmt::format("unknown field `{}` (set, boost, until)", key);
    }
  }
  if (given != 1) return "give one of `set` and `boost`";
  if (o->value > runtime::PriorityOverride::kLimit || o->value < -runtime::PriorityOverride::kLimit)
    return fmt::format("{} is out of range (at most {} either way)", o->value, runtime::PriorityOverride::kLimit);
  return {};
}

int run_explain(const ExplainOptions& opts) {
  const std::string cmd = "iwd explain";
  runtime::StringPool pool;
  SourceRules source;  // explanations show the rules as written: source files only
  LoadOptions load;
  load.jit = !opts.no_jit;
  LoadResult loaded = load_rules(opts.rules, pool, load, &source);
  if (loaded.status == LoadStatus::RuleErrors) {
    render_text(std::cerr, loaded.diagnostics);
    return kExitFindings;
  }
  if (!loaded.rules) {
    std::cerr << cmd << ": " << loaded.error << "\n";
    return kExitUsage;
  }
  const LoadedRules& rules = *loaded.rules;
  const Program& program = rules.program();
  ExplainRequest request;
  std::string error;
  if (!parse_at(opts.at, &request.at, &error)) {
    std::cerr << cmd << ": --at: " << error << "\n";
    return kExitUsage;
  }
  const auto age = stdlib::parse_duration(opts.age);
  if (!age.ok() || age.value.ms < 0) {
    std::cerr << cmd << ": --age: " << (age.ok() ? "an age is not negative" : age.error) << "\n";
    return kExitUsage;
  }
  request.age = age.value.ms;
  runtime::PriorityOverride override;
  if (!opts.override_json.empty()) {
    if (std::string e = parse_override(opts.override_json, &override); !e.empty()) {
      std::cerr << cmd << ": --override: " << e << "\n";
      return kExitUsage;
    }
    request.override = &override;
  }
  const BoundRuleset& rs = *source.comp->bound();
  if (!opts.process.empty()) {
    request.process = rs.find_process(opts.process);
    if (request.process < 0) {
      std::vector<std::string> names;
      for (const auto& p : rs.processes) names.push_back(p.name);
      const std::string hint = stdlib::suggest_name(opts.process, std::span<const std::string>(names));
      std::cerr << fmt::format("{}: --process: unknown process `{}`{}\n", cmd, opts.process,
                               names.empty()  ? fmt::format(": {} has no process", opts.rules)
                               : hint.empty() ? ""
                                              : fmt::format(" (did you mean `{}`?)", hint));
      return kExitUsage;
    }
  }
  auto agents = EvalAgents::create(rules.table(), pool, &error);
  if (!agents) {
    std::cerr << cmd << ": " << error << "\n";
    return kExitUsage;
  }
  for (std::size_t k = 0; k < opts.agents.size(); ++k)
    if (auto err = agents->add(opts.agents[k]); !err.empty()) {
      std::cerr << fmt::format("{}: --agent {}: {}\n", cmd, k + 1, err);
      return kExitUsage;
    }
  const std::vector<runtime::abi::Agent> views = agents->views();
  // The item as `iwd eval` decodes it (as the runtime's capture does): a missing required
  // attribute is left for the rules to reject, so that the explanation shows the rejection.
  DecodedItem rec = decode_eval_item(rules.schema(), pool, opts.item, request.at);
  if (rec.status != DecodedItem::Ok) {
    std::cerr << cmd << ": --item: " << rec.error << "\n";
    return kExitUsage;
  }
  RecordEnv item(program, pool, rec.record, nullptr);
  std::vector<std::unique_ptr<RecordEnv>> agent_envs;
  for (const auto& a : views) {
    agent_envs.push_back(std::make_unique<RecordEnv>(program, pool, rec.record, &a));
    request.agents.push_back({agent_envs.back().get()});
  }
  // The figures are the runtime's table's (as `iwd eval` gets them); the traces say why.
  request.record = &rec.record;
  const Explanation x =
      explain({*source.sm, rs, program, source.registers, rules.interpreter(), &rules.table()}, item, request);
  if (opts.format == "json") std::cout << explanation_json(x);
  else render_explanation_text(std::cout, x);
  if (!x.disagreements.empty()) {  // a bug in the interpreter or the JIT: say so, do not hide it
    for (const auto& d : x.disagreements) std::cerr << cmd << ": internal error: " << d << "\n";
    std::cerr << cmd << ": the explanation above shows the runtime's figures; please report this\n";
    return kExitInternal;
  }
  return kExitOk;
}

}  // namespace

void register_explain(CLI::App& app) {
  auto opts = std::make_shared<ExplainOptions>();
  auto* cmd = app.add_subcommand("explain", "Explain an item's process, due time, priority and eligible agents");
  cmd->add_option("rules", opts->rules, "The ruleset: a file, or a folder with one root file")->required();
  cmd->add_option("--item", opts->item, "The item as a JSON object")->required();
  cmd->add_option("--at", opts->at, "The capture instant (default: now)");
  cmd->add_option("--age", opts->age, "The age at which to explain the priority and the targets")->capture_default_str();
  cmd->add_option("--agent", opts->agents,
                  "An agent as `iwd serve` takes it: {\"id\": \"...\", \"skills\": {...}, \"groups\": [...], \"attributes\": {...}}");
  cmd->add_option("--override", opts->override_json,
                  "A supervisor's priority override: {\"set\": N} or {\"boost\": N}, with \"until\": INSTANT or \"handled\"");
  cmd->add_option("--process", opts->process, "Also say why the item does or does not get this process");
  cmd->add_option("--format", opts->format, "Output format")->check(CLI::IsMember({"text", "json"}))->capture_default_str();
  cmd->add_flag("--no-jit", opts->no_jit, "Use the reference interpreter");
  cmd->callback([opts] { set_exit_code(run_explain(*opts)); });
}

}  // namespace iwd::cli
