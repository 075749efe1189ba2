#include "reports/table.h"

#include <algorithm>
#include <cassert>
#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "stdlib/time.h"

namespace iwd::reports {
namespace {

// Durations in CSV and JSON: seconds, to the millisecond.
double seconds(double ms) { return std::round(ms) / 1000.0; }

std::string text_cell(const Cell& c, CellType type) {
  if (std::holds_alternative<std::monostate>(c)) return "-";
  if (const auto* s = std::get_if<std::string>(&c)) return *s;
  const double v = std::holds_alternative<std::int64_t>(c) ? static_cast<double>(std::get<std::int64_t>(c))
                                                            : std::get<double>(c);
  switch (type) {
    case CellType::Duration:  // to the second: a table is read by people
      return stdlib::format_duration(stdlib::Duration{static_cast<std::int64_t>(std::llround(v / 1000.0)) * 1000});
    case CellType::Percent: return fmt::format("{:.1f}", v);
    default:
      if (std::holds_alternative<std::int64_t>(c)) return std::to_string(std::get<std::int64_t>(c));
      return fmt::format("{:.2f}", v);
  }
}

std::string csv_field(const Cell& c, CellType type) {
  if (std::holds_alternative<std::monostate>(c)) return "";
  if (const auto* s = std::get_if<std::string>(&c)) {
    if (s->find_first_of(",\"\r\n") == std::string::npos) return *s;
    std::string out = "\"";
    for (char ch : *s) {
      if (ch == '"') out += '"';
      out += ch;
    }
    return out + "\"";
  }
  if (const auto* i = std::get_if<std::int64_t>(&c)) {
    if (type == CellType::Duration) return fmt::format("{}", seconds(static_cast<double>(*i)));
    return std::to_string(*i);
  }
  const double v = std::get<double>(c);
  if (type == CellType::Duration) return fmt::format("{}", seconds(v));
  return fmt::format("{}", std::round(v * 100.0) / 100.0);
}

nlohmann::ordered_json json_value(const Cell& c, CellType type) {
  if (std::holds_alternative<std::monostate>(c)) return nullptr;
  if (const auto* s = std::get_if<std::string>(&c)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&c)) {
    if (type == CellType::Duration) return seconds(static_cast<double>(*i));
    return *i;
  }
  const double v = std::get<double>(c);
  if (type == CellType::Duration) return seconds(v);
  return std::round(v * 100.0) / 100.0;
}

std::string_view type_name(CellType t) {
  switch (t) {
    case CellType::Text: return "text";
    case CellType::Count: return "count";
    case CellType::Duration: return "seconds";
    case CellType::Percent: return "percent";
  }
  return "?";
}

std::string render_text(const Table& t) {
  std::vector<std::vector<std::string>> cells;
  std::vector<std::size_t> width;
  for (const Column& c : t.columns) width.push_back(c.name.size());
  for (const auto& row : t.rows) {
    assert(row.size() == t.columns.size());
    auto& out = cells.emplace_back();
    for (std::size_t i = 0; i < row.size(); ++i) {
      out.push_back(text_cell(row[i], t.columns[i].type));
      width[i] = std::max(width[i], out.back().size());
    }
  }
  std::string out = t.title + "\n";
  auto line = [&](const std::vector<std::string>& fields) {
    std::string l;
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (i) l += "  ";
      const bool left = t.columns[i].type == CellType::Text;
      l += left ? fmt::format("{:<{}}", fields[i], width[i]) : fmt::format("{:>{}}", fields[i], width[i]);
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  std::vector<std::string> header;
  for (const Column& c : t.columns) header.push_back(c.name);
  line(header);
  for (const auto& row : cells) line(row);
  if (t.rows.empty()) out += "(no rows)\n";
  return out;
}

std::string render_csv(const Table& t) {
  std::string out;
  for (std::size_t i = 0; i < t.columns.size(); ++i) out += (i ? "," : "") + t.columns[i].name;
  out += "\n";
  for (const auto& row : t.rows) {
    for (std::size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + csv_field(row[i], t.columns[i].type);
    out += "\n";
  }
  return out;
}

std::string render_json(const Table& t) {
  nlohmann::ordered_json j;
  j["title"] = t.title;
  j["columns"] = nlohmann::ordered_json::array();
  for (const Column& c : t.columns) j["columns"].push_back({{"name", c.name}, {"type", type_name(c.type)}});
  j["rows"] = nlohmann::ordered_json::array();
  for (const auto& row : t.rows) {
    nlohmann::ordered_json r = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < row.size(); ++i) r[t.columns[i].name] = json_value(row[i], t.columns[i].type);
    j["rows"].push_back(std::move(r));
  }
  return j.dump() + "\n";
}

}  // namespace

stdlib::ParseResult<Format> parse_format(std::string_view text) {
  using R = stdlib::ParseResult<Format>;
  if (text == "text") return R::success(Format::Text);
  if (text == "csv") return R::success(Format::Csv);
  if (text == "json") return R::success(Format::Json);
  return R::failure("unknown format `" + std::string(text) + "` (expected text, csv or json)");
}

std::string render(const Table& table, Format format) {
  switch (format) {
    case Format::Text: return render_text(table);
    case Format::Csv: return render_csv(table);
    case Format::Json: return render_json(table);
  }
  return {};
}

}  // namespace iwd::reports
