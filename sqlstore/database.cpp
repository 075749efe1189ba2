#include "sqlstore/database.h"

#include <cctype>
#include <functional>

namespace iwd::sqlstore {

const char* dialect_name(Dialect d) { return d == Dialect::SQLite ? "SQLite" : "PostgreSQL"; }

namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Walks `sql`, copying quoted strings, quoted names and comments as they are and handing every
// other position to `code`, which appends to out what it makes of sql[i...] and returns how
// many characters it used (at least 1).
std::string outside_quotes(std::string_view sql, const std::function<std::size_t(std::size_t, std::string&)>& code) {
  std::string out;
  out.reserve(sql.size() + 16);
  std::size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {  // to the closing quote; a doubled quote stays inside
      std::size_t j = i + 1;
      while (j < sql.size() && !(sql[j] == c && (j + 1 >= sql.size() || sql[j + 1] != c))) j += sql[j] == c ? 2 : 1;
      j = std::min(j + 1, sql.size());
      out.append(sql.substr(i, j - i));
      i = j;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const std::size_t end = sql.find('\n', i);
      const std::size_t j = end == std::string_view::npos ? sql.size() : end;
      out.append(sql.substr(i, j - i));
      i = j;
    } else {
      i += code(i, out);
    }
  }
  return out;
}

}  // namespace

std::string rewrite_placeholders(std::string_view sql) {
  int highest = 0;
  return outside_quotes(sql, [&](std::size_t i, std::string& out) -> std::size_t {
    if (sql[i] != '?') {
      out += sql[i];
      return 1;
    }
    std::size_t j = i + 1;
    int n = 0;
    while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) n = n * 10 + (sql[j++] - '0');
    if (j == i + 1) n = highest + 1;
    highest = std::max(highest, n);
    out += '$';
    out += std::to_string(n);
    return j - i;
  });
}

std::string Database::ddl(std::string_view text) const {
  if (dialect() == Dialect::SQLite) return std::string(text);
  // SQLite's WITHOUT ROWID (a table stored in its key's b-tree) is how PostgreSQL's tables are
  // already kept apart from their rows' order: the clause goes.
  std::string without(text);
  static constexpr std::string_view kWithoutRowid = " WITHOUT ROWID";
  const std::size_t at = without.rfind(kWithoutRowid);
  if (at != std::string::npos && at + kWithoutRowid.size() == without.size()) without.erase(at);
  const std::string_view sql = without;
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"BLOB", "bytea"}, {"INTEGER", "bigint"}, {"REAL", "double precision"}};
  return outside_quotes(sql, [&](std::size_t i, std::string& out) -> std::size_t {
    if (i == 0 || !word_char(sql[i - 1]))
      for (const auto& [from, to] : kTypes)
        if (sql.substr(i, from.size()) == from && (i + from.size() == sql.size() || !word_char(sql[i + from.size()]))) {
          out += to;
          return from.size();
        }
    std::size_t j = i + 1;  // the rest of a word goes as it is
    if (word_char(sql[i]))
      while (j < sql.size() && word_char(sql[j])) ++j;
    out.append(sql.substr(i, j - i));
    return j - i;
  });
}

std::string Database::upsert(std::string_view table, std::string_view insert, std::string_view key,
                             std::string_view set) const {
  const bool pg = dialect() == Dialect::PostgreSQL;
  std::string sql = pg ? "INSERT INTO iwd_" : "INSERT INTO ";
  sql.append(table).append(" AS t ").append(insert).append(pg ? " ON CONFLICT (workspace, " : " ON CONFLICT (");
  sql.append(key).append(") DO UPDATE SET ").append(set);
  return sql;
}

}  // namespace iwd::sqlstore
