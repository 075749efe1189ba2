// A bundle's native code loaded by iwd's own ELF loader (elf_loader.h, issue 19), and the entry
// points of native code by name, which both loaders take (JitProgram::load in jit.cpp looks them
// up through ORC). No LLVM here.
#include <fmt/format.h>

#include "compiler/jit/elf_loader.h"
#include "compiler/jit/jit.h"

namespace iwd::compiler {

namespace {

// Where each kind of entry point starts in entry_names' list.
struct EntryLayout {
  std::size_t functions = 0, classify, priorities, stages, batch, clocks, groups, nexts, end;
  EntryLayout(const Program& p, const BatchPlan& plan) {
    classify = p.functions.size();
    priorities = classify + 1;
    stages = priorities + p.priorities.size();
    batch = stages + p.processes.size();
    clocks = batch + 1;
    groups = clocks + p.processes.size();
    nexts = groups + plan.bounded.size();
    end = nexts + p.priorities.size();
  }
};

}  // namespace

std::vector<std::pair<std::string, bool>> JitProgram::entry_names(const Program& program, const BatchPlan& plan) {
  std::vector<std::pair<std::string, bool>> out;
  out.reserve(EntryLayout(program, plan).end);
  for (std::size_t i = 0; i < program.functions.size(); ++i) out.emplace_back(fmt::format("iwd_f{}", i), true);
  out.emplace_back("iwd_classify", true);
  for (std::size_t k = 0; k < program.priorities.size(); ++k) out.emplace_back(fmt::format("iwd_priority{}", k), true);
  for (std::size_t k = 0; k < program.processes.size(); ++k) out.emplace_back(fmt::format("iwd_stages{}", k), true);
  // Those older native code lacks: the batch entry point, the compiled clocks, the bounded
  // groups, the next changes.
  out.emplace_back("iwd_batch", false);
  for (std::size_t k = 0; k < program.processes.size(); ++k) out.emplace_back(fmt::format("iwd_clock{}", k), false);
  for (std::size_t g = 0; g < plan.bounded.size(); ++g) out.emplace_back(fmt::format("iwd_priority_group{}", g), false);
  for (std::size_t k = 0; k < program.priorities.size(); ++k) out.emplace_back(fmt::format("iwd_next{}", k), false);
  return out;
}

bool JitProgram::take_entries(const Program& program, const std::vector<void*>& at, std::string* error) {
  const EntryLayout e(program, plan_);
  if (at.size() != e.end) {
    *error = "internal error: entry points of another program";
    return false;
  }
  for (std::size_t k = 0; k < e.batch; ++k)
    if (!at[k]) {
      *error = fmt::format("Symbols not found: [ {} ]", entry_names(program, plan_)[k].first);
      return false;
    }
  for (std::size_t i = 0; i < program.functions.size(); ++i) functions_.push_back(reinterpret_cast<JitFunction>(at[e.functions + i]));
  classify_ = reinterpret_cast<JitClassify>(at[e.classify]);
  for (std::size_t k = 0; k < program.priorities.size(); ++k) priorities_.push_back(reinterpret_cast<JitPriority>(at[e.priorities + k]));
  for (std::size_t k = 0; k < program.processes.size(); ++k) stages_.push_back(reinterpret_cast<JitStages>(at[e.stages + k]));
  // Compiled clocks and the batch entry point (issue 19): absent from the native code of a
  // bundle built before them, which then runs as it did (the interpreter's clock, no batch).
  batch_ = reinterpret_cast<JitBatch>(at[e.batch]);
  for (std::size_t k = 0; k < program.processes.size(); ++k)
    clocks_.push_back(batch_ && clock_compiles(program, k) ? reinterpret_cast<JitClock>(at[e.clocks + k]) : nullptr);
  // The groups of formulas with their bounds given (issue 19): absent from older native code.
  if (batch_)
    for (std::size_t g = 0; g < plan_.bounded.size(); ++g) {
      auto* f = reinterpret_cast<JitPriorityBounded>(at[e.groups + g]);
      if (!f) {
        bounded_.clear();
        break;
      }
      bounded_.push_back(f);
    }
  // The compiled next changes (issue 19): all of them or none (an older bundle's).
  if (!program.priorities.empty() && at[e.nexts])
    for (std::size_t k = 0; k < program.priorities.size(); ++k) {
      void* f = at[e.nexts + k];
      if (!f) {
        *error = fmt::format("Symbols not found: [ iwd_next{} ]", k);
        return false;
      }
      nexts_.push_back(reinterpret_cast<JitNext>(f));
    }
  return true;
}

std::unique_ptr<JitProgram> JitProgram::load_native(const Program& program, const std::vector<std::string>& objects,
                                                    std::string* error) {
  auto out = std::unique_ptr<JitProgram>(new JitProgram());
  out->image_ = NativeImage::load(objects, native_symbols(), error);
  if (!out->image_) return nullptr;
  out->plan_ = batch_plan(program);
  const auto names = entry_names(program, out->plan_);
  std::vector<void*> at;
  at.reserve(names.size());
  for (const auto& [name, required] : names) at.push_back(out->image_->symbol(name));
  if (!out->take_entries(program, at, error)) return nullptr;
  return out;
}

}  // namespace iwd::compiler
