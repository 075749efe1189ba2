// The runtime's ABI table (runtime/abi.h) over a loaded ruleset: each entry point builds an
// EvalEnv over the runtime's item record (and agent) and calls the interpreter, whose
// functions run as native code when the JIT is on.
#include <algorithm>
#include <memory>
#include <new>
#include <set>

#include "compiler/interp/record_env.h"
#include "compiler/load/loaded_rules.h"
#include "runtime/item.h"

namespace iwd::compiler {

namespace abi = runtime::abi;

struct LoadedRules::Strings {
  std::vector<std::string> rejections;  // missing attribute per slot, then no department, then per department
  std::vector<const char*> process_names, department_names, skill_names, report_names, outcome_names;
  std::vector<std::uint32_t> report_slots;
  std::vector<std::int32_t> process_departments;
  std::vector<std::uint32_t> stage_counts;
  std::vector<std::uint8_t> source_completes;  // per process: `complete by source`
  std::vector<std::vector<const char*>> capacity_media;
  std::vector<std::vector<std::int64_t>> capacity_limits;
  std::vector<abi::Capacity> capacities;
  // What each function reads (abi::ExpressionReads): slots and skills, ascending.
  std::vector<std::vector<std::uint32_t>> read_slots, read_skills;
  std::vector<std::uint8_t> reads_inputs;
  // Per process, what the next change's entry needs, looked up once at load (issue 19): the
  // generated iwd_next<k> of its scheme (null: the walk answers), the calendar of its SLA
  // clock (Interpreter::sla_clock_calendar), so that an item's inputs are made here, and
  // whether an item without a `due_at` has the SLA as its clock's open time: its due instant is
  // then the SLA counted in the SLA's calendar from the start (Interpreter::due: add_business,
  // not business days), whose open time is the SLA itself (calendar.h's round trip; the
  // generated code takes it only where that holds: share_in_the_calendar in codegen_next.cpp).
  struct Next {
    JitNext next = nullptr;
    std::int64_t sla_calendar = -1;
    bool open_is_sla = false;
    const stdlib::BusinessCalendar* age_calendar = nullptr;  // the scheme's `age in`, given to `next`
  };
  std::vector<Next> nexts;
};

// Here, where Strings is complete.
LoadedRules::LoadedRules(runtime::StringPool& pool) : pool_(pool) {}
LoadedRules::~LoadedRules() = default;

// The entry points, as static members of a friend-free helper: each casts ctx back.
struct TableEntry {
  static const LoadedRules& self(void* ctx) { return *static_cast<const LoadedRules*>(ctx); }
  static RecordEnv env(const LoadedRules& r, const runtime::ItemRecord* item, const abi::Agent* agent,
                       const std::vector<std::int64_t>& strings) {
    return RecordEnv(*r.program_, r.pool_, *item, agent, &strings);  // the members: no call (LoadedRules::program is out of line)
  }
  // The time inputs of an item in `process` at an age (the SLA clock of LANGUAGE.md 1.1: from
  // the start to the due instant, in the calendar of the process's SLA).
  static TimeInputs at(const LoadedRules& r, std::int32_t process, const abi::ItemClock& c, std::int64_t age) {
    return r.interpreter().inputs(process, c, age);
  }
  // The same with the process's SLA calendar known (Strings::Next).
  static TimeInputs at(std::int64_t sla_calendar, const abi::ItemClock& c, std::int64_t age) {
    return Interpreter::inputs_in(sla_calendar, c, age);
  }
  // The argument block of compiled code over an item's record (runtime/item.h).
  static JitArgs args(const LoadedRules& r, const runtime::ItemRecord* item, const std::int64_t* inputs, const EvalEnv* env) {
    const std::uint64_t* rec = item->data();
    return JitArgs{reinterpret_cast<const std::int64_t*>(rec + 1 + item->presence_words()), rec + 1, inputs,
                   r.string_ids_.data(), env, r.interp_.get()};
  }
  // RulesV1::evaluate_batch with the JIT: the generated loop (iwd_batch) over argument blocks
  // made here a chunk at a time, each with its item's environment for the slow paths.
  static void batch(const LoadedRules& r, JitBatch run, const runtime::ItemRecord* const* items, std::uint32_t count,
                    std::int64_t now, std::int64_t age, abi::BatchResult* out) {
    constexpr std::uint32_t kChunk = 64;
    alignas(RecordEnv) unsigned char envs[kChunk * sizeof(RecordEnv)];
    JitArgs args[kChunk];
    for (std::uint32_t at = 0; at < count; at += kChunk) {
      const std::uint32_t n = std::min(kChunk, count - at);
      for (std::uint32_t k = 0; k < n; ++k) {
        const auto* env = new (envs + k * sizeof(RecordEnv)) RecordEnv(TableEntry::env(r, items[at + k], nullptr, r.string_ids_));
        args[k] = TableEntry::args(r, items[at + k], nullptr, env);
      }
      run(args, n, now, age, reinterpret_cast<std::int64_t*>(out + at));
      for (std::uint32_t k = 0; k < n; ++k) std::destroy_at(reinterpret_cast<RecordEnv*>(envs + k * sizeof(RecordEnv)));
    }
  }
};

void LoadedRules::fill_table() {
  const Program& p = *program_;
  strings_ = std::make_unique<Strings>();
  Strings& s = *strings_;
  for (std::size_t i = 0; i < p.attributes.size(); ++i) s.rejections.push_back(interp_->rejection(static_cast<std::int32_t>(i)));
  s.rejections.push_back(interp_->rejection(Interpreter::kNoDepartment));
  for (std::size_t d = 0; d < p.departments.size(); ++d)
    s.rejections.push_back(interp_->rejection(Interpreter::kDepartmentBase + static_cast<std::int32_t>(d)));
  for (const auto& pp : p.processes) {
    s.process_names.push_back(pp.name.c_str());
    s.process_departments.push_back(pp.department);
    s.stage_counts.push_back(static_cast<std::uint32_t>(pp.stages.size()));
    s.source_completes.push_back(pp.source_completes ? 1 : 0);
    const std::int32_t scheme = pp.priority;
    const bool counted = pp.sla >= 0 && pp.sla_calendar >= 0 &&
                         p.functions[static_cast<std::size_t>(pp.sla)].tag != VTag::BusinessDays;
    const std::int32_t age_calendar = scheme >= 0 ? p.priorities[static_cast<std::size_t>(scheme)].age_calendar : -1;
    s.nexts.push_back(Strings::Next{jit_ && scheme >= 0 ? jit_->next_change(scheme) : nullptr,
                                    interp_->sla_clock_calendar(static_cast<std::int32_t>(s.nexts.size())), counted,
                                    age_calendar >= 0 ? &interp_->calendar(age_calendar) : nullptr});
  }
  for (const auto& d : p.departments) s.department_names.push_back(d.name.c_str());
  for (const auto& k : p.skills) s.skill_names.push_back(k.c_str());
  for (auto slot : p.report_by) {
    s.report_slots.push_back(static_cast<std::uint32_t>(slot));
    s.report_names.push_back(p.attributes[static_cast<std::size_t>(slot)].name.c_str());
  }
  for (const auto& o : p.outcomes) s.outcome_names.push_back(o.c_str());
  for (const auto& c : p.capacities) {
    auto& media = s.capacity_media.emplace_back();
    auto& limits = s.capacity_limits.emplace_back();
    for (const auto& [m, n] : c.limits) {
      media.push_back(m.c_str());
      limits.push_back(n);
    }
  }
  for (std::size_t i = 0; i < p.capacities.size(); ++i)
    s.capacities.push_back(abi::Capacity{p.capacities[i].name.c_str(), static_cast<std::uint32_t>(s.capacity_media[i].size()),
                                         s.capacity_media[i].data(), s.capacity_limits[i].data(),
                                         p.capacities[i].total < 0 ? abi::kNone : p.capacities[i].total});
  for (const auto& f : p.functions) {
    std::set<std::uint32_t> slots, skills;
    bool inputs = false;
    for (const auto& in : f.code) {
      if (in.op == Op::LoadAttr) slots.insert(in.a);
      if (in.op == Op::LoadSkill) skills.insert(in.a);
      inputs = inputs || in.op == Op::LoadInput;
    }
    skill_reads_item_.push_back(!slots.empty() || inputs ? 1 : 0);
    s.read_slots.emplace_back(slots.begin(), slots.end());
    s.read_skills.emplace_back(skills.begin(), skills.end());
    s.reads_inputs.push_back(inputs ? 1 : 0);
  }

  abi::RulesV1& t = table_;
  t.ctx = this;
  t.ruleset_name = manifest_.ruleset.c_str();
  t.ruleset_version = manifest_.ruleset_version.c_str();
  t.source_hash = manifest_.source_hash.c_str();
  t.schema = schema_text_.c_str();
  t.engine = jit_ ? "jit" : "interpreter";
  t.process_count = static_cast<std::int32_t>(p.processes.size());
  t.process_names = s.process_names.data();
  t.process_departments = s.process_departments.data();
  t.department_count = static_cast<std::int32_t>(p.departments.size());
  t.department_names = s.department_names.data();
  t.skill_count = static_cast<std::int32_t>(p.skills.size());
  t.skill_names = s.skill_names.data();
  t.capacity_count = static_cast<std::int32_t>(p.capacities.size());
  t.capacities = s.capacities.data();
  t.stage_counts = s.stage_counts.data();
  t.process_source_completes = s.source_completes.data();
  t.report_dimension_count = static_cast<std::int32_t>(s.report_slots.size());
  t.report_dimension_slots = s.report_slots.data();
  t.report_dimension_names = s.report_names.data();
  t.outcome_count = static_cast<std::int32_t>(s.outcome_names.size());
  t.outcome_names = s.outcome_names.data();
  // Whether a rule reads last_agent (the runtime classifies an item again when it changes).
  if (schema_.last_agent_slot() >= 0)
    for (const auto& slots : s.read_slots)
      if (std::binary_search(slots.begin(), slots.end(), static_cast<std::uint32_t>(schema_.last_agent_slot())))
        t.reads_last_agent = 1;

  t.classify = [](void* ctx, const runtime::ItemRecord* item, std::int64_t now, std::int32_t* detail) {
    const LoadedRules& r = TableEntry::self(ctx);
    const RecordEnv env = TableEntry::env(r, item, nullptr, r.string_ids_);
    if (r.jit_) {  // the hot path: straight into the compiled walk
      const std::int64_t inputs[kInputCount] = {now};
      const JitArgs args = TableEntry::args(r, item, inputs, &env);
      return r.jit_->classify()(&args, detail);
    }
    return r.interp_->classify_code(env, stdlib::Instant{now}, detail);
  };
  t.rejection = [](void* ctx, std::int32_t detail) -> const char* {
    const LoadedRules& r = TableEntry::self(ctx);
    const auto& rej = r.strings_->rejections;
    const auto slots = static_cast<std::int32_t>(r.program_->attributes.size());
    std::size_t at = rej.size();
    if (detail >= 0 && detail < slots) at = static_cast<std::size_t>(detail);
    else if (detail == Interpreter::kNoDepartment) at = static_cast<std::size_t>(slots);
    else if (detail >= Interpreter::kDepartmentBase &&
             detail - Interpreter::kDepartmentBase < static_cast<std::int32_t>(r.program_->departments.size()))
      at = static_cast<std::size_t>(slots + 1 + detail - Interpreter::kDepartmentBase);
    return at < rej.size() ? rej[at].c_str() : "rejected for an unknown reason";
  };
  t.clock = [](void* ctx, std::int32_t process, const runtime::ItemRecord* item, std::int64_t now, abi::ItemClock* out) {
    const LoadedRules& r = TableEntry::self(ctx);
    const auto p = static_cast<std::size_t>(process);
    if (r.jit_ && r.jit_->plan().clock[p]) {  // no SLA, or a constant one: iwd_clock<p> without the call
      const BatchPlan& plan = r.jit_->plan();
      using runtime::kSlotActivateAt, runtime::kSlotCapturedAt, runtime::kSlotDueAt;
      const std::uint64_t present = item->data()[1];  // the core slots are in word 0
      // An absent slot holds 0, as the interpreter reads an absent captured_at.
      const std::int64_t start = item->get_int(present >> kSlotActivateAt & 1 ? kSlotActivateAt : kSlotCapturedAt);
      out->classified_at = now;
      out->start = start;
      out->sla = plan.sla[p];
      out->due = present >> kSlotDueAt & 1 ? item->get_int(kSlotDueAt) : plan.sla_adds[p] ? static_cast<std::int64_t>(static_cast<std::uint64_t>(start) + static_cast<std::uint64_t>(plan.sla[p]))  // a plain add, as the generated code's
                                                                                : abi::kNone;
      return;
    }
    const RecordEnv env = TableEntry::env(r, item, nullptr, r.string_ids_);
    if (const JitClock compiled = r.jit_ ? r.jit_->clock(process) : nullptr) {  // an elapsed clock: generated code
      static_assert(static_cast<int>(Input::Now) == 0);
      const std::int64_t inputs[kInputCount] = {now};
      const JitArgs args = TableEntry::args(r, item, inputs, &env);
      return compiled(&args, reinterpret_cast<std::int64_t*>(out));
    }
    *out = r.interp_->clock(process, env, stdlib::Instant{now});
  };
  t.terms = [](void* ctx, std::int32_t process, const runtime::ItemRecord* item, const abi::ItemClock* clock,
               abi::ProcessTerms* out) {
    const LoadedRules& r = TableEntry::self(ctx);
    const RecordEnv env = TableEntry::env(r, item, nullptr, r.string_ids_);
    const TimeInputs in = TableEntry::at(r, process, *clock, 0);
    const auto& pp = r.program_->processes[static_cast<std::size_t>(process)];
    auto value = [&](FunctionRef f, std::int64_t otherwise) {
      if (f < 0) return otherwise;
      const Value v = r.interp_->run(f, env, in);
      return v.present ? v.i : otherwise;
    };
    *out = abi::ProcessTerms{};
    out->offer_timeout = value(pp.offer_timeout, out->offer_timeout);
    out->complete_within = value(pp.complete_within, abi::kNone);
    out->expire_after = value(pp.expire_after, abi::kNone);
    out->media = value(pp.media, abi::kNone);  // a string function: its value is an interned id
  };
  t.priority = [](void* ctx, std::int32_t process, const runtime::ItemRecord* item, const abi::ItemClock* clock,
                  std::int64_t age) {
    const LoadedRules& r = TableEntry::self(ctx);
    const RecordEnv env = TableEntry::env(r, item, nullptr, r.string_ids_);
    const TimeInputs in = TableEntry::at(r, process, *clock, age);
    const std::int32_t scheme = r.program_->processes[static_cast<std::size_t>(process)].priority;
    if (r.jit_ && scheme >= 0) {  // the formula's code, without the interpreter's dispatch
      const JitArgs args = TableEntry::args(r, item, reinterpret_cast<const std::int64_t*>(&in), &env);
      // Schemes that differ only in constant bounds: one formula, the same call for all.
      const BatchPlan& plan = r.jit_->plan();
      const auto p = static_cast<std::size_t>(process);
      if (const JitPriorityBounded bounded = r.jit_->bounded_priority(plan.group[p])) return bounded(&args, plan.min[p], plan.max[p]);
      return r.jit_->priority(scheme)(&args);
    }
    return r.interp_->priority(process, env, in);
  };
  // Batch: the generated loop with the JIT; else (the interpreter) item by item, the oracle.
  t.evaluate_batch = [](void* ctx, const runtime::ItemRecord* const* items, std::uint32_t count, std::int64_t now,
                        std::int64_t age, abi::BatchResult* out) {
    const LoadedRules& r = TableEntry::self(ctx);
    if (const JitBatch run = r.jit_ ? r.jit_->batch() : nullptr) return TableEntry::batch(r, run, items, count, now, age, out);
    for (std::uint32_t i = 0; i < count; ++i) {
      const RecordEnv env = TableEntry::env(r, items[i], nullptr, r.string_ids_);
      abi::BatchResult& o = out[i] = abi::BatchResult{};
      o.process = r.interp_->classify_code(env, stdlib::Instant{now}, &o.detail);
      if (o.process < 0) continue;
      o.detail = 0;  // what classify leaves in it otherwise is not an answer
      o.clock = r.interp_->clock(o.process, env, stdlib::Instant{now});
      o.priority = r.interp_->priority(o.process, env, TableEntry::at(r, o.process, o.clock, age));
    }
  };
  t.next_change = [](void* ctx, std::int32_t process, const runtime::ItemRecord* item, const abi::ItemClock* clock,
                     std::int64_t age, abi::NextChange* out) {
    const LoadedRules& r = TableEntry::self(ctx);
    const RecordEnv env = TableEntry::env(r, item, nullptr, r.string_ids_);
    // The generated next change for the schemes it covers (issue 19); the walk for the rest.
    const Strings::Next& n = r.strings_->nexts.at(static_cast<std::size_t>(process));
    const TimeInputs in = TableEntry::at(n.sla_calendar, *clock, age);
    if (const JitNext next = n.next) {
      const JitArgs args = TableEntry::args(r, item, reinterpret_cast<const std::int64_t*>(&in), &env);
      std::int64_t at = 0;
      // The clock's open time where it is the SLA (Strings::Next): an item without a `due_at`,
      // its clock computed from this record (the runtime hands an item's record with the clock
      // it classified it to, abi.h), so no calendar lookup and no share_age for `N% of sla`.
      const std::int64_t open = n.open_is_sla && !item->present(runtime::kSlotDueAt) ? clock->sla : abi::kNone;
      const std::uint8_t answer = next(&args, &at, open, n.age_calendar);
      if (answer != kNextAskTheWalk) {
        *out = abi::NextChange{};
        if (answer == kNextNever) out->never = 1;
        else out->age = at;
        return;
      }
    }
    *out = r.interp_->next_priority_change(process, env, in);
  };
  t.stages = [](void* ctx, std::int32_t process, const runtime::ItemRecord* item, const abi::ItemClock* clock,
                abi::Stage* out) {
    const LoadedRules& r = TableEntry::self(ctx);
    const RecordEnv env = TableEntry::env(r, item, nullptr, r.string_ids_);
    const TimeInputs in = TableEntry::at(r, process, *clock, 0);
    const auto& pp = r.program_->processes[static_cast<std::size_t>(process)];
    const auto opens = r.interp_->stage_openings(process, env, in);
    for (std::size_t k = 0; k < pp.stages.size(); ++k) {
      const ProgramStage& st = pp.stages[k];
      abi::Stage& o = out[k];
      o = abi::Stage{};
      o.kind = static_cast<std::uint8_t>(st.kind);
      o.opens_at = opens[k];  // kNone: never
      if (st.kind == ProgramStage::Skill) {
        o.expression = st.value;
        o.reads_item = r.skill_reads_item_[static_cast<std::size_t>(st.value)];
      } else {
        const Value v = r.interp_->run(st.value, env, in);
        o.value = v.present ? v.i : abi::kNone;
      }
    }
  };
  t.admits = [](void* ctx, std::int32_t process, std::uint32_t stage, const runtime::ItemRecord* item,
                const abi::ItemClock* clock, const abi::Agent* agent) -> std::uint8_t {
    const LoadedRules& r = TableEntry::self(ctx);
    const RecordEnv env = TableEntry::env(r, item, agent, r.string_ids_);
    return r.interp_->admits(process, stage, env, TableEntry::at(r, process, *clock, 0));
  };
  t.expression_reads = [](void* ctx, std::int32_t expression, abi::ExpressionReads* out) {
    const LoadedRules& r = TableEntry::self(ctx);
    const Strings& s = *r.strings_;
    *out = abi::ExpressionReads{};
    if (expression < 0 || static_cast<std::size_t>(expression) >= s.read_slots.size()) return;
    const auto e = static_cast<std::size_t>(expression);
    *out = abi::ExpressionReads{s.read_slots[e].data(), static_cast<std::uint32_t>(s.read_slots[e].size()),
                                s.read_skills[e].data(), static_cast<std::uint32_t>(s.read_skills[e].size()),
                                s.reads_inputs[e]};
  };
  t.eligible = [](void* ctx, std::int32_t process, const runtime::ItemRecord* item, const abi::ItemClock* clock,
                  std::int64_t age, const abi::Agent* agent) -> std::uint8_t {
    const LoadedRules& r = TableEntry::self(ctx);
    const RecordEnv env = TableEntry::env(r, item, agent, r.string_ids_);
    return r.interp_->eligible(process, env, TableEntry::at(r, process, *clock, age));
  };
}

}  // namespace iwd::compiler
