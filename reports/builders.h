// Private to reports/: the builders of each report kind and what they share.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "history/record.h"
#include "reports/report.h"

namespace iwd::reports::detail {

std::unique_ptr<Builder> make_flow_builder(const Options& o);      // intraday, segment, outcome
std::unique_ptr<Builder> make_resource_builder(const Options& o);  // resource-performance
std::unique_ptr<Builder> make_task_builder(const Options& o);      // task-detail
std::unique_ptr<Builder> make_work_builder(const Options& o);      // task-work-detail

// The options of a report that ends with the interval holding `now` (the intervals after it
// have not happened): `to` moved back to that interval's end. Task reports keep theirs.
Options up_to_now(const Options& o);

// The states that end an item, and the ones it is open in (runtime::is_open, by name).
bool is_end_state(std::string_view state);
bool is_open_state(std::string_view state);

// An instant as the report's zone shows it: `2026-01-05T10:00:00+01:00`.
std::string local_time(std::int64_t at, const stdlib::TimeZone& zone);

// What stands in a group column for no value (a rejected item's process, an absent dimension).
inline constexpr std::string_view kNone = "(none)";

// The value of the grouping `by` for a record: its process, department or `report by` value.
// `seen` becomes true once a record has the dimension (so an unknown --by can be told apart).
std::string_view group_value(const history::Record& r, const std::string& by, bool& seen);

// "unknown dimension `x` for --by (the history has: process, department, segment)".
std::string unknown_dimension(const std::string& by, const std::vector<std::string>& names);

// The `report by` names of the records seen, in order of first appearance.
class DimensionNames {
 public:
  void add(const history::Record& r);
  const std::vector<std::string>& names() const { return names_; }

 private:
  std::vector<std::string> names_;
};

// A string hash that finds a std::string key from a string_view without a copy.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Dense small ids for the names of groups or agents, in order of first appearance.
class Names {
 public:
  std::size_t id(std::string_view name);
  const std::string& name(std::size_t id) const { return names_[id]; }
  std::size_t size() const { return names_.size(); }

 private:
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> ids_;
  std::vector<std::string> names_;
};

// Per-item state for the items open now, in slots reused after the item ends.
template <typename T>
class OpenItems {
 public:
  OpenItems() { slots_.reserve(1 << 16); }  // a busy day has tens of thousands open at once
  // The item's state (and its slot), or nullptr when it is not open.
  T* find(const std::string& id, std::uint32_t* slot = nullptr) {
    auto it = slots_.find(id);
    if (it == slots_.end()) return nullptr;
    if (slot) *slot = it->second;
    return &items_[it->second];
  }
  T& at(std::uint32_t slot) { return items_[slot]; }
  // A fresh state for the item (replacing one it had).
  T& open(const std::string& id, std::uint32_t* slot = nullptr) {
    auto [it, inserted] = slots_.try_emplace(id, 0u);
    if (inserted) {
      if (free_.empty()) {
        it->second = static_cast<std::uint32_t>(items_.size());
        items_.emplace_back();
      } else {
        it->second = free_.back();
        free_.pop_back();
      }
    }
    items_[it->second] = T{};
    if (slot) *slot = it->second;
    return items_[it->second];
  }
  void close(const std::string& id) {
    auto it = slots_.find(id);
    if (it == slots_.end()) return;
    free_.push_back(it->second);
    slots_.erase(it);
  }
  template <typename F>
  void for_each(F&& f) {
    for (auto& [id, slot] : slots_) f(id, items_[slot]);
  }

 private:
  std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> slots_;
  std::vector<T> items_;
  std::vector<std::uint32_t> free_;
};

}  // namespace iwd::reports::detail
