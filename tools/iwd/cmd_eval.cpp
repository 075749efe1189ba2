// `iwd eval RULES --item JSON [--at INSTANT] [--ages LIST] [--agent JSON]... [--no-jit]`
// `iwd eval RULES --items FILE.jsonl|- [--stats] ...`: one result object per item.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <iostream>

#include "compiler/interp/interp.h"
#include "compiler/interp/record_env.h"
#include "compiler/load/loaded_rules.h"
#include "runtime/item_json.h"
#include "tools/iwd/commands.h"
#include "tools/iwd/eval_input.h"

namespace iwd::cli {
namespace {

using namespace iwd::compiler;
using json = nlohmann::ordered_json;

struct EvalOptions {
  std::string rules;
  std::string item, items, at, ages = "0h";
  std::vector<std::string> agents;
  bool no_jit = false, stats = false;
};

// Everything one run needs: the loaded ruleset (from source or a bundle).
struct Engine {
  runtime::StringPool pool;
  std::unique_ptr<LoadedRules> rules;
  const Program* program = nullptr;
  const Interpreter* interp = nullptr;
};

// One item's result; `eval_ns` gets the time spent evaluating (not decoding or printing).
json evaluate(Engine& e, const runtime::ItemRecord& rec, const std::vector<std::pair<std::string, std::int64_t>>& ages,
              const std::vector<Agent>& agents, std::int64_t at, std::int64_t* eval_ns) {
  const auto t0 = std::chrono::steady_clock::now();
  RecordEnv env(*e.program, e.pool, rec, nullptr);
  const Classification c = e.interp->classify(env, at);
  json out;
  if (c.process < 0) {
    *eval_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    out["rejected"] = c.reason;
    return out;
  }
  const auto& pp = e.program->processes[static_cast<std::size_t>(c.process)];
  const Interpreter::ItemClock clock = e.interp->clock(c.process, env, at);
  const Value& due = clock.due;
  auto at_age = [&clock](std::int64_t age) { return clock.at(age); };
  std::vector<std::int64_t> priorities;
  std::vector<Interpreter::NextChange> changes;
  for (const auto& [_, age] : ages) {
    priorities.push_back(e.interp->priority(c.process, env, at_age(age)));
    changes.push_back(e.interp->next_priority_change(c.process, env, at_age(age)));
  }
  std::vector<std::vector<bool>> eligible(agents.size());
  for (std::size_t k = 0; k < agents.size(); ++k) {
    RecordEnv agent_env(*e.program, e.pool, rec, &agents[k]);
    for (const auto& [_, age] : ages)
      eligible[k].push_back(e.interp->eligible(c.process, agent_env, at_age(age), agents[k].id, agents[k].groups));
  }
  *eval_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();

  out["process"] = pp.name;
  out["department"] = pp.department >= 0 ? json(e.program->departments[static_cast<std::size_t>(pp.department)].name) : json(nullptr);
  out["due"] = due.present ? json(stdlib::format_instant(stdlib::Instant{due.i})) : json(nullptr);
  json prio = json::array(), next = json::array();
  for (std::size_t i = 0; i < ages.size(); ++i) {
    prio.push_back({{"age", ages[i].first}, {"value", priorities[i]}});
    json n = {{"age", ages[i].first}, {"at", changes[i].never ? json(nullptr) : json(stdlib::format_duration(stdlib::Duration{changes[i].age}))}};
    if (!changes[i].exact) n["exact"] = false;
    next.push_back(n);
  }
  out["priority"] = prio;
  out["next_change"] = next;
  if (!agents.empty()) {
    json el = json::array();
    for (std::size_t k = 0; k < agents.size(); ++k)
      for (std::size_t i = 0; i < ages.size(); ++i) el.push_back({{"agent", k}, {"at", ages[i].first}, {"eligible", bool(eligible[k][i])}});
    out["eligible"] = el;
  }
  return out;
}

int run_eval(const EvalOptions& opts) {
  if (opts.item.empty() == opts.items.empty()) {
    std::cerr << "iwd eval: give one of --item JSON and --items FILE\n";
    return kExitUsage;
  }
  Engine e;
  LoadOptions load;
  load.jit = !opts.no_jit;
  LoadResult loaded = load_rules(opts.rules, e.pool, load, std::cerr);
  if (loaded.status == LoadStatus::RuleErrors) return kExitFindings;
  if (!loaded.rules) {
    std::cerr << "iwd eval: " << loaded.error << "\n";
    return kExitUsage;
  }
  e.rules = std::move(loaded.rules);
  e.program = &e.rules->program();
  e.interp = &e.rules->interpreter();

  std::int64_t at = 0;
  std::string error;
  if (!parse_at(opts.at, &at, &error)) {
    std::cerr << "iwd eval: --at: " << error << "\n";
    return kExitUsage;
  }
  std::vector<std::pair<std::string, std::int64_t>> ages;
  for (std::size_t pos = 0; pos <= opts.ages.size();) {
    const std::size_t comma = std::min(opts.ages.find(',', pos), opts.ages.size());
    const std::string part = opts.ages.substr(pos, comma - pos);
    auto d = stdlib::parse_duration(part);
    if (!d.ok()) {
      std::cerr << "iwd eval: --ages: " << d.error << "\n";
      return kExitUsage;
    }
    ages.emplace_back(part, d.value.ms);
    pos = comma + 1;
  }
  std::vector<Agent> agents(opts.agents.size());
  for (std::size_t k = 0; k < opts.agents.size(); ++k)
    if (auto err = parse_agent(*e.program, e.pool, opts.agents[k], &agents[k]); !err.empty()) {
      std::cerr << "iwd eval: " << err << "\n";
      return kExitFindings;
    }

  const runtime::DecodeOptions decode = eval_decode_options(at);
  std::int64_t eval_ns = 0, count = 0;
  if (!opts.item.empty()) {
    auto rec = runtime::decode_item(e.rules->schema(), e.pool, opts.item, decode);
    if (!rec.ok()) {
      std::cerr << "iwd eval: --item: " << rec.error << "\n";
      return kExitFindings;
    }
    std::cout << evaluate(e, rec.value, ages, agents, at, &eval_ns).dump() << "\n";
    count = 1;
  } else {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (opts.items != "-") {
      file.open(opts.items);
      if (!file) {
        std::cerr << "iwd eval: cannot read '" << opts.items << "'\n";
        return kExitUsage;
      }
      in = &file;
    }
    std::string line;
    for (std::size_t n = 1; std::getline(*in, line); ++n) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      auto rec = runtime::decode_item(e.rules->schema(), e.pool, line, decode);
      if (!rec.ok()) {
        std::cout << json{{"error", fmt::format("line {}: {}", n, rec.error)}}.dump() << "\n";
        continue;
      }
      std::cout << evaluate(e, rec.value, ages, agents, at, &eval_ns).dump() << "\n";
      ++count;
    }
  }
  if (opts.stats)
    std::cerr << fmt::format("{} item{} evaluated in {} ns per item ({})\n", count, count == 1 ? "" : "s",
                             count ? eval_ns / count : 0, opts.no_jit ? "interpreter" : "jit");
  return kExitOk;
}

}  // namespace

void register_eval(CLI::App& app) {
  auto opts = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand("eval", "Classify items and compute their due time, priority and eligible agents");
  cmd->add_option("rules", opts->rules, "The ruleset: a file, a folder with one root file, or a bundle (.iwdb)")->required();
  cmd->add_option("--item", opts->item, "One item as a JSON object");
  cmd->add_option("--items", opts->items, "A file of items, one JSON object a line (- for standard input)");
  cmd->add_option("--at", opts->at, "The capture instant (default: now)");
  cmd->add_option("--ages", opts->ages, "Ages at which to report the priority, e.g. 0h,2h,1d")->capture_default_str();
  cmd->add_option("--agent", opts->agents, "An agent: {\"skills\": {...}, \"groups\": [...], \"id\": \"...\"}");
  cmd->add_flag("--no-jit", opts->no_jit, "Use the reference interpreter");
  cmd->add_flag("--stats", opts->stats, "Print the item count and the evaluation time per item on stderr");
  cmd->callback([opts] { set_exit_code(run_eval(*opts)); });
}

}  // namespace iwd::cli
