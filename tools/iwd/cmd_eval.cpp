// `iwd eval RULES --item JSON [--at INSTANT] [--ages LIST] [--agent JSON]... [--no-jit]`
// `iwd eval RULES --items FILE.jsonl|- [--stats] ...`: one result object per item.
#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>

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
  int threads = 0;  // --items' workers; 0: one a core, at most kMaxThreads
};

constexpr int kMaxThreads = 8;

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

// The output of a block of items, appended to through a pointer (issue 19: std::string's
// appends, a call each with the text's length counted at run time, were a fifth of printing):
// each piece makes room for itself, and a literal's length is known at compile time.
class OutBuf {
 public:
  void clear() { end_ = data_.get(); }
  std::string_view view() const { return {data_.get(), static_cast<std::size_t>(end_ - data_.get())}; }
  template <std::size_t N>
  void lit(const char (&text)[N]) {
    room(N - 1);
    std::memcpy(end_, text, N - 1);
    end_ += N - 1;
  }
  void put(std::string_view text) {
    if (text.empty()) return;
    room(text.size());
    std::memcpy(end_, text.data(), text.size());
    end_ += text.size();
  }
  void put(char c) {
    room(1);
    *end_++ = c;
  }
  void put_int(std::int64_t v) {
    room(24);
    end_ = std::to_chars(end_, end_ + 24, v).ptr;
  }
  // A JSON string, as put_string writes it.
  void put_json(std::string_view text) {
    const auto plain = [](char c) { return c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20; };
    if (!std::all_of(text.begin(), text.end(), plain)) {  // escapes: seldom
      std::string quoted;
      put_string(quoted, text);
      put(quoted);
      return;
    }
    room(text.size() + 2);
    *end_++ = '"';
    std::memcpy(end_, text.data(), text.size());
    end_ += text.size();
    *end_++ = '"';
  }
  // Room for n more bytes: a pointer to them, to be passed back to advance() with the end of
  // what was written there.
  char* reserve(std::size_t n) {
    room(n);
    return end_;
  }
  void advance(char* end) { end_ = end; }

 private:
  [[gnu::always_inline]] void room(std::size_t n) {
    if (static_cast<std::size_t>(cap_ - end_) < n) [[unlikely]]
      grow(n);
  }
  [[gnu::noinline]] void grow(std::size_t n) {
    const std::size_t used = static_cast<std::size_t>(end_ - data_.get());
    const std::size_t capacity = std::max<std::size_t>(2 * static_cast<std::size_t>(cap_ - data_.get()), used + n + 4096);
    auto bigger = std::make_unique<char[]>(capacity);
    if (used != 0) std::memcpy(bigger.get(), data_.get(), used);
    data_ = std::move(bigger);
    end_ = data_.get() + used;
    cap_ = data_.get() + capacity;
  }

  std::unique_ptr<char[]> data_;
  char* end_ = nullptr;
  char* cap_ = nullptr;
};

// Instants and durations written as stdlib::append_instant and append_duration write them, from
// caches (issue 19: formatting them was a tenth of `iwd eval --items`): an instant's date,
// `YYYY-MM-DDT`, is the one of the instant before for most items of a file, and is written
// again only when the day changes, the time of day by digit pairs; a duration's text is kept by
// its value (a file's items share a few: the next change, the offer timeout).
class TimeWriter {
 public:
  void instant(OutBuf& out, std::int64_t ms) {
    constexpr std::int64_t kDay = 86'400'000;
    if (ms < 0) {  // before 1970: as the library writes it
      std::string text;
      stdlib::append_instant(text, stdlib::Instant{ms});
      out.put(text);
      return;
    }
    const std::int64_t day = ms / kDay;
    std::int64_t rest = ms % kDay;
    if (day != day_) {  // the date as the library writes it, up to and including the `T`
      std::string text;
      stdlib::append_instant(text, stdlib::Instant{day * kDay});
      date_ = text.substr(0, text.find('T') + 1);
      day_ = day;
    }
    out.put(date_);
    char* const start = out.reserve(16);
    char* p = start;
    const int millis = static_cast<int>(rest % 1000);
    rest /= 1000;
    p = two(p, static_cast<int>(rest / 3600));
    *p++ = ':';
    p = two(p, static_cast<int>(rest / 60 % 60));
    *p++ = ':';
    p = two(p, static_cast<int>(rest % 60));
    if (millis != 0) {
      *p++ = '.';
      *p++ = static_cast<char>('0' + millis / 100);
      p = two(p, millis % 100);
    }
    *p++ = 'Z';
    out.advance(p);
  }

  void duration(OutBuf& out, std::int64_t ms) {
    Cached& c = durations_[static_cast<std::uint64_t>(ms ^ (ms >> 21)) * 0x9E3779B97F4A7C15ULL >> 58];
    if (c.ms != ms || c.len == 0) {
      std::string text;
      stdlib::append_duration(text, stdlib::Duration{ms});
      if (text.size() >= sizeof c.text) {
        out.put(text);
        return;
      }
      c.ms = ms;
      c.len = static_cast<std::uint8_t>(text.size());
      std::copy(text.begin(), text.end(), c.text);
    }
    out.put(std::string_view(c.text, c.len));
  }

 private:
  static char* two(char* at, int v) {
    at[0] = static_cast<char>('0' + v / 10);
    at[1] = static_cast<char>('0' + v % 10);
    return at + 2;
  }
  struct Cached {
    std::int64_t ms = 0;
    std::uint8_t len = 0;  // 0: empty
    char text[31];
  };
  std::int64_t day_ = -1;
  std::string date_;
  std::array<Cached, 64> durations_{};
};

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

  void print(const Answers& a, OutBuf& out) {
    namespace abi = runtime::abi;
    if (a.process < 0 || a.process >= t_.process_count) {
      out.lit("{\"rejected\":");
      out.put_json(t_.rejection(t_.ctx, a.detail));
      out.lit("}\n");
      return;
    }
    out.put(heads_[static_cast<std::size_t>(a.process)]);
    if (a.clock.due != abi::kNone) {
      out.put('"');
      time_.instant(out, a.clock.due);
      out.put('"');
    } else {
      out.lit("null");
    }
    out.lit(",\"priority\":[");
    for (std::size_t i = 0; i < ages_.size(); ++i) {
      if (i != 0) out.put(',');
      out.lit("{\"age\":");
      out.put(ages_[i]);
      out.lit(",\"value\":");
      out.put_int(a.priorities[i]);
      out.put('}');
    }
    out.lit("],\"next_change\":[");
    for (std::size_t i = 0; i < ages_.size(); ++i) {
      if (i != 0) out.put(',');
      out.lit("{\"age\":");
      out.put(ages_[i]);
      out.lit(",\"at\":");
      if (a.changes[i].never) out.lit("null");
      else duration(a.changes[i].age, out);
      if (!a.changes[i].exact) out.lit(",\"exact\":false");
      out.put('}');
    }
    out.lit("],\"terms\":");
    terms(a.terms, out);
    out.lit(",\"stages\":[");
    for (std::size_t k = 0; k < a.stages.size(); ++k) {
      static constexpr const char* kKinds[] = {"agent", "group", "skill"};
      const abi::Stage& st = a.stages[k];
      if (k != 0) out.put(',');
      out.lit("{\"kind\":");
      out.put_json(st.kind <= abi::kStageSkill ? kKinds[st.kind] : "skill");
      out.lit(",\"opens\":");
      duration(st.opens_at, out);
      if (st.kind == abi::kStageAgent) out.lit(",\"agent\":");
      if (st.kind == abi::kStageGroup) out.lit(",\"group\":");
      if (st.kind == abi::kStageAgent || st.kind == abi::kStageGroup) text(st.value, out);
      out.put('}');
    }
    out.put(']');
    if (agents_ != 0) {
      out.lit(",\"eligible\":[");
      for (std::size_t k = 0; k < agents_; ++k)
        for (std::size_t i = 0; i < ages_.size(); ++i) {
          if (k != 0 || i != 0) out.put(',');
          out.lit("{\"agent\":");
          out.put_int(static_cast<std::int64_t>(k));
          out.lit(",\"at\":");
          out.put(ages_[i]);
          if (a.eligible[k * ages_.size() + i]) out.lit(",\"eligible\":true}");
          else out.lit(",\"eligible\":false}");
        }
      out.put(']');
    }
    out.lit("}\n");
  }

 private:
  // The terms object, kept as text for the terms before (issue 19: a process's items mostly
  // share theirs).
  void terms(const runtime::abi::ProcessTerms& t, OutBuf& out) {
    if (terms_text_.empty() || t.offer_timeout != terms_.offer_timeout || t.complete_within != terms_.complete_within ||
        t.expire_after != terms_.expire_after || t.media != terms_.media) {
      OutBuf piece;
      piece.lit("{\"offer_timeout\":");
      duration(t.offer_timeout, piece);
      piece.lit(",\"complete_within\":");
      duration(t.complete_within, piece);
      piece.lit(",\"expire_after\":");
      duration(t.expire_after, piece);
      piece.lit(",\"media\":");
      text(t.media, piece);
      piece.put('}');
      terms_ = t;
      terms_text_ = piece.view();
    }
    out.put(terms_text_);
  }
  void duration(std::int64_t ms, OutBuf& out) {
    if (ms == runtime::abi::kNone) {
      out.lit("null");
      return;
    }
    out.put('"');
    time_.duration(out, ms);
    out.put('"');
  }
  void text(std::int64_t id, OutBuf& out) const {
    if (id == runtime::abi::kNone) out.lit("null");
    else out.put_json(pool_.view(static_cast<std::uint32_t>(id)));
  }

  const runtime::abi::RulesV1& t_;
  const runtime::StringPool& pool_;
  std::size_t agents_;
  std::vector<std::string> heads_;  // by process: `{"process":"...","department":...,"due":`
  std::vector<std::string> ages_;   // quoted
  TimeWriter time_;
  runtime::abi::ProcessTerms terms_;  // the terms terms_text_ is the text of, when not empty
  std::string terms_text_;
};

// A block of `--items` lines, taken from the input in order by one of the workers, then
// decoded, evaluated and printed by it (issue 19: each worker does the whole of its blocks, so
// that the work is split evenly over the cores; the blocks' outputs are written in input order).
struct EvalBlock {
  struct Entry {
    std::size_t line = 0;
    std::string_view text;  // the line, in `text` below
    std::size_t offset = 0;  // into `text`
    DecodedItem::Status status = DecodedItem::Ok;
    runtime::ItemRecord record;
    std::string error;
    Answers answers;
  };
  static constexpr std::size_t kSize = 256;
  std::vector<Entry> entries{kSize};
  std::size_t used = 0;
  std::uint64_t seq = 0;  // its place in the input: its output is written after the seq-1's
  std::string text;  // the lines' bytes
  // The batch entry point's answers for the entries decoded (Ok), in order.
  std::vector<const runtime::ItemRecord*> records;
  std::vector<runtime::abi::BatchResult> results;
};

// The input of `--items`, shared by the workers: each takes the next block of lines under its
// lock (a pipe fed a line at a time: a block ends as soon as no more input is ready, so that
// each line is answered before the next is sent), numbered in input order.
class EvalInput {
 public:
  explicit EvalInput(LineReader& in) : in_(in) {}
  // The next lines into *b (their numbers, their text copied into the block: the reader's
  // buffer is refilled); false at the end of the input.
  bool take(EvalBlock* b) {
    std::lock_guard lock(mutex_);
    b->used = 0;
    b->text.clear();
    std::string_view line;
    while (!done_ && b->used < b->entries.size()) {
      if (b->used != 0 && !in_.ready()) break;
      if (!in_.next(&line)) {
        done_ = true;
        break;
      }
      ++lines_;
      if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      EvalBlock::Entry& entry = b->entries[b->used++];
      entry.line = lines_;
      entry.offset = b->text.size();
      entry.text = line;
      b->text.append(line);
    }
    for (std::size_t k = 0; k < b->used; ++k)
      b->entries[k].text = std::string_view(b->text).substr(b->entries[k].offset, b->entries[k].text.size());
    if (b->used == 0) return false;
    b->seq = seq_++;
    return true;
  }

 private:
  LineReader& in_;
  std::mutex mutex_;
  std::size_t lines_ = 0;
  std::uint64_t seq_ = 0;
  bool done_ = false;
};

void write_out(const OutBuf& out) {
  const std::string_view text = out.view();
  std::cout.write(text.data(), static_cast<std::streamsize>(text.size())).flush();
}

// The blocks' outputs, written in input order (issue 19): a worker hands its block's output
// over and goes on to its next block; whoever hands over the block every earlier one has been
// written before writes it, and those after it already handed over. A worker waits only when
// kPending outputs wait on an earlier block still being answered (it then holds no block, so the
// one waited on is being answered by another worker).
class OrderedOutput {
 public:
  explicit OrderedOutput(std::size_t pending) : pending_(pending) {}
  // A buffer to print the next block into, once fewer than kPending outputs wait to be written.
  std::unique_ptr<OutBuf> buffer() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return ready_.size() < pending_; });
    if (free_.empty()) return std::make_unique<OutBuf>();
    std::unique_ptr<OutBuf> out = std::move(free_.back());
    free_.pop_back();
    return out;
  }
  // Hands the output of block `seq` over; writes it and what follows it when it is next.
  void put(std::uint64_t seq, std::unique_ptr<OutBuf> out) {
    std::unique_lock lock(mutex_);
    ready_.emplace(seq, std::move(out));
    if (writing_) return;  // the thread writing will find it
    writing_ = true;
    while (!ready_.empty() && ready_.begin()->first == next_) {
      std::unique_ptr<OutBuf> text = std::move(ready_.begin()->second);
      ready_.erase(ready_.begin());
      lock.unlock();
      write_out(*text);
      text->clear();
      lock.lock();
      ++next_;
      free_.push_back(std::move(text));
      changed_.notify_all();
    }
    writing_ = false;
  }

 private:
  const std::size_t pending_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::uint64_t, std::unique_ptr<OutBuf>> ready_;  // handed over, not yet written
  std::vector<std::unique_ptr<OutBuf>> free_;
  std::uint64_t next_ = 0;  // the block to write next
  bool writing_ = false;   // a thread is writing (it writes every block that becomes next)
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
  // A capture the runtime refuses or rejects is a result: {"rejected": "..."}, worded as the
  // runtime words it; what is not an item at all is an input error.
  std::int64_t eval_ns = 0, count = 0;
  auto put_message = [](OutBuf& out, std::string_view key, std::string_view message) {
    out.lit("{\"");
    out.put(key);
    out.lit("\":");
    out.put_json(message);
    out.lit("}\n");
  };
  auto since = [](std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count();
  };
  if (!opts.item.empty()) {
    Printer printer(*e.table, e.pool, age_texts, views.size());
    OutBuf out;
    DecodedItem item = decode_eval_item(e.rules->schema(), e.pool, opts.item, at);
    if (item.status == DecodedItem::BadInput) {
      std::cerr << "iwd eval: --item: " << item.error << "\n";
      return kExitUsage;
    }
    if (item.status == DecodedItem::Refused) {
      put_message(out, "rejected", item.error);
    } else {
      Answers answers;
      const auto t0 = std::chrono::steady_clock::now();
      evaluate(*e.table, item.record, ages, views, at, answers);
      eval_ns += since(t0);
      printer.print(answers, out);
    }
    write_out(out);
    count = 1;
  } else {
    const int fd = opts.items == "-" ? STDIN_FILENO : ::open(opts.items.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      std::cerr << "iwd eval: cannot read '" << opts.items << "'\n";
      return kExitUsage;
    }
    LineReader in(fd);
    EvalInput input(in);
    const bool ids_read = reads_id(e.rules->program());
    const int threads =
        opts.threads != 0 ? opts.threads : std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, kMaxThreads);
    OrderedOutput output(2 * static_cast<std::size_t>(threads));
    // Items a block at a time, by `threads` workers (issue 19): each takes the next block of
    // lines from the input, decodes it, asks the table's batch entry point (runtime/abi.h) for
    // the block's classifications, clocks and first priorities in one call and the rest per
    // item, prints it into a buffer, and hands that over to be written in input order. A
    // worker's decoder, printer and block are its own (their caches too), the string pool and
    // the table are shared (both safe to use from several threads).
    struct Worker {
      ItemDecoder decoder;
      Printer printer;
      EvalBlock block;
      std::int64_t eval_ns = 0, count = 0;
    };
    auto work = [&](Worker& w) {
      EvalBlock& block = w.block;
      for (;;) {
        std::unique_ptr<OutBuf> out = output.buffer();  // before the block: see OrderedOutput
        if (!input.take(&block)) break;
        for (std::size_t k = 0; k < block.used; ++k) {
          EvalBlock::Entry& entry = block.entries[k];
          entry.status = w.decoder.decode(entry.text, &entry.record, &entry.error);
        }
        block.records.clear();
        for (std::size_t k = 0; k < block.used; ++k)
          if (block.entries[k].status == DecodedItem::Ok) block.records.push_back(&block.entries[k].record);
        block.results.resize(block.records.size());
        const auto t0 = std::chrono::steady_clock::now();
        runtime::abi::evaluate_batch(*e.table, block.records.data(), static_cast<std::uint32_t>(block.records.size()), at,
                                     ages.front(), block.results.data());
        for (std::size_t k = 0, r = 0; k < block.used; ++k) {
          EvalBlock::Entry& entry = block.entries[k];
          if (entry.status == DecodedItem::Ok)
            evaluate(*e.table, entry.record, ages, views, at, entry.answers, &block.results[r++]);
        }
        w.eval_ns += since(t0);
        for (std::size_t k = 0; k < block.used; ++k) {
          const EvalBlock::Entry& entry = block.entries[k];
          if (entry.status == DecodedItem::BadInput) {
            put_message(*out, "error", fmt::format("line {}: {}", entry.line, entry.error));
            continue;
          }
          if (entry.status == DecodedItem::Refused) put_message(*out, "rejected", entry.error);
          else w.printer.print(entry.answers, *out);
          ++w.count;
        }
        output.put(block.seq, std::move(out));
      }
    };
    std::deque<Worker> workers;
    for (int k = 0; k < threads; ++k)
      workers.push_back(Worker{ItemDecoder(e.rules->schema(), e.pool, at, ids_read),
                               Printer(*e.table, e.pool, age_texts, views.size()), EvalBlock{}});
    std::vector<std::thread> others;
    for (std::size_t k = 1; k < workers.size(); ++k) others.emplace_back(work, std::ref(workers[k]));
    work(workers[0]);
    for (std::thread& t : others) t.join();
    for (const Worker& w : workers) {
      eval_ns += w.eval_ns;
      count += w.count;
    }
    if (fd != STDIN_FILENO) ::close(fd);
    if (!in.error().empty()) {
      std::cerr << "iwd eval: cannot read '" << opts.items << "': " << in.error() << "\n";
      return kExitUsage;
    }
  }
  if (opts.stats)
    std::cerr << fmt::format("{} item{} evaluated in {} ns per item ({})\n", count, count == 1 ? "" : "s",
                             count ? eval_ns / count : 0, e.table->engine);
  // Everything is written: the rules, their native code, the pool and the workers' buffers are
  // left to the kernel (issue 19: their destructors and exit's unmapping were 4 % of a one-item
  // run from a bundle).
  exit_without_freeing(kExitOk);
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
  cmd->add_option("--threads", opts->threads,
                  fmt::format("Threads that decode, evaluate and print --items' lines, each a block at a time "
                              "(default: one a core, at most {})",
                              kMaxThreads))
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--stats", opts->stats, "Print the item count and the evaluation time per item on stderr");
  cmd->callback([opts] { set_exit_code(run_eval(*opts)); });
}

}  // namespace iwd::cli
