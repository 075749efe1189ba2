// Runtime: captures evaluated together (issue 19). The rules' batch entry point answers
// classify, clock and priority for a run of records in one call (with the JIT, one generated
// loop); each record is then captured as capture() alone would, in order, so that the events,
// the state and the refusals are the same as N single captures.
#include <cassert>

#include "runtime/runtime.h"

namespace iwd::runtime {

void Runtime::evaluate_captures(std::span<ItemRecord* const> records, std::span<Evaluated> out) const {
  assert(out.size() == records.size());
  const std::int64_t t = now();
  const int last_agent = schema_.last_agent_slot();
  std::vector<const ItemRecord*> asked;
  std::vector<std::size_t> where;
  asked.reserve(records.size());
  where.reserve(records.size());
  for (std::size_t k = 0; k < records.size(); ++k) {
    out[k] = Evaluated{};
    ItemRecord& r = *records[k];
    if (r.slot_count() != schema_.attributes.size() || !r.present(kSlotId)) continue;  // capture() refuses it
    r.set_int(kSlotCapturedAt, t);  // as capture() prepares it: the record the rules see
    if (last_agent >= 0) r.clear(static_cast<std::uint32_t>(last_agent));
    asked.push_back(&r);
    where.push_back(k);
  }
  if (asked.empty()) return;
  std::vector<abi::BatchResult> results(asked.size());
  // At age 0: a new item's age at capture unless it activated in the past (classified()).
  abi::evaluate_batch(rules_, asked.data(), static_cast<std::uint32_t>(asked.size()), t, 0, results.data());
  for (std::size_t j = 0; j < asked.size(); ++j) out[where[j]] = Evaluated{t, results[j]};
}

Runtime::Classification Runtime::classified(const ItemRecord& record, const abi::BatchResult& r, std::int64_t t) {
  Classification c;
  if (r.process < 0 || r.process >= rules_.process_count) {  // as classify() reads a rejection
    c.rejection = rules_.rejection(rules_.ctx, r.detail);
    return c;
  }
  c.process = r.process;
  c.clock = r.clock;
  classify_rest(record, c);
  // commit() prices the item at age max(0, t - start): the batch's age 0 unless it activated
  // before t (an activate_at in the past), which is asked again at its own age.
  if (c.clock.start >= t) c.priority = r.priority;
  return c;
}

}  // namespace iwd::runtime
