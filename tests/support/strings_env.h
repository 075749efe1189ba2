// The strings and list values of an EvalEnv in plain containers, for the tests' and the
// benchmarks' environments (which add the item and the agent): string ids handed out in the
// order of first use, a ruleset's constants among them; list values by index.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "compiler/interp/interp.h"

namespace iwd::test {

class StringsEnv : public compiler::EvalEnv {
 public:
  explicit StringsEnv(const compiler::Program& p) : p_(p) {}

  bool list_contains(std::int64_t list, const compiler::Value& v) const override {
    for (auto x : lists_[static_cast<std::size_t>(list)])
      if (x == v.i) return true;
    return false;
  }
  std::int64_t string_id(std::int64_t c) const override { return intern(p_.strings[static_cast<std::size_t>(c)]); }
  std::string_view string_text(std::int64_t id) const override { return texts_[static_cast<std::size_t>(id)]; }
  std::int64_t intern(std::string_view s) const override {
    auto [it, fresh] = ids_.emplace(std::string(s), static_cast<std::int64_t>(texts_.size()));
    if (fresh) texts_.emplace_back(s);
    return it->second;
  }

 protected:
  // A list attribute's value: the index of its items.
  compiler::Value add_list(std::vector<std::int64_t> items) {
    lists_.push_back(std::move(items));
    return compiler::Value::of_int(static_cast<std::int64_t>(lists_.size() - 1));
  }
  void clear_lists() { lists_.clear(); }

  const compiler::Program& p_;

 private:
  std::vector<std::vector<std::int64_t>> lists_;
  mutable std::map<std::string, std::int64_t> ids_;
  mutable std::vector<std::string> texts_;
};

}  // namespace iwd::test
