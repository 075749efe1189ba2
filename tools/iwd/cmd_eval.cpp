// `iwd eval RULES --item JSON [--at INSTANT] [--ages LIST] [--agent JSON]... [--no-jit]`
// `iwd eval RULES --items FILE.jsonl|- [--stats] ...`: one result object per item.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <iostream>

#include "compiler/diag/render.h"
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

// Everything one run needs: the loaded ruleset (from source or a bundle) and the table the
// runtime is handed (runtime/abi.h), through which every answer is computed.
struct Engine {
  runtime::StringPool pool;
  std::unique_ptr<LoadedRules> rules;
  const runtime::abi::RulesV1* table = nullptr;
};

// One item's result, from the rules' table as the runtime calls it (classify, clock, priority,
// next_change, terms, stages, eligible); `eval_ns` gets the time spent evaluating (not decoding
// or printing). `first`: the item's classification, clock and priority at the first age, from
// the table's batch entry point (evaluate_batch); null: asked here.
json evaluate(Engine& e, const runtime::ItemRecord& rec, const std::vector<std::pair<std::string, std::int64_t>>& ages,
              const std::vector<runtime::abi::Agent>& agents, std::int64_t at, std::int64_t* eval_ns,
              const runtime::abi::BatchResult* first = nullptr) {
  namespace abi = runtime::abi;
  const abi::RulesV1& t = *e.table;
  const auto t0 = std::chrono::steady_clock::now();
  std::int32_t detail = first ? first->detail : 0;
  const std::int32_t process = first ? first->process : t.classify(t.ctx, &rec, at, &detail);
  json out;
  if (process < 0 || process >= t.process_count) {
    *eval_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    out["rejected"] = t.rejection(t.ctx, detail);
    return out;
  }
  abi::ItemClock clock;
  if (first) clock = first->clock;
  else t.clock(t.ctx, process, &rec, at, &clock);
  std::vector<std::int64_t> priorities;
  std::vector<abi::NextChange> changes;
  for (const auto& [_, age] : ages) {
    priorities.push_back(first && priorities.empty() ? first->priority : t.priority(t.ctx, process, &rec, &clock, age));
    changes.emplace_back();
    t.next_change(t.ctx, process, &rec, &clock, age, &changes.back());
  }
  abi::ProcessTerms terms;
  t.terms(t.ctx, process, &rec, &clock, &terms);
  std::vector<abi::Stage> stages(t.stage_counts[process]);
  if (!stages.empty()) t.stages(t.ctx, process, &rec, &clock, stages.data());
  std::vector<std::vector<bool>> eligible(agents.size());
  for (std::size_t k = 0; k < agents.size(); ++k)
    for (const auto& [_, age] : ages) eligible[k].push_back(t.eligible(t.ctx, process, &rec, &clock, age, &agents[k]) != 0);
  *eval_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();

  const std::int32_t department = t.process_departments[process];
  out["process"] = t.process_names[process];
  out["department"] = department >= 0 ? json(t.department_names[department]) : json(nullptr);
  out["due"] = clock.due != abi::kNone ? json(stdlib::format_instant(stdlib::Instant{clock.due})) : json(nullptr);
  json prio = json::array(), next = json::array();
  for (std::size_t i = 0; i < ages.size(); ++i) {
    prio.push_back({{"age", ages[i].first}, {"value", priorities[i]}});
    json n = {{"age", ages[i].first}, {"at", changes[i].never ? json(nullptr) : json(stdlib::format_duration(stdlib::Duration{changes[i].age}))}};
    if (!changes[i].exact) n["exact"] = false;
    next.push_back(n);
  }
  out["priority"] = prio;
  out["next_change"] = next;
  auto duration = [](std::int64_t ms) { return ms == abi::kNone ? json(nullptr) : json(stdlib::format_duration(stdlib::Duration{ms})); };
  auto text = [&e](std::int64_t id) { return id == abi::kNone ? json(nullptr) : json(e.pool.view(static_cast<std::uint32_t>(id))); };
  out["terms"] = {{"offer_timeout", duration(terms.offer_timeout)}, {"complete_within", duration(terms.complete_within)},
                  {"expire_after", duration(terms.expire_after)}, {"media", text(terms.media)}};
  json plan = json::array();
  for (const abi::Stage& st : stages) {
    static constexpr const char* kKinds[] = {"agent", "group", "skill"};
    json one = {{"kind", st.kind <= abi::kStageSkill ? kKinds[st.kind] : "skill"}, {"opens", duration(st.opens_at)}};
    if (st.kind == abi::kStageAgent) one["agent"] = text(st.value);
    if (st.kind == abi::kStageGroup) one["group"] = text(st.value);
    plan.push_back(std::move(one));
  }
  out["stages"] = plan;
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
  LoadResult loaded = load_rules(opts.rules, e.pool, load);
  if (loaded.status == LoadStatus::RuleErrors) {
    render_text(std::cerr, loaded.diagnostics);
    return kExitFindings;
  }
  if (!loaded.rules) {
    std::cerr << "iwd eval: " << loaded.error << "\n";
    return kExitUsage;
  }
  e.rules = std::move(loaded.rules);
  e.table = &e.rules->table();

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
  auto agents = EvalAgents::create(*e.table, e.pool, &error);
  if (!agents) {
    std::cerr << "iwd eval: " << error << "\n";
    return kExitUsage;
  }
  for (std::size_t k = 0; k < opts.agents.size(); ++k)
    if (auto err = agents->add(opts.agents[k]); !err.empty()) {
      std::cerr << fmt::format("iwd eval: --agent {}: {}\n", k + 1, err);
      return kExitUsage;
    }
  const std::vector<runtime::abi::Agent> views = agents->views();

  // A capture the runtime refuses or rejects is a result: {"rejected": "..."}, worded as the
  // runtime words it; what is not an item at all is an input error.
  std::int64_t eval_ns = 0, count = 0;
  if (!opts.item.empty()) {
    DecodedItem item = decode_eval_item(e.rules->schema(), e.pool, opts.item, at);
    if (item.status == DecodedItem::BadInput) {
      std::cerr << "iwd eval: --item: " << item.error << "\n";
      return kExitUsage;
    }
    std::cout << (item.status == DecodedItem::Refused ? json{{"rejected", item.error}}
                                                      : evaluate(e, item.record, ages, views, at, &eval_ns))
                     .dump()
              << "\n";
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
    // Items a block at a time: their classification, clock and first priority in one call of
    // the table's batch entry point (runtime/abi.h), the rest per item; printed in input order.
    constexpr std::size_t kBlock = 256;
    std::vector<std::pair<std::size_t, DecodedItem>> block;
    std::vector<const runtime::ItemRecord*> records;
    std::vector<runtime::abi::BatchResult> results;
    auto flush = [&] {
      records.clear();
      for (const auto& [_, item] : block)
        if (item.status == DecodedItem::Ok) records.push_back(&item.record);
      results.resize(records.size());
      const auto t0 = std::chrono::steady_clock::now();
      runtime::abi::evaluate_batch(*e.table, records.data(), static_cast<std::uint32_t>(records.size()), at, ages.front().second,
                                   results.data());
      eval_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
      std::size_t k = 0;
      for (const auto& [n, item] : block) {
        if (item.status == DecodedItem::BadInput) {
          std::cout << json{{"error", fmt::format("line {}: {}", n, item.error)}}.dump() << "\n";
          continue;
        }
        std::cout << (item.status == DecodedItem::Refused ? json{{"rejected", item.error}}
                                                          : evaluate(e, item.record, ages, views, at, &eval_ns, &results[k++]))
                         .dump()
                  << "\n";
        ++count;
      }
      block.clear();
    };
    std::string line;
    for (std::size_t n = 1; std::getline(*in, line); ++n) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      block.emplace_back(n, decode_eval_item(e.rules->schema(), e.pool, line, at));
      if (block.size() == kBlock) flush();
    }
    flush();
  }
  if (opts.stats)
    std::cerr << fmt::format("{} item{} evaluated in {} ns per item ({})\n", count, count == 1 ? "" : "s",
                             count ? eval_ns / count : 0, e.table->engine);
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
  cmd->add_option("--agent", opts->agents,
                  "An agent as `iwd serve` takes it: {\"id\": \"...\", \"skills\": {...}, \"groups\": [...], \"attributes\": {...}}");
  cmd->add_flag("--no-jit", opts->no_jit, "Use the reference interpreter");
  cmd->add_flag("--stats", opts->stats, "Print the item count and the evaluation time per item on stderr");
  cmd->callback([opts] { set_exit_code(run_eval(*opts)); });
}

}  // namespace iwd::cli
