// A hand-written rules table (runtime/abi.h) for the runtime's tests: a test double of what
// compiler/load fills, small enough to check by reading. Three processes:
//
//   Voice.Inbound      kind == Call. media "voice", sla 20s, offer timeout 15s.
//                      priority 5000 for 5 minutes, then 6000 + 10 a minute, max 9000.
//                      targets { skill phone > 0 }
//   BackOffice.Cases   kind == Case. sla 2d, complete within 1h, expire after 3d.
//                      priority 1000 + 10 an hour, max 1500.
//                      targets { agent preferred_agent for 2m; group team for 5m;
//                                skill back_office > 5 for 10m; skill back_office > 0 or phone > 8 }
//   Leads.Any          kind == Lead and level >= 0 (else rejected: no process).
//                      priority 800 - 100 every 10m, min 100; expire after 1h; offer timeout 20s.
//                      targets { skill sales >= item.level for 30m; skill sales > 0 }
//
// Attributes: the core ones, `kind` (enum Call/Case/Lead, required), `level` (int = 0),
// `team` (string?). Skills: phone, back_office, sales. capacity standard { voice 1,
// workitem 2, total 2 }. The skill expressions are 0 (phone > 0), 1 (back_office > 5),
// 2 (back_office > 0 or phone > 8), 3 (sales >= item.level, reads the item), 4 (sales > 0).
#pragma once

#include <cstdint>
#include <string>

#include "runtime/abi.h"
#include "runtime/intern.h"
#include "runtime/schema.h"

namespace iwd::runtime::testing {

inline constexpr std::int64_t kSecond = 1000, kMinute = 60 * kSecond, kHour = 60 * kMinute, kDay = 24 * kHour;

enum FakeProcess : std::int32_t { kVoice = 0, kCases = 1, kLeads = 2 };
enum FakeSkill : std::uint32_t { kPhone = 0, kBackOffice = 1, kSales = 2 };
enum FakeKind : std::int64_t { kCall = 0, kCase = 1, kLead = 2 };

class FakeRules {
 public:
  explicit FakeRules(StringPool& pool);
  FakeRules(const FakeRules&) = delete;
  FakeRules& operator=(const FakeRules&) = delete;

  const abi::RulesV1& table() const { return table_; }
  abi::RulesV1& mutable_table() { return table_; }
  const Schema& schema() const { return schema_; }
  StringPool& pool() const { return pool_; }

  std::uint32_t kind_slot() const { return kind_; }
  std::uint32_t level_slot() const { return level_; }
  std::uint32_t team_slot() const { return team_; }
  std::uint32_t voice() const { return voice_; }  // interned media names
  std::uint32_t workitem() const { return workitem_; }

 private:
  StringPool& pool_;
  Schema schema_;
  std::string schema_text_;
  std::uint32_t kind_ = 0, level_ = 0, team_ = 0;
  std::uint32_t voice_ = 0, workitem_ = 0;
  abi::RulesV1 table_;
};

}  // namespace iwd::runtime::testing
