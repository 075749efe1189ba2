// An EvalEnv over the runtime's item record and string pool, with an optional agent: what
// `iwd eval` and `iwd test` evaluate rules against (and compiled code reads directly).
#pragma once

#include <string>
#include <vector>

#include "compiler/interp/interp.h"
#include "runtime/intern.h"
#include "runtime/item.h"

namespace iwd::compiler {

// Attribute `slot` of a record, as the interpreter reads it.
inline Value record_attribute(const Program& p, const runtime::ItemRecord& rec, std::uint32_t slot) {
  if (!rec.present(slot)) return Value::absent();
  return p.attributes[slot].type == VType::F64 ? Value::of_number(rec.get_number(slot)) : Value::of_int(rec.get_int(slot));
}
// An agent's level in skill `s` (RulesV1::skill_names order), as the interpreter reads it.
inline Value agent_skill(const runtime::abi::Agent* agent, std::uint32_t s) {
  if (!agent || s >= agent->skill_count || agent->skills[s] < 0) return Value::absent();
  return Value::of_int(agent->skills[s]);
}
// An agent's attribute `name` (an interned string), absent when it has none.
inline Value agent_attribute_of(const runtime::StringPool& pool, const runtime::abi::Agent* agent, std::string_view name) {
  if (!agent) return Value::absent();
  const auto id = pool.find(name);
  if (!id) return Value::absent();
  for (std::uint32_t k = 0; k < agent->attribute_count; ++k)
    if (agent->attribute_names[k] == *id) return Value::of_int(agent->attribute_values[k]);
  return Value::absent();
}
// Whether list `list` of a record (a list slot's value) holds v.
inline bool record_list_contains(const runtime::ItemRecord& rec, std::int64_t list, const Value& v) {
  const auto& lists = rec.lists();
  if (list < 0 || static_cast<std::size_t>(list) >= lists.size()) return false;
  for (auto x : lists[static_cast<std::size_t>(list)])
    if (x == v.i) return true;
  return false;
}

// An item record and an agent as the runtime hands them to the rules (runtime/abi.h), as the
// interpreter and compiled code read them: what the rules' table (compiler/load) and the
// explanations evaluate against. `strings`, when given, are the pool ids of Program::strings
// (LoadedRules interns them once); else each is interned when read.
class RecordEnv final : public EvalEnv {
 public:
  RecordEnv(const Program& p, runtime::StringPool& pool, const runtime::ItemRecord& rec,
            const runtime::abi::Agent* agent, const std::vector<std::int64_t>* strings = nullptr)
      : p_(p), pool_(pool), rec_(rec), agent_(agent), strings_(strings) {}
  Value attribute(std::uint32_t slot) const override { return record_attribute(p_, rec_, slot); }
  Value skill(std::uint32_t s) const override { return agent_skill(agent_, s); }
  Value agent_attribute(std::string_view name) const override { return agent_attribute_of(pool_, agent_, name); }
  const runtime::abi::Agent* agent() const override { return agent_; }
  bool list_contains(std::int64_t list, const Value& v) const override { return record_list_contains(rec_, list, v); }
  bool list_values(std::int64_t list, std::vector<std::int64_t>* out) const override {
    const auto& lists = rec_.lists();
    if (list < 0 || static_cast<std::size_t>(list) >= lists.size()) return false;
    out->assign(lists[static_cast<std::size_t>(list)].begin(), lists[static_cast<std::size_t>(list)].end());
    return true;
  }
  std::int64_t string_id(std::int64_t c) const override {
    const auto k = static_cast<std::size_t>(c);
    return strings_ ? (*strings_)[k] : pool_.intern(p_.strings[k]);
  }
  std::string_view string_text(std::int64_t id) const override { return pool_.view(static_cast<std::uint32_t>(id)); }
  std::int64_t intern(std::string_view s) const override { return pool_.intern(s); }
  const std::uint64_t* record() const override { return rec_.data(); }

 private:
  const Program& p_;
  runtime::StringPool& pool_;
  const runtime::ItemRecord& rec_;
  const runtime::abi::Agent* agent_;
  const std::vector<std::int64_t>* strings_;
};

}  // namespace iwd::compiler
