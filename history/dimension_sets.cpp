#include "history/dimension_sets.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

namespace iwd::history {

DimensionSets::~DimensionSets() { detach(); }

void DimensionSets::detach() {
  sqlite3_finalize(insert_);
  sqlite3_finalize(select_);
  insert_ = select_ = nullptr;
}

void DimensionSets::attach(sqlite3* db, const std::string& where) {
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
  sqlite3_stmt* st = nullptr;
  const bool prepared = sqlite3_prepare_v2(db_, "SELECT id, dimensions FROM history_dimensions", -1, &st, nullptr) == SQLITE_OK;
  int rc = SQLITE_ERROR;
  next_ = 1;
  while (prepared && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const std::int64_t id = sqlite3_column_int64(st, 0);
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
    Set set = parse(text ? text : "");
    ids_.emplace(set, id);
    sets_.emplace(id, std::move(set));
    next_ = std::max(next_, id + 1);
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) {
    *error = fmt::format("{}, table history_dimensions: {}", where_, sqlite3_errmsg(db_));
    return false;
  }
  loaded_ = true;
  return true;
}

std::optional<std::int64_t> DimensionSets::id_of(const Set& set, std::string* error) {
  if (set.empty()) return 0;
  if (!loaded_ && !load(error)) return std::nullopt;
  if (const auto it = ids_.find(set); it != ids_.end()) return it->second;
  if (!insert_ && sqlite3_prepare_v2(db_, "INSERT INTO history_dimensions (id, dimensions) VALUES (?1, ?2)", -1, &insert_,
                                     nullptr) != SQLITE_OK) {
    *error = fmt::format("{}, table history_dimensions: {}", where_, sqlite3_errmsg(db_));
    return std::nullopt;
  }
  const std::string text = json(set);
  sqlite3_bind_int64(insert_, 1, next_);
  sqlite3_bind_text(insert_, 2, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  const bool ok = sqlite3_step(insert_) == SQLITE_DONE;
  if (!ok) *error = fmt::format("{}, table history_dimensions: {}", where_, sqlite3_errmsg(db_));
  sqlite3_reset(insert_);
  if (!ok) return std::nullopt;
  ids_.emplace(set, next_);
  sets_.emplace(next_, set);
  return next_++;
}

const DimensionSets::Set* DimensionSets::set_of(std::int64_t id, std::string* error) {
  static const Set kNone;
  if (id == 0) return &kNone;
  if (const auto it = sets_.find(id); it != sets_.end()) return &it->second;
  if (!select_ && sqlite3_prepare_v2(db_, "SELECT dimensions FROM history_dimensions WHERE id = ?1", -1, &select_,
                                     nullptr) != SQLITE_OK) {
    *error = fmt::format("{}, table history_dimensions: {}", where_, sqlite3_errmsg(db_));
    return nullptr;
  }
  sqlite3_bind_int64(select_, 1, id);
  const int rc = sqlite3_step(select_);
  const Set* found = nullptr;
  if (rc == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(select_, 0));
    found = &sets_.emplace(id, parse(text ? text : "")).first->second;
  } else if (rc == SQLITE_DONE) {
    *error = fmt::format("{}, table history_dimensions: no set {} (a record refers to it)", where_, id);
  } else {
    *error = fmt::format("{}, table history_dimensions: {}", where_, sqlite3_errmsg(db_));
  }
  sqlite3_reset(select_);
  return found;
}

}  // namespace iwd::history
