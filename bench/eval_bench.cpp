// Classification of items through examples/enterprise.iwd: the reference interpreter and the
// JIT's functions driven by the same decision-table walk. A first look; the runtime's
// record layout and a JIT-compiled decision walk come next.
#include <benchmark/benchmark.h>

#include <cstring>
#include <map>

#include "bench/ruleset_gen.h"
#include "compiler/driver/compilation.h"
#include "compiler/interp/interp.h"
#include "compiler/jit/jit.h"
#include "compiler/jit/jit_runner.h"
#include "compiler/lower/lower.h"
#include "tests/support/checked_rules.h"
#include "tests/support/strings_env.h"

namespace {

using namespace iwd::compiler;

class ItemEnv : public iwd::test::StringsEnv {
 public:
  explicit ItemEnv(const Program& p) : StringsEnv(p), attrs_(p.attributes.size()), slots_(p.attributes.size()), present_(1) {
    for (std::size_t c = 0; c < p.strings.size(); ++c) strings_.push_back(string_id(static_cast<std::int64_t>(c)));
  }
  void set(const std::string& name, Value v) {
    for (std::size_t i = 0; i < p_.attributes.size(); ++i)
      if (p_.attributes[i].name == name) {
        attrs_[i] = v;
        present_[0] |= std::uint64_t{1} << i;
        if (p_.attributes[i].type == VType::F64) std::memcpy(&slots_[i], &v.f, 8);
        else slots_[i] = v.i;
      }
  }
  Value attribute(std::uint32_t slot) const override { return attrs_[slot]; }
  Value skill(std::uint32_t) const override { return Value::absent(); }
  Value agent_attribute(std::string_view) const override { return Value::absent(); }
  bool list_contains(std::int64_t, const Value&) const override { return false; }  // its items have no lists
  const std::uint64_t* record() const override { return record_.data(); }
  // The runtime's record layout (runtime/item.h): header, presence, slots.
  void build_record() {
    record_.assign(2 + slots_.size(), 0);
    record_[0] = slots_.size() | (std::uint64_t{1} << 32);
    record_[1] = present_[0];
    for (std::size_t i = 0; i < slots_.size(); ++i) record_[2 + i] = static_cast<std::uint64_t>(slots_[i]);
  }
  std::int64_t slot(std::size_t i) const { return slots_[i]; }
  bool has(std::size_t i) const { return (present_[0] >> i) & 1; }
  JitArgs args(const std::int64_t* inputs, const Interpreter& interp) const {
    return JitArgs{slots_.data(), present_.data(), inputs, strings_.data(), this, &interp};
  }

 private:
  std::vector<Value> attrs_;
  std::vector<std::int64_t> slots_, strings_;
  std::vector<std::uint64_t> present_;
  std::vector<std::uint64_t> record_;
};

struct Fixture {
  std::unique_ptr<iwd::test::CheckedRules> rules = iwd::test::check_file(std::string(IWD_SOURCE_DIR) + "/examples/enterprise.iwd");
  Program* program = &rules->lower();
  std::unique_ptr<Interpreter> interp;
  std::unique_ptr<JitProgram> jit;
  std::vector<std::unique_ptr<ItemEnv>> items;
  Fixture() {
    std::string error;
    interp = std::make_unique<Interpreter>(*program);
    jit = JitProgram::compile(*program, &error);
    const char* departments[] = {"Sales", "Finance", "Legal"};
    for (int i = 0; i < 64; ++i) {
      auto item = std::make_unique<ItemEnv>(*program);
      item->set("id", Value::of_int(item->intern("item")));
      item->set("department", Value::of_int(item->intern(departments[i % 3])));
      item->set("segment", Value::of_int(i % 3));
      if (i % 2) item->set("deal_value", Value::of_number(1000.0 * i));
      item->set("captured_at", Value::of_int(0));
      item->build_record();
      items.push_back(std::move(item));
    }
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// The decision walk over JIT-compiled conditions (first department, first process, default).
std::int32_t classify_jit(const Program& p, const JitProgram& jit, const JitArgs& args) {
  std::int64_t i = 0;
  double f = 0;
  auto holds = [&](FunctionRef ref) { return ref < 0 || (jit.function(ref)(&args, &i, &f) && i != 0); };
  for (const auto& d : p.departments) {
    if (!holds(d.when)) continue;
    for (auto pi : d.processes)
      if (holds(p.processes[static_cast<std::size_t>(pi)].when)) return pi;
    break;
  }
  return p.default_process;
}

void BM_ClassifyInterpreter(benchmark::State& state) {
  auto& fx = fixture();
  std::size_t k = 0;
  for (auto _ : state) {
    const auto c = fx.interp->classify(*fx.items[k++ & 63], iwd::stdlib::Instant{0});
    benchmark::DoNotOptimize(c.process);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_ClassifyJit(benchmark::State& state) {
  auto& fx = fixture();
  const std::int64_t inputs[5] = {0, 0, 0, 0, 0};
  std::vector<JitArgs> args;
  for (const auto& item : fx.items) args.push_back(item->args(inputs, *fx.interp));
  std::size_t k = 0;
  for (auto _ : state) {
    const auto c = classify_jit(*fx.program, *fx.jit, args[k++ & 63]);
    benchmark::DoNotOptimize(c);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// The same classification written by hand in C++ over the same record: the physical limit
// the JIT is measured against (string ids compared as integers, like compiled rules do).
// The decision walk compiled as one function, the `when`s inlined into it.
void BM_ClassifyJitWalk(benchmark::State& state) {
  auto& fx = fixture();
  const std::int64_t inputs[5] = {0, 0, 0, 0, 0};
  std::vector<JitArgs> args;
  for (const auto& item : fx.items) args.push_back(item->args(inputs, *fx.interp));
  const JitClassify classify = fx.jit->classify();
  std::size_t k = 0;
  std::int32_t detail = 0;
  for (auto _ : state) benchmark::DoNotOptimize(classify(&args[k++ & 63], &detail));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_ClassifyHandWritten(benchmark::State& state) {
  auto& fx = fixture();
  const std::int64_t finance = fx.items[0]->intern("Finance"), sales = fx.items[0]->intern("Sales");
  const std::size_t department = 8, segment = 9;  // slots of examples/enterprise.iwd
  std::size_t k = 0;
  for (auto _ : state) {
    const ItemEnv& it = *fx.items[k++ & 63];
    int process = 6;  // Unclassified
    const std::int64_t d = it.slot(department);
    if (it.has(department) && d == finance) {
      const std::int64_t s = it.slot(segment);
      process = s == 0 ? 0 : s == 1 ? 1 : s == 2 ? 2 : 6;
    } else if (it.has(department) && d == sales) {
      const std::int64_t s = it.slot(segment);
      process = s == 0 ? 3 : s == 1 ? 4 : 5;
    }
    benchmark::DoNotOptimize(process);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// The same hand-written classification behind the compiled walk's interface: a separate
// function called through a pointer with the same argument block, checking the required
// attributes and reporting a detail, as the runtime calls compiled rules. The JIT's code can
// never be inlined into its caller, so this is the like-for-like limit.
struct HandWrittenStrings {
  std::int64_t finance = 0, sales = 0;
};
HandWrittenStrings g_hand_strings;

[[gnu::noinline]] std::int32_t classify_by_hand(const JitArgs* args, std::int32_t* detail) {
  const std::size_t department = 8, segment = 9;  // slots of examples/enterprise.iwd
  const std::uint64_t present = args->present[0];
  *detail = 0;
  if (!(present & 1)) return -1;  // id
  if (!((present >> department) & 1)) {
    *detail = static_cast<std::int32_t>(department);
    return -1;
  }
  const std::int64_t d = args->slots[department];
  const bool has_segment = (present >> segment) & 1;
  const std::int64_t s = args->slots[segment];
  if (d == g_hand_strings.finance) return !has_segment ? 6 : s == 0 ? 0 : s == 1 ? 1 : s == 2 ? 2 : 6;
  if (d == g_hand_strings.sales) return has_segment && s == 0 ? 3 : has_segment && s == 1 ? 4 : 5;
  return 6;
}

void BM_ClassifyHandWrittenCalled(benchmark::State& state) {
  auto& fx = fixture();
  g_hand_strings = {fx.items[0]->intern("Finance"), fx.items[0]->intern("Sales")};
  const std::int64_t inputs[5] = {0, 0, 0, 0, 0};
  std::vector<JitArgs> args;
  for (const auto& item : fx.items) args.push_back(item->args(inputs, *fx.interp));
  JitClassify classify = classify_by_hand;
  benchmark::DoNotOptimize(classify);  // called through the pointer, like compiled code
  std::size_t k = 0;
  std::int32_t detail = 0;
  for (int i = 0; i < 64; ++i) {  // the same answers as the compiled walk
    std::int32_t d1 = 0, d2 = 0;
    if (classify(&args[static_cast<std::size_t>(i)], &d1) != fx.jit->classify()(&args[static_cast<std::size_t>(i)], &d2)) {
      state.SkipWithError("the hand-written classification disagrees with the compiled one");
      return;
    }
  }
  for (auto _ : state) benchmark::DoNotOptimize(classify(&args[k++ & 63], &detail));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// The priority at an age and its next change (LANGUAGE.md section 8), interpreted and with
// the scheme's functions compiled.
void priority_bench(benchmark::State& state, bool jit, bool next) {
  auto& fx = fixture();
  std::vector<std::int64_t> ids;
  for (const auto& s : fx.program->strings) ids.push_back(fx.items[0]->intern(s));
  JitRunner runner(*fx.jit, *fx.interp, ids);
  fx.interp->set_native(jit ? &runner : nullptr);
  const auto process = static_cast<std::int32_t>(fx.program->default_process);
  TimeInputs in;
  in.due = 5LL * 24 * 3'600'000;
  std::size_t k = 0;
  for (auto _ : state) {
    in.age = static_cast<std::int64_t>(k % 4000) * 60'000;
    in.now = in.age;
    if (next) benchmark::DoNotOptimize(fx.interp->next_priority_change(process, *fx.items[k & 63], in).age);
    else benchmark::DoNotOptimize(fx.interp->priority(process, *fx.items[k & 63], in));
    ++k;
  }
  fx.interp->set_native(nullptr);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
// The priority at an age of Sales.Gold (`sla 72h in office`), and its next change: `75% of
// sla` is a point on the clock's open time, computed by the calendar code at each evaluation (the elapsed SLA of the
// default process above is one multiplication). A function of its own, so that the loop
// above stays as it was measured before.
void calendar_priority_bench(benchmark::State& state, bool jit, bool next) {
  auto& fx = fixture();
  std::vector<std::int64_t> ids;
  for (const auto& s : fx.program->strings) ids.push_back(fx.items[0]->intern(s));
  JitRunner runner(*fx.jit, *fx.interp, ids);
  fx.interp->set_native(jit ? &runner : nullptr);
  std::int32_t process = -1;
  for (std::size_t p = 0; p < fx.program->processes.size(); ++p)
    if (fx.program->processes[p].name == "Sales.Gold") process = static_cast<std::int32_t>(p);
  TimeInputs in;
  in.start = 1795417200000;  // 2026-11-23T08:00:00+01:00, a Monday at opening
  in.due = 1796202000000;    // 2026-12-02T10:00:00+01:00: 72 office hours later
  in.window = in.due - in.start;
  in.sla_calendar = fx.interp->sla_clock_calendar(process);
  std::size_t k = 0;
  for (auto _ : state) {
    in.age = static_cast<std::int64_t>(k % 4000) * 60'000;
    in.now = in.start + in.age;
    if (next) benchmark::DoNotOptimize(fx.interp->next_priority_change(process, *fx.items[k & 63], in).age);
    else benchmark::DoNotOptimize(fx.interp->priority(process, *fx.items[k & 63], in));
    ++k;
  }
  fx.interp->set_native(nullptr);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_PriorityInterpreter(benchmark::State& state) { priority_bench(state, false, false); }
void BM_PriorityJit(benchmark::State& state) { priority_bench(state, true, false); }
void BM_NextChangeInterpreter(benchmark::State& state) { priority_bench(state, false, true); }
void BM_NextChangeJit(benchmark::State& state) { priority_bench(state, true, true); }
void BM_PriorityCalendarSlaInterpreter(benchmark::State& state) { calendar_priority_bench(state, false, false); }
void BM_PriorityCalendarSlaJit(benchmark::State& state) { calendar_priority_bench(state, true, false); }
void BM_NextChangeCalendarSlaInterpreter(benchmark::State& state) { calendar_priority_bench(state, false, true); }
void BM_NextChangeCalendarSlaJit(benchmark::State& state) { calendar_priority_bench(state, true, true); }

void BM_CompileEnterpriseToNative(benchmark::State& state) {
  auto& fx = fixture();
  for (auto _ : state) {
    std::string error;
    auto jit = JitProgram::compile(*fx.program, &error);
    benchmark::DoNotOptimize(jit.get());
  }
}

// Source text to native code for a generated ruleset of 1,000 processes (50 departments of
// 20): parse, check (every lint), lower, generate IR, optimize and compile.
void BM_Compile1000ProcessesToNative(benchmark::State& state) {
  const std::string text = iwd::bench::generate_ruleset(50, 20);
  for (auto _ : state) {
    auto rules = iwd::test::check_text("generated.iwd", text);
    std::string error;
    auto jit = JitProgram::compile(rules->lower(), &error);
    if (!jit) state.SkipWithError(error.c_str());
    benchmark::DoNotOptimize(jit.get());
  }
}

}  // namespace

BENCHMARK(BM_Compile1000ProcessesToNative)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_ClassifyInterpreter);
BENCHMARK(BM_ClassifyJit);
BENCHMARK(BM_ClassifyJitWalk);
BENCHMARK(BM_ClassifyHandWritten);
BENCHMARK(BM_ClassifyHandWrittenCalled);
BENCHMARK(BM_PriorityInterpreter);
BENCHMARK(BM_PriorityJit);
BENCHMARK(BM_NextChangeInterpreter);
BENCHMARK(BM_NextChangeJit);
BENCHMARK(BM_PriorityCalendarSlaInterpreter);
BENCHMARK(BM_PriorityCalendarSlaJit);
BENCHMARK(BM_NextChangeCalendarSlaInterpreter);
BENCHMARK(BM_NextChangeCalendarSlaJit);
BENCHMARK(BM_CompileEnterpriseToNative)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
