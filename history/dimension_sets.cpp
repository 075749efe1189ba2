#include "history/dimension_sets.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace iwd::history {

DimensionSets::~DimensionSets() { detach(); }

void DimensionSets::detach() {
  insert_.reset();
  select_.reset();
}

void DimensionSets::attach(sqlstore::Database* db, const std::string& where) {
  db_ = db;
  where_ = where;
}

std::string DimensionSets::json(const Set& set) {
  if (set.empty()) return {};
  nlohmann::ordered_json d = nlohmann::ordered_json::object();
  for (const auto& [name, value] : set) d[name] = value;
  return d.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

DimensionSets::Set DimensionSets::parse(const std::string& json) {
  Set set;
  if (json.empty()) return set;
  const auto j = nlohmann::ordered_json::parse(json, nullptr, false);
  if (j.is_object())
    for (const auto& [name, value] : j.items())
      set.emplace_back(name, value.is_string() ? value.get<std::string>() : value.dump());
  return set;
}

void DimensionSets::forget() {
  loaded_ = false;
  ids_.clear();
  sets_.clear();
}

// Every set, once per writer: a writer needs them all to tell a new set from a known one.
bool DimensionSets::load(std::string* error) {
  forget();
  sqlstore::Status status;
  const auto st = db_->prepare("SELECT id, dimensions FROM history_dimensions", &status);
  sqlstore::Step step = sqlstore::Step::Failure;
  next_ = 1;
  while (st && (step = st->step(&status)) == sqlstore::Step::Row) {
    const std::int64_t id = st->column_int64(0);
    Set set = parse(st->column_text(1));
    ids_.emplace(set, id);
    sets_.emplace(id, std::move(set));
    next_ = std::max(next_, id + 1);
  }
  if (step != sqlstore::Step::Done) {
    *error = fmt::format("{}, table history_dimensions: {}", where_, status.message);
    return false;
  }
  loaded_ = true;
  return true;
}

std::optional<std::int64_t> DimensionSets::id_of(const Set& set, std::string* error) {
  if (set.empty()) return 0;
  if (!loaded_ && !load(error)) return std::nullopt;
  if (const auto it = ids_.find(set); it != ids_.end()) return it->second;
  sqlstore::Status status;
  if (!insert_ && !(insert_ = db_->prepare("INSERT INTO history_dimensions (id, dimensions) VALUES (?1, ?2)", &status))) {
    *error = fmt::format("{}, table history_dimensions: {}", where_, status.message);
    return std::nullopt;
  }
  insert_->bind_int64(1, next_);
  insert_->bind_text(2, json(set));
  const bool ok = insert_->step(&status) == sqlstore::Step::Done;
  if (!ok) *error = fmt::format("{}, table history_dimensions: {}", where_, status.message);
  insert_->reset();
  if (!ok) return std::nullopt;
  ids_.emplace(set, next_);
  sets_.emplace(next_, set);
  return next_++;
}

const DimensionSets::Set* DimensionSets::set_of(std::int64_t id, std::string* error) {
  static const Set kNone;
  if (id == 0) return &kNone;
  if (const auto it = sets_.find(id); it != sets_.end()) return &it->second;
  sqlstore::Status status;
  if (!select_ && !(select_ = db_->prepare("SELECT dimensions FROM history_dimensions WHERE id = ?1", &status))) {
    *error = fmt::format("{}, table history_dimensions: {}", where_, status.message);
    return nullptr;
  }
  select_->bind_int64(1, id);
  const sqlstore::Step step = select_->step(&status);
  const Set* found = nullptr;
  if (step == sqlstore::Step::Row)
    found = &sets_.emplace(id, parse(select_->column_text(0))).first->second;
  else if (step == sqlstore::Step::Done)
    *error = fmt::format("{}, table history_dimensions: no set {} (a record refers to it)", where_, id);
  else
    *error = fmt::format("{}, table history_dimensions: {}", where_, status.message);
  select_->reset();
  return found;
}

}  // namespace iwd::history
