#include "compiler/jit/jit_runner.h"

#include <array>

#include "runtime/item.h"

namespace iwd::compiler {

std::array<std::int64_t, kInputCount> input_array(const TimeInputs& in) {
  std::array<std::int64_t, kInputCount> a{};
  auto at = [&a](Input i) -> std::int64_t& { return a[static_cast<std::size_t>(i)]; };
  at(Input::Now) = in.now, at(Input::Age) = in.age, at(Input::Sla) = in.sla, at(Input::Due) = in.due;
  at(Input::OverdueBy) = in.overdue_by, at(Input::Window) = in.window, at(Input::Start) = in.start;
  at(Input::SlaCalendar) = in.sla_calendar, at(Input::AgeCalendar) = in.age_calendar;
  return a;
}

static_assert(kClassifyNoDepartment == Interpreter::kNoDepartment && kClassifyDepartmentBase == Interpreter::kDepartmentBase,
              "the compiled walk and the interpreter give the same rejection codes");

// The argument block of compiled code over the environment's record (runtime/item.h: a
// header word, the presence words, then the slots); false when it has none.
bool JitRunner::args_for(const EvalEnv& env, const std::int64_t* inputs, JitArgs* args) const {
  const std::uint64_t* record = env.record();
  if (record == nullptr) return false;
  static_assert(runtime::kPresenceOffsetBytes == runtime::kRecordHeaderBytes &&
                    runtime::kRecordHeaderBytes % sizeof(std::uint64_t) == 0,
                "the presence words follow the header, and the slots them, in whole words");
  const auto& header = *reinterpret_cast<const runtime::RecordHeader*>(record);
  const std::uint64_t* presence = record + runtime::kPresenceOffsetBytes / sizeof(std::uint64_t);
  *args = JitArgs{.slots = reinterpret_cast<const std::int64_t*>(presence + header.presence_words),
                  .present = presence,
                  .inputs = inputs,
                  .strings = strings_.data(),
                  .env = &env,
                  .interp = &interp_};
  return true;
}

bool JitRunner::classify(const EvalEnv& env, std::int64_t now, std::int32_t* process, std::int32_t* detail) const {
  static_assert(static_cast<int>(Input::Now) == 0);
  const std::int64_t inputs[kInputCount] = {now};  // conditions read `now` only
  JitArgs args;
  if (!args_for(env, inputs, &args)) return false;
  *process = jit_.classify()(&args, detail);
  return true;
}

bool JitRunner::priority(std::int32_t scheme, const EvalEnv& env, const TimeInputs& in, std::int64_t* out) const {
  const auto inputs = input_array(in);
  JitArgs args;
  if (!args_for(env, inputs.data(), &args)) return false;
  *out = jit_.priority(scheme)(&args);
  return true;
}

bool JitRunner::stage_openings(std::int32_t process, const EvalEnv& env, const TimeInputs& in, std::int64_t* opens) const {
  const auto inputs = input_array(in);
  JitArgs args;
  if (!args_for(env, inputs.data(), &args)) return false;
  jit_.stages(process)(&args, opens);
  return true;
}

bool JitRunner::run(FunctionRef f, const EvalEnv& env, const TimeInputs& in, Value* out) const {
  const auto inputs = input_array(in);
  JitArgs args;
  if (f < 0 || !args_for(env, inputs.data(), &args)) return false;
  std::int64_t i = 0;
  double d = 0;
  const bool present = jit_.function(f)(&args, &i, &d) != 0;
  *out = present ? Value{i, d, true} : Value::absent();
  return true;
}

}  // namespace iwd::compiler
