// Random items and agents for a loaded ruleset: JSON items over its schema (values drawn
// from the ruleset's own string constants and enums, so conditions go both ways), and ABI
// agents with random skill levels.
#pragma once

#include <nlohmann/json.hpp>

#include <random>
#include <string>
#include <vector>

#include "compiler/load/loaded_rules.h"
#include "stdlib/time.h"

namespace iwd::test {

class RandomItems {
 public:
  RandomItems(const compiler::LoadedRules& rules, std::uint32_t seed) : rules_(rules), rng_(seed) {
    strings_ = rules.program().strings;
    strings_.push_back("zz-other");
  }

  std::string item() {
    const auto& schema = rules_.schema();
    nlohmann::json j = nlohmann::json::object();
    for (std::size_t i = runtime::kCoreSlotCount; i < schema.attributes.size(); ++i) {
      const auto& a = schema.attributes[i];
      if (!a.required && pick(4) == 0) continue;  // absent, or its default
      if (a.type == runtime::SlotType::Enum && no_values(a)) continue;  // it has no value to give
      j[a.name] = value(a);
    }
    if (pick(4) == 0) j["due_at"] = instant();
    if (pick(4) == 0) j["activate_at"] = instant();
    if (pick(3) == 0) j["preferred_agent"] = pick(2) ? "a1" : "a2";
    if (pick(3) == 0) j["media"] = one_of({"voice", "chat", "email", "workitem"});
    return j.dump();
  }

  // An agent; storage lives in this object until the next call.
  const runtime::abi::Agent& agent() {
    auto& pool = rules_.pool();
    skills_.assign(static_cast<std::size_t>(rules_.table().skill_count), -1);
    for (auto& s : skills_) s = pick(3) == 0 ? std::int8_t{-1} : static_cast<std::int8_t>(pick(11));
    groups_.clear();
    if (pick(2)) groups_.push_back(pool.intern(one_of_strings()));
    agent_ = runtime::abi::Agent{skills_.data(), static_cast<std::uint32_t>(skills_.size()), pool.intern(pick(2) ? "a1" : "a3"),
                                 groups_.data(), static_cast<std::uint32_t>(groups_.size()), nullptr, nullptr, 0};
    return agent_;
  }

  std::int64_t age() { return static_cast<std::int64_t>(pick(200)) * 30 * 60 * 1000; }  // 0 .. 100h

 private:
  unsigned pick(unsigned n) { return std::uniform_int_distribution<unsigned>(0, n - 1)(rng_); }
  std::string one_of(std::initializer_list<const char*> xs) { return *(xs.begin() + pick(static_cast<unsigned>(xs.size()))); }
  std::string one_of_strings() { return strings_[pick(static_cast<unsigned>(strings_.size()))]; }
  std::string instant() {
    return stdlib::format_instant(stdlib::Instant{1'795'000'000'000 + static_cast<std::int64_t>(pick(1000)) * 3'600'000});
  }
  nlohmann::json scalar(runtime::SlotType t, std::int32_t enum_index) {
    using runtime::SlotType;
    switch (t) {
      case SlotType::Bool: return pick(2) == 1;
      case SlotType::Int: case SlotType::IntList: return static_cast<int>(pick(40)) - 5;
      case SlotType::Number: return static_cast<double>(pick(30000)) / 2.0;
      case SlotType::String: case SlotType::StringList: return one_of_strings();
      case SlotType::Time: return instant();
      case SlotType::Duration: return std::to_string(pick(100)) + "h";
      case SlotType::Enum: case SlotType::EnumList: {
        const auto& values = rules_.schema().enums[static_cast<std::size_t>(enum_index)].values;
        return values[pick(static_cast<unsigned>(values.size()))];
      }
    }
    return nullptr;
  }
  // An enum attribute of an enum with no values (`enum E {}`, W0624).
  bool no_values(const runtime::AttributeSpec& a) const {
    return a.enum_index >= 0 && rules_.schema().enums[static_cast<std::size_t>(a.enum_index)].values.empty();
  }
  nlohmann::json value(const runtime::AttributeSpec& a) {
    if (!runtime::is_list(a.type)) return scalar(a.type, a.enum_index);
    nlohmann::json list = nlohmann::json::array();
    if (no_values(a)) return list;  // the one value a list of an enum with no values has
    for (unsigned n = pick(4); n > 0; --n) list.push_back(scalar(a.type, a.enum_index));
    return list;
  }

  const compiler::LoadedRules& rules_;
  std::mt19937 rng_;
  std::vector<std::string> strings_;
  std::vector<std::int8_t> skills_;
  std::vector<std::uint32_t> groups_;
  runtime::abi::Agent agent_;
};

}  // namespace iwd::test
