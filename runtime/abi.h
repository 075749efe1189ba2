// The rules ABI, version 1: the one way the runtime reaches compiled rules.
//
// Whoever loads a ruleset (the JIT from source, or the bundle loader; both in compiler/load)
// fills a RulesV1 table and hands it to the runtime. The runtime calls through it and never
// includes a compiler or LLVM header. The table is plain data and function pointers, so it
// could cross a shared-library boundary; the version and the table's size let a caller refuse
// a table it does not understand (check_table()).
//
// Conventions:
// - Instants are ms since the Unix epoch (UTC); durations and ages are ms.
// - kNone marks an absent instant or duration.
// - Strings inside items and agents are ids of the runtime::StringPool the table was loaded
//   with (the loader interns the rules' own constants there).
// - Every function is safe to call from several threads at once.
// - A process is an index in [0, process_count); the default process, when there is one, is
//   the last.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>

namespace iwd::runtime {
class ItemRecord;
}

namespace iwd::runtime::abi {

inline constexpr std::uint32_t kRulesAbiVersion = 1;
inline constexpr std::int64_t kNone = std::numeric_limits<std::int64_t>::min();

// An agent as the rules read it (skill stages, `agent.NAME`, `group`, `agent` stages).
struct Agent {
  const std::int8_t* skills = nullptr;  // level per skill of the ruleset (RulesV1::skill_names
  std::uint32_t skill_count = 0;        // order); -1: the agent lacks that skill
  std::uint32_t id = 0;                 // the agent's id, interned
  const std::uint32_t* groups = nullptr;  // group names, interned
  std::uint32_t group_count = 0;
  const std::uint32_t* attribute_names = nullptr;   // `agent.NAME` attributes: names and
  const std::uint32_t* attribute_values = nullptr;  // values, interned, pairwise
  std::uint32_t attribute_count = 0;
};

// A classified item's clock, computed once at classification (and again when the item is
// reclassified). Age 0 is `start`.
struct ItemClock {
  std::int64_t classified_at = 0;  // `now` of the classification
  std::int64_t start = 0;          // activate_at, else captured_at
  std::int64_t sla = kNone;        // the process SLA; kNone without one
  std::int64_t due = kNone;        // due_at, else start + SLA (in its calendar); kNone: never due
};

// One item's answers from RulesV1::evaluate_batch.
struct BatchResult {
  std::int32_t process = -1;  // -1: rejected; `detail` then says why (RulesV1::rejection)
  std::int32_t detail = 0;    // 0 when classified
  ItemClock clock;            // unset (its defaults) when rejected
  std::int64_t priority = 0;  // at the age asked; 0 when rejected
};
static_assert(sizeof(BatchResult) == 48 && offsetof(BatchResult, clock) == 8 && offsetof(BatchResult, priority) == 40,
              "generated code writes BatchResult as six words");
static_assert(sizeof(ItemClock) == 32 && offsetof(ItemClock, start) == 8 && offsetof(ItemClock, sla) == 16 &&
                  offsetof(ItemClock, due) == 24,
              "generated code writes ItemClock as four words");

// A process's lifecycle clauses (LANGUAGE.md section 7), evaluated for one item.
struct ProcessTerms {
  std::int64_t offer_timeout = 30'000;  // ms an agent has to accept an offer
  std::int64_t complete_within = kNone;  // ms the source has to confirm a done item; kNone: no limit
  std::int64_t expire_after = kNone;     // ms from `start` after which an open item expires; kNone: never
  std::int64_t media = kNone;            // interned media the process is restricted to; kNone: any
};

// The next age after a given one at which the priority changes.
struct NextChange {
  std::int64_t age = 0;     // meaningless when `never`
  std::uint8_t never = 0;   // the priority never changes again
  std::uint8_t exact = 1;   // 0: `age` is a conservative time to look again (at most 1 min later)
};

enum StageKind : std::uint8_t { kStageAgent = 0, kStageGroup = 1, kStageSkill = 2 };

// A target stage of one item (LANGUAGE.md section 9).
struct Stage {
  std::uint8_t kind = kStageSkill;
  std::uint8_t reads_item = 0;   // Skill: the expression reads item attributes, so the item's
                                 // values are part of who it admits
  std::int32_t expression = -1;  // Skill: identity of the compiled skill expression; two
                                 // stages with the same id (and reads_item 0) admit the same agents
  std::int64_t opens_at = kNone;  // the age it opens at; kNone: never (a stage after a final one)
  std::int64_t value = kNone;     // Agent: the agent id (kNone: absent, the stage is skipped
                                  // and admits no one); Group: the group name; Skill: unused
};

// A `capacity NAME { MEDIA N, ..., total N }` declaration.
struct Capacity {
  const char* name = nullptr;
  std::uint32_t media_count = 0;
  const char* const* media = nullptr;     // media names
  const std::int64_t* limits = nullptr;   // per media
  std::int64_t total = kNone;             // kNone: no total limit
};

// What one skill expression reads (RulesV1::expression_reads). The arrays stay valid as long
// as the table.
struct ExpressionReads {
  const std::uint32_t* slots = nullptr;   // item attribute slots it reads, ascending, no repeats
  std::uint32_t slot_count = 0;
  const std::uint32_t* skills = nullptr;  // skills it reads (RulesV1::skill_names order), ascending
  std::uint32_t skill_count = 0;
  std::uint8_t reads_inputs = 0;          // it reads age, sla, due, overdue_by or now: who it admits
                                          // depends on the item's clock as well
};

struct RulesV1 {
  std::uint32_t abi_version = kRulesAbiVersion;
  std::uint32_t table_size = sizeof(RulesV1);
  void* ctx = nullptr;  // passed back to every function

  // What the ruleset is. Strings stay valid as long as the table.
  const char* ruleset_name = "";
  const char* ruleset_version = "";
  const char* source_hash = "";  // hex digest of the source files
  const char* schema = "";       // runtime::Schema::serialize(): the item record's layout
  const char* engine = "";       // "jit" or "interpreter"

  std::int32_t process_count = 0;
  const char* const* process_names = nullptr;     // "Sales.Gold"; the default process by itself
  const std::int32_t* process_departments = nullptr;  // department index, -1 for the default process
  std::int32_t department_count = 0;
  const char* const* department_names = nullptr;
  std::int32_t skill_count = 0;
  const char* const* skill_names = nullptr;
  std::int32_t capacity_count = 0;
  const Capacity* capacities = nullptr;
  const std::uint32_t* stage_counts = nullptr;  // per process

  // Classification (LANGUAGE.md section 7): the process, or -1 when the item is rejected; then
  // *detail says why, and rejection(detail) is the message naming the reason.
  std::int32_t (*classify)(void* ctx, const ItemRecord* item, std::int64_t now, std::int32_t* detail) = nullptr;
  const char* (*rejection)(void* ctx, std::int32_t detail) = nullptr;
  // The item's clock in `process`, classified at `now`.
  void (*clock)(void* ctx, std::int32_t process, const ItemRecord* item, std::int64_t now, ItemClock* out) = nullptr;
  void (*terms)(void* ctx, std::int32_t process, const ItemRecord* item, const ItemClock* clock,
                ProcessTerms* out) = nullptr;
  // The priority at an age (LANGUAGE.md section 8), and when it next changes after that age.
  std::int64_t (*priority)(void* ctx, std::int32_t process, const ItemRecord* item, const ItemClock* clock,
                           std::int64_t age) = nullptr;
  void (*next_change)(void* ctx, std::int32_t process, const ItemRecord* item, const ItemClock* clock,
                      std::int64_t age, NextChange* out) = nullptr;
  // The item's target stages: stage_counts[process] entries into `out`.
  void (*stages)(void* ctx, std::int32_t process, const ItemRecord* item, const ItemClock* clock, Stage* out) = nullptr;
  // Whether the agent satisfies stage `stage`'s condition, whether or not it is open.
  std::uint8_t (*admits)(void* ctx, std::int32_t process, std::uint32_t stage, const ItemRecord* item,
                         const ItemClock* clock, const Agent* agent) = nullptr;
  // Whether the agent is eligible at an age: some stage open at that age admits it.
  std::uint8_t (*eligible)(void* ctx, std::int32_t process, const ItemRecord* item, const ItemClock* clock,
                           std::int64_t age, const Agent* agent) = nullptr;

  // Optional (null: unknown). What skill expression `expression` (a Stage::expression) reads.
  // The runtime groups items by target: items whose stage has the same expression and the
  // same values in the slots it reads admit the same agents, and the highest-proficiency
  // policy ranks agents by their levels in the skills it reads. Without it, every item whose
  // stage reads the item is its own target, and proficiency is the sum of all skill levels.
  void (*expression_reads)(void* ctx, std::int32_t expression, ExpressionReads* out) = nullptr;

  // Appended for LANGUAGE.md 1.1 section 11 (`report by`, `outcomes`). A table built before
  // ends above here (its table_size says so): read the counts through report_dimension_count()
  // and outcome_count() below, which see such a table as declaring neither.
  std::int32_t report_dimension_count = 0;                 // at most 8
  const std::uint32_t* report_dimension_slots = nullptr;   // item record slots, in `report by` order
  const char* const* report_dimension_names = nullptr;     // their attribute names
  std::int32_t outcome_count = 0;                          // 0: `outcomes` not declared (or empty)
  const char* const* outcome_names = nullptr;              // in declaration order

  // Appended for `last_agent` (LANGUAGE.md 1.1 section 3), which the runtime sets: whether
  // any rule reads it (a `when`, a define, a clause, a priority scheme, a target stage), so
  // that the runtime classifies the item again when it changes. A table that ends above here
  // is read as reading it (reads_last_agent() below).
  std::uint8_t reads_last_agent = 0;

  // Appended for `complete by source` (docs/language.md): per process, 1 when only the source
  // completes its items, so that an agent's `done` is refused. Appending keeps every field
  // above where it was, so the ABI stays version 1 as for the fields appended before: a table
  // that ends above here (its table_size says so) is read as letting agents mark done, which
  // is all rules before the clause could say (source_completes() below).
  const std::uint8_t* process_source_completes = nullptr;  // process_count entries

  // Appended for issue 19: classify, clock and priority of `count` items in one call (capture
  // bursts, `iwd eval --items`, the server's batch create), so that a JIT table runs one
  // generated loop instead of three calls and their setup per item. out[i] answers items[i]:
  // what classify, clock (at `now`) and priority (at `age` on that clock) return for it, one
  // by one. A table that ends above here has none: evaluate_batch() below then calls those
  // three per item, with the same answers.
  void (*evaluate_batch)(void* ctx, const ItemRecord* const* items, std::uint32_t count, std::int64_t now,
                         std::int64_t age, BatchResult* out) = nullptr;
};


// The size of a RulesV1 table without the fields appended after `expression_reads`.
inline constexpr std::uint32_t kRulesV1BaseSize =
    static_cast<std::uint32_t>(offsetof(RulesV1, report_dimension_count));
// The size of a RulesV1 table with the `report by` and `outcomes` fields, without `reads_last_agent`.
inline constexpr std::uint32_t kRulesV1ReportingSize = static_cast<std::uint32_t>(offsetof(RulesV1, reads_last_agent));

// Whether `t` carries the `report by` and `outcomes` fields (a table that predates them does not).
inline bool has_reporting(const RulesV1& t) { return t.table_size >= kRulesV1ReportingSize; }
inline std::int32_t report_dimension_count(const RulesV1& t) { return has_reporting(t) ? t.report_dimension_count : 0; }
inline std::int32_t outcome_count(const RulesV1& t) { return has_reporting(t) ? t.outcome_count : 0; }
// Whether a change of the item's last_agent can change what the rules say of it.
inline bool reads_last_agent(const RulesV1& t) {
  return t.table_size >= offsetof(RulesV1, reads_last_agent) + sizeof(t.reads_last_agent) ? t.reads_last_agent != 0 : true;
}

// Whether only the source completes the items of `process` (`complete by source`): an agent
// cannot mark them done.
inline bool source_completes(const RulesV1& t, std::int32_t process) {
  return t.table_size >= offsetof(RulesV1, process_source_completes) + sizeof(t.process_source_completes) &&
         t.process_source_completes != nullptr && process >= 0 && process < t.process_count &&
         t.process_source_completes[process] != 0;
}

// Whether `t` has the batch entry point.
inline bool has_batch(const RulesV1& t) {
  return t.table_size >= offsetof(RulesV1, evaluate_batch) + sizeof(t.evaluate_batch) && t.evaluate_batch != nullptr;
}
// Classify, clock at `now` and priority at `age` of `count` items: through the table's batch
// entry point when it has one, else item by item (the same answers).
inline void evaluate_batch(const RulesV1& t, const ItemRecord* const* items, std::uint32_t count, std::int64_t now,
                           std::int64_t age, BatchResult* out) {
  if (has_batch(t)) return t.evaluate_batch(t.ctx, items, count, now, age, out);
  for (std::uint32_t i = 0; i < count; ++i) {
    BatchResult& r = out[i] = BatchResult{};
    r.process = t.classify(t.ctx, items[i], now, &r.detail);
    if (r.process < 0) continue;
    r.detail = 0;
    t.clock(t.ctx, r.process, items[i], now, &r.clock);
    r.priority = t.priority(t.ctx, r.process, items[i], &r.clock, age);
  }
}

// Whether the runtime can use `t`: "" when it can, else why not.
inline const char* check_table(const RulesV1* t) {
  if (t == nullptr) return "no rules table";
  if (t->abi_version != kRulesAbiVersion) return "the rules table has another ABI version";
  if (t->table_size < kRulesV1BaseSize) return "the rules table is smaller than this runtime expects";
  if (!t->classify || !t->rejection || !t->clock || !t->terms || !t->priority || !t->next_change || !t->stages ||
      !t->admits || !t->eligible)
    return "the rules table lacks an entry point";
  return "";
}

}  // namespace iwd::runtime::abi
