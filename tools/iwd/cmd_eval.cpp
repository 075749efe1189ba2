// `iwd eval RULES --item JSON [--at INSTANT] [--ages LIST] [--agent JSON]... [--no-jit]`
// `iwd eval RULES --items FILE.jsonl|- [--stats] ...`: one result object per item.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <iostream>
#include <iterator>
#include <string_view>

#include "compiler/diag/json_text.h"
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
void put_string(std::string& out, std::string_view text) { compiler::append_json_string(out, text); }

std::string json_string(std::string_view text) {
  std::string out;
  put_string(out, text);
  return out;
}

void put_int(std::string& out, std::int64_t v) {
  char digits[24];
  out.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
}

// One item's answers from the rules' table, kept from its evaluation to its printing (a
// block is evaluated, then printed, so that only the evaluation is timed for --stats).
struct Answers {
  std::int32_t process = -1, detail = 0;
  runtime::abi::ItemClock clock;
  std::vector<std::int64_t> priorities;  // by age
  std::vector<runtime::abi::NextChange> changes;
  runtime::abi::ProcessTerms terms;
  std::vector<runtime::abi::Stage> stages;
  std::vector<std::uint8_t> eligible;  // agent k at age i: [k * ages + i]
};

// One item's answers as the runtime asks them of the table (classify, clock, priority,
// next_change, terms, stages, eligible). `first`: its classification, clock and priority at
// the first age, from the table's batch entry point (evaluate_batch); null: asked here.
void evaluate(const runtime::abi::RulesV1& t, const runtime::ItemRecord& rec, const std::vector<std::int64_t>& ages,
              const std::vector<runtime::abi::Agent>& agents, std::int64_t at, Answers& a,
              const runtime::abi::BatchResult* first = nullptr) {
  namespace abi = runtime::abi;
  a.detail = first ? first->detail : 0;
  a.process = first ? first->process : t.classify(t.ctx, &rec, at, &a.detail);
  if (a.process < 0 || a.process >= t.process_count) return;
  if (first) a.clock = first->clock;
  else t.clock(t.ctx, a.process, &rec, at, &a.clock);
  a.priorities.clear();
  a.changes.clear();
  for (const std::int64_t age : ages) {
    a.priorities.push_back(first && a.priorities.empty() ? first->priority : t.priority(t.ctx, a.process, &rec, &a.clock, age));
    t.next_change(t.ctx, a.process, &rec, &a.clock, age, &a.changes.emplace_back());
  }
  t.terms(t.ctx, a.process, &rec, &a.clock, &a.terms);
  a.stages.assign(t.stage_counts[a.process], abi::Stage{});
  if (!a.stages.empty()) t.stages(t.ctx, a.process, &rec, &a.clock, a.stages.data());
  a.eligible.clear();
  for (const abi::Agent& agent : agents)
    for (const std::int64_t age : ages) a.eligible.push_back(t.eligible(t.ctx, a.process, &rec, &a.clock, age, &agent) != 0);
}

// Writes answers as one line of JSON each, fields in a fixed order. What does not change from
// item to item is quoted once: a process's name with its department's, each age.
class Printer {
 public:
  Printer(const runtime::abi::RulesV1& t, const runtime::StringPool& pool, const std::vector<std::string>& ages,
          std::size_t agents)
      : t_(t), pool_(pool), agents_(agents) {
    for (std::int32_t k = 0; k < t.process_count; ++k) {
      const std::int32_t department = t.process_departments[k];
      heads_.push_back("{\"process\":" + json_string(t.process_names[k]) + ",\"department\":" +
                       (department >= 0 ? json_string(t.department_names[department]) : "null") + ",\"due\":");
    }
    for (const std::string& age : ages) ages_.push_back(json_string(age));
  }

  void print(const Answers& a, std::string& out) const {
    namespace abi = runtime::abi;
    if (a.process < 0 || a.process >= t_.process_count) {
      out += "{\"rejected\":";
      put_string(out, t_.rejection(t_.ctx, a.detail));
      out += "}\n";
      return;
    }
    out += heads_[static_cast<std::size_t>(a.process)];
    if (a.clock.due != abi::kNone) {
      out += '"';
      stdlib::append_instant(out, stdlib::Instant{a.clock.due});
      out += '"';
    } else {
      out += "null";
    }
    out += ",\"priority\":[";
    for (std::size_t i = 0; i < ages_.size(); ++i) {
      out += i ? ",{\"age\":" : "{\"age\":";
      out += ages_[i];
      out += ",\"value\":";
      put_int(out, a.priorities[i]);
      out += '}';
    }
    out += "],\"next_change\":[";
    for (std::size_t i = 0; i < ages_.size(); ++i) {
      out += i ? ",{\"age\":" : "{\"age\":";
      out += ages_[i];
      out += ",\"at\":";
      if (a.changes[i].never) out += "null";
      else duration(a.changes[i].age, out);
      if (!a.changes[i].exact) out += ",\"exact\":false";
      out += '}';
    }
    out += "],\"terms\":{\"offer_timeout\":";
    duration(a.terms.offer_timeout, out);
    out += ",\"complete_within\":";
    duration(a.terms.complete_within, out);
    out += ",\"expire_after\":";
    duration(a.terms.expire_after, out);
    out += ",\"media\":";
    text(a.terms.media, out);
    out += "},\"stages\":[";
    for (std::size_t k = 0; k < a.stages.size(); ++k) {
      static constexpr const char* kKinds[] = {"agent", "group", "skill"};
      const abi::Stage& st = a.stages[k];
      out += k ? ",{\"kind\":" : "{\"kind\":";
      put_string(out, st.kind <= abi::kStageSkill ? kKinds[st.kind] : "skill");
      out += ",\"opens\":";
      duration(st.opens_at, out);
      if (st.kind == abi::kStageAgent) out += ",\"agent\":";
      if (st.kind == abi::kStageGroup) out += ",\"group\":";
      if (st.kind == abi::kStageAgent || st.kind == abi::kStageGroup) text(st.value, out);
      out += '}';
    }
    out += ']';
    if (agents_ != 0) {
      out += ",\"eligible\":[";
      for (std::size_t k = 0; k < agents_; ++k)
        for (std::size_t i = 0; i < ages_.size(); ++i) {
          out += k || i ? ",{\"agent\":" : "{\"agent\":";
          put_int(out, static_cast<std::int64_t>(k));
          out += ",\"at\":";
          out += ages_[i];
          out += a.eligible[k * ages_.size() + i] ? ",\"eligible\":true}" : ",\"eligible\":false}";
        }
      out += ']';
    }
    out += "}\n";
  }

 private:
  static void duration(std::int64_t ms, std::string& out) {
    if (ms == runtime::abi::kNone) {
      out += "null";
      return;
    }
    out += '"';
    stdlib::append_duration(out, stdlib::Duration{ms});
    out += '"';
  }
  void text(std::int64_t id, std::string& out) const {
    if (id == runtime::abi::kNone) out += "null";
    else put_string(out, pool_.view(static_cast<std::uint32_t>(id)));
  }

  const runtime::abi::RulesV1& t_;
  const runtime::StringPool& pool_;
  std::size_t agents_;
  std::vector<std::string> heads_;  // by process: `{"process":"...","department":...,"due":`
  std::vector<std::string> ages_;   // quoted
};

// Whether a function of the rules reads the item's `id` (else the decoder need not intern it).
bool reads_id(const Program& program) {
  for (const ProgramFunction& f : program.functions)
    for (const Instr& in : f.code)
      if (in.op == Op::LoadAttr && in.a == runtime::kSlotId) return true;
  return false;
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
  std::vector<std::string> age_texts;
  std::vector<std::int64_t> ages;
  for (std::size_t pos = 0; pos <= opts.ages.size();) {
    const std::size_t comma = std::min(opts.ages.find(',', pos), opts.ages.size());
    const std::string part = opts.ages.substr(pos, comma - pos);
    auto d = stdlib::parse_duration(part);
    if (!d.ok()) {
      std::cerr << "iwd eval: --ages: " << d.error << "\n";
      return kExitUsage;
    }
    age_texts.push_back(part);
    ages.push_back(d.value.ms);
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
  const Printer printer(*e.table, e.pool, age_texts, views.size());

  // A capture the runtime refuses or rejects is a result: {"rejected": "..."}, worded as the
  // runtime words it; what is not an item at all is an input error.
  std::int64_t eval_ns = 0, count = 0;
  std::string out;
  auto put_message = [&out](std::string_view key, std::string_view message) {
    out += "{\"";
    out += key;
    out += "\":";
    put_string(out, message);
    out += "}\n";
  };
  auto since = [](std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  };
  if (!opts.item.empty()) {
    DecodedItem item = decode_eval_item(e.rules->schema(), e.pool, opts.item, at);
    if (item.status == DecodedItem::BadInput) {
      std::cerr << "iwd eval: --item: " << item.error << "\n";
      return kExitUsage;
    }
    if (item.status == DecodedItem::Refused) {
      put_message("rejected", item.error);
    } else {
      Answers answers;
      const auto t0 = std::chrono::steady_clock::now();
      evaluate(*e.table, item.record, ages, views, at, answers);
      eval_ns += since(t0);
      printer.print(answers, out);
    }
    std::cout << out << std::flush;
    count = 1;
  } else {
    const int fd = opts.items == "-" ? STDIN_FILENO : ::open(opts.items.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::cerr << "iwd eval: cannot read '" << opts.items << "'\n";
      return kExitUsage;
    }
    LineReader in(fd);
    ItemDecoder decoder(e.rules->schema(), e.pool, at, reads_id(e.rules->program()));
    // Items a block at a time: their classification, clock and first priority in one call of
    // the table's batch entry point (runtime/abi.h), the rest per item; printed in input order.
    // A block is answered when full, or as soon as no more input is ready, so that a pipe fed
    // a line at a time gets each answer before it sends the next. The entries are kept from
    // block to block, their records' and answers' storage reused.
    constexpr std::size_t kBlock = 256;
    struct Entry {
      std::size_t line = 0;
      DecodedItem::Status status = DecodedItem::Ok;
      runtime::ItemRecord record;
      std::string error;
      Answers answers;
    };
    std::vector<Entry> block(kBlock);
    std::size_t used = 0;
    std::vector<const runtime::ItemRecord*> records;
    std::vector<runtime::abi::BatchResult> results;
    auto flush = [&] {
      records.clear();
      for (std::size_t k = 0; k < used; ++k)
        if (block[k].status == DecodedItem::Ok) records.push_back(&block[k].record);
      results.resize(records.size());
      const auto t0 = std::chrono::steady_clock::now();
      runtime::abi::evaluate_batch(*e.table, records.data(), static_cast<std::uint32_t>(records.size()), at, ages.front(),
                                   results.data());
      for (std::size_t k = 0, r = 0; k < used; ++k)
        if (block[k].status == DecodedItem::Ok) evaluate(*e.table, block[k].record, ages, views, at, block[k].answers, &results[r++]);
      eval_ns += since(t0);
      out.clear();
      for (std::size_t k = 0; k < used; ++k) {
        const Entry& entry = block[k];
        if (entry.status == DecodedItem::BadInput) {
          put_message("error", fmt::format("line {}: {}", entry.line, entry.error));
          continue;
        }
        if (entry.status == DecodedItem::Refused) put_message("rejected", entry.error);
        else printer.print(entry.answers, out);
        ++count;
      }
      used = 0;
      std::cout << out << std::flush;
    };
    std::string_view line;
    for (std::size_t n = 1;; ++n) {
      if (used != 0 && !in.ready()) flush();
      if (!in.next(&line)) break;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      Entry& entry = block[used++];
      entry.line = n;
      entry.status = decoder.decode(line, &entry.record, &entry.error);
      if (used == kBlock) flush();
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
