// `iwd eval RULES --item JSON [--at INSTANT] [--ages LIST] [--agent JSON]... [--no-jit]`
// `iwd eval RULES --items FILE.jsonl|- [--stats] ...`: one result object per item.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <iostream>
#include <iterator>
#include <string_view>

#include "compiler/diag/render.h"
#include "compiler/load/loaded_rules.h"
#include "runtime/item_json.h"
#include "tools/iwd/commands.h"
#include "tools/iwd/eval_input.h"

namespace iwd::cli {
namespace {

using namespace iwd::compiler;

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

// JSON text appended as nlohmann's dump() writes it (the output before the writer below was
// ordered_json's), so that results stay byte for byte what they were.
void put_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
        else out += c;
    }
  }
  out += '"';
}

void put_int(std::string& out, std::int64_t v) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
}

// What one item's evaluation needs again for the next: buffers kept across items.
struct Scratch {
  std::vector<std::int64_t> priorities;
  std::vector<runtime::abi::NextChange> changes;
  std::vector<runtime::abi::Stage> stages;
  std::vector<std::uint8_t> eligible;  // agent k at age i: [k * ages + i]
};

// One item's result, from the rules' table as the runtime calls it (classify, clock, priority,
// next_change, terms, stages, eligible), appended to `out` as one line of JSON with its fields
// in a fixed order; `eval_ns` gets the time spent evaluating (not decoding or printing).
// `first`: the item's classification, clock and priority at the first age, from the table's
// batch entry point (evaluate_batch); null: asked here.
void evaluate(Engine& e, const runtime::ItemRecord& rec, const std::vector<std::pair<std::string, std::int64_t>>& ages,
              const std::vector<runtime::abi::Agent>& agents, std::int64_t at, std::int64_t* eval_ns, Scratch& s,
              std::string& out, const runtime::abi::BatchResult* first = nullptr) {
  namespace abi = runtime::abi;
  const abi::RulesV1& t = *e.table;
  const auto t0 = std::chrono::steady_clock::now();
  std::int32_t detail = first ? first->detail : 0;
  const std::int32_t process = first ? first->process : t.classify(t.ctx, &rec, at, &detail);
  if (process < 0 || process >= t.process_count) {
    *eval_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
    out += "{\"rejected\":";
    put_string(out, t.rejection(t.ctx, detail));
    out += "}\n";
    return;
  }
  abi::ItemClock clock;
  if (first) clock = first->clock;
  else t.clock(t.ctx, process, &rec, at, &clock);
  s.priorities.clear();
  s.changes.clear();
  for (const auto& age : ages) {
    s.priorities.push_back(first && s.priorities.empty() ? first->priority : t.priority(t.ctx, process, &rec, &clock, age.second));
    t.next_change(t.ctx, process, &rec, &clock, age.second, &s.changes.emplace_back());
  }
  abi::ProcessTerms terms;
  t.terms(t.ctx, process, &rec, &clock, &terms);
  s.stages.assign(t.stage_counts[process], abi::Stage{});
  if (!s.stages.empty()) t.stages(t.ctx, process, &rec, &clock, s.stages.data());
  s.eligible.clear();
  for (const abi::Agent& agent : agents)
    for (const auto& age : ages) s.eligible.push_back(t.eligible(t.ctx, process, &rec, &clock, age.second, &agent) != 0);
  *eval_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();

  auto duration = [&out](std::int64_t ms) {
    if (ms == abi::kNone) out += "null";
    else put_string(out, stdlib::format_duration(stdlib::Duration{ms}));
  };
  auto text = [&e, &out](std::int64_t id) {
    if (id == abi::kNone) out += "null";
    else put_string(out, e.pool.view(static_cast<std::uint32_t>(id)));
  };
  const std::int32_t department = t.process_departments[process];
  out += "{\"process\":";
  put_string(out, t.process_names[process]);
  out += ",\"department\":";
  if (department >= 0) put_string(out, t.department_names[department]);
  else out += "null";
  out += ",\"due\":";
  if (clock.due != abi::kNone) put_string(out, stdlib::format_instant(stdlib::Instant{clock.due}));
  else out += "null";
  out += ",\"priority\":[";
  for (std::size_t i = 0; i < ages.size(); ++i) {
    out += i ? ",{\"age\":" : "{\"age\":";
    put_string(out, ages[i].first);
    out += ",\"value\":";
    put_int(out, s.priorities[i]);
    out += '}';
  }
  out += "],\"next_change\":[";
  for (std::size_t i = 0; i < ages.size(); ++i) {
    out += i ? ",{\"age\":" : "{\"age\":";
    put_string(out, ages[i].first);
    out += ",\"at\":";
    if (s.changes[i].never) out += "null";
    else duration(s.changes[i].age);
    if (!s.changes[i].exact) out += ",\"exact\":false";
    out += '}';
  }
  out += "],\"terms\":{\"offer_timeout\":";
  duration(terms.offer_timeout);
  out += ",\"complete_within\":";
  duration(terms.complete_within);
  out += ",\"expire_after\":";
  duration(terms.expire_after);
  out += ",\"media\":";
  text(terms.media);
  out += "},\"stages\":[";
  for (std::size_t k = 0; k < s.stages.size(); ++k) {
    static constexpr const char* kKinds[] = {"agent", "group", "skill"};
    const abi::Stage& st = s.stages[k];
    out += k ? ",{\"kind\":" : "{\"kind\":";
    put_string(out, st.kind <= abi::kStageSkill ? kKinds[st.kind] : "skill");
    out += ",\"opens\":";
    duration(st.opens_at);
    if (st.kind == abi::kStageAgent) out += ",\"agent\":";
    if (st.kind == abi::kStageGroup) out += ",\"group\":";
    if (st.kind == abi::kStageAgent || st.kind == abi::kStageGroup) text(st.value);
    out += '}';
  }
  out += ']';
  if (!agents.empty()) {
    out += ",\"eligible\":[";
    for (std::size_t k = 0; k < agents.size(); ++k)
      for (std::size_t i = 0; i < ages.size(); ++i) {
        out += k || i ? ",{\"agent\":" : "{\"agent\":";
        put_int(out, static_cast<std::int64_t>(k));
        out += ",\"at\":";
        put_string(out, ages[i].first);
        out += s.eligible[k * ages.size() + i] ? ",\"eligible\":true}" : ",\"eligible\":false}";
      }
    out += ']';
  }
  out += "}\n";
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
  Scratch scratch;
  std::string out;
  auto put_message = [&out](std::string_view key, std::string_view message) {
    out += "{\"";
    out += key;
    out += "\":";
    put_string(out, message);
    out += "}\n";
  };
  if (!opts.item.empty()) {
    DecodedItem item = decode_eval_item(e.rules->schema(), e.pool, opts.item, at);
    if (item.status == DecodedItem::BadInput) {
      std::cerr << "iwd eval: --item: " << item.error << "\n";
      return kExitUsage;
    }
    if (item.status == DecodedItem::Refused) put_message("rejected", item.error);
    else evaluate(e, item.record, ages, views, at, &eval_ns, scratch, out);
    std::cout << out << std::flush;
    count = 1;
  } else {
    const int fd = opts.items == "-" ? STDIN_FILENO : ::open(opts.items.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::cerr << "iwd eval: cannot read '" << opts.items << "'\n";
      return kExitUsage;
    }
    LineReader in(fd);
    // Items a block at a time: their classification, clock and first priority in one call of
    // the table's batch entry point (runtime/abi.h), the rest per item; printed in input order.
    // A block is answered when full, or as soon as no more input is ready, so that a pipe fed
    // a line at a time gets each answer before it sends the next.
    constexpr std::size_t kBlock = 256;
    std::vector<std::pair<std::size_t, DecodedItem>> block;
    std::vector<const runtime::ItemRecord*> records;
    std::vector<runtime::abi::BatchResult> results;
    auto flush = [&] {
      records.clear();
      for (const auto& entry : block)
        if (entry.second.status == DecodedItem::Ok) records.push_back(&entry.second.record);
      results.resize(records.size());
      const auto t0 = std::chrono::steady_clock::now();
      runtime::abi::evaluate_batch(*e.table, records.data(), static_cast<std::uint32_t>(records.size()), at, ages.front().second,
                                   results.data());
      eval_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
      std::size_t k = 0;
      out.clear();
      for (const auto& [n, item] : block) {
        if (item.status == DecodedItem::BadInput) {
          put_message("error", fmt::format("line {}: {}", n, item.error));
          continue;
        }
        if (item.status == DecodedItem::Refused) put_message("rejected", item.error);
        else evaluate(e, item.record, ages, views, at, &eval_ns, scratch, out, &results[k++]);
        ++count;
      }
      block.clear();
      std::cout << out << std::flush;
    };
    std::string_view line;
    for (std::size_t n = 1;; ++n) {
      if (!block.empty() && !in.ready()) flush();
      if (!in.next(&line)) break;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      block.emplace_back(n, decode_eval_item(e.rules->schema(), e.pool, line, at));
      if (block.size() == kBlock) flush();
    }
    flush();
    if (fd != STDIN_FILENO) ::close(fd);
    if (!in.error().empty()) {
      std::cerr << "iwd eval: cannot read '" << opts.items << "': " << in.error() << "\n";
      return kExitUsage;
    }
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
