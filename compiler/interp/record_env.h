// An EvalEnv over the runtime's item record and string pool, with an optional agent: what
// `iwd eval` and `iwd test` evaluate rules against (and compiled code reads directly).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "compiler/interp/interp.h"
#include "runtime/intern.h"
#include "runtime/item.h"

namespace iwd::compiler {

struct Agent {
  std::map<std::uint32_t, std::int64_t> skills;
  std::map<std::string, std::int64_t> attributes;  // values as string ids
  std::vector<std::int64_t> groups;
  std::int64_t id = -1;
};

// Attribute `slot` of a record, as the interpreter reads it.
inline Value record_attribute(const Program& p, const runtime::ItemRecord& rec, std::uint32_t slot) {
  if (!rec.present(slot)) return Value::absent();
  return p.attributes[slot].type == VType::F64 ? Value::of_number(rec.get_number(slot)) : Value::of_int(rec.get_int(slot));
}
// Whether list `list` of a record (a list slot's value) holds v.
inline bool record_list_contains(const runtime::ItemRecord& rec, std::int64_t list, const Value& v) {
  const auto& lists = rec.lists();
  if (list < 0 || static_cast<std::size_t>(list) >= lists.size()) return false;
  for (auto x : lists[static_cast<std::size_t>(list)])
    if (x == v.i) return true;
  return false;
}

// An item record and an agent, as the interpreter and compiled code read them.
class RecordEnv : public EvalEnv {
 public:
  RecordEnv(const Program& p, runtime::StringPool& pool, const runtime::ItemRecord& rec, const Agent* agent)
      : p_(p), pool_(pool), rec_(rec), agent_(agent) {}
  Value attribute(std::uint32_t slot) const override { return record_attribute(p_, rec_, slot); }
  Value skill(std::uint32_t s) const override {
    if (!agent_) return Value::absent();
    auto it = agent_->skills.find(s);
    return it == agent_->skills.end() ? Value::absent() : Value::of_int(it->second);
  }
  Value agent_attribute(std::string_view name) const override {
    if (!agent_) return Value::absent();
    auto it = agent_->attributes.find(std::string(name));
    return it == agent_->attributes.end() ? Value::absent() : Value::of_int(it->second);
  }
  bool list_contains(std::int64_t list, const Value& v) const override { return record_list_contains(rec_, list, v); }
  bool list_values(std::int64_t list, std::vector<std::int64_t>* out) const override {
    const auto& lists = rec_.lists();
    if (list < 0 || static_cast<std::size_t>(list) >= lists.size()) return false;
    out->assign(lists[static_cast<std::size_t>(list)].begin(), lists[static_cast<std::size_t>(list)].end());
    return true;
  }
  std::int64_t string_id(std::int64_t c) const override { return pool_.intern(p_.strings[static_cast<std::size_t>(c)]); }
  std::string_view string_text(std::int64_t id) const override { return pool_.view(static_cast<std::uint32_t>(id)); }
  std::int64_t intern(std::string_view s) const override { return pool_.intern(s); }
  const std::uint64_t* record() const override { return rec_.data(); }

 private:
  const Program& p_;
  runtime::StringPool& pool_;
  const runtime::ItemRecord& rec_;
  const Agent* agent_;
};

}  // namespace iwd::compiler
