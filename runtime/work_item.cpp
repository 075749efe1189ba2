#include "runtime/work_item.h"

namespace iwd::runtime {

std::int64_t WorkItem::next_deadline() const {
  std::int64_t best = abi::kNone;
  for (std::int64_t d : deadlines)
    if (d != abi::kNone && (best == abi::kNone || d < best)) best = d;
  return best;
}

}  // namespace iwd::runtime
