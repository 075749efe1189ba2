#include "history/record.h"

namespace iwd::history {

const char* record_kind_name(RecordKind k) {
  switch (k) {
    case RecordKind::Item: return "item";
    case RecordKind::Priority: return "priority";
    case RecordKind::Widen: return "widen";
    case RecordKind::Agent: return "agent";
  }
  return "item";
}

}  // namespace iwd::history
