// A report's result: named, typed columns and rows of cells, rendered as a readable aligned
// text table, CSV or JSON. The report code builds it; the renderers know no report.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "stdlib/result.h"

namespace iwd::reports {

enum class CellType : std::uint8_t {
  Text,
  Count,     // an integer
  Duration,  // milliseconds; seconds in CSV and JSON, `1h2m3s` in text
  Percent,   // 0..100
};

struct Column {
  std::string name;  // snake_case: the CSV header and the JSON key
  CellType type = CellType::Text;
};

// Empty (monostate): no value (an average over nothing); an empty CSV field, JSON null, `-`.
using Cell = std::variant<std::monostate, std::string, std::int64_t, double>;

struct Table {
  std::string title;  // the text rendering's first line
  std::vector<Column> columns;
  std::vector<std::vector<Cell>> rows;  // each as long as `columns`
};

enum class Format : std::uint8_t { Text, Csv, Json };
stdlib::ParseResult<Format> parse_format(std::string_view text);

// Text: the title, then a header and right-aligned numbers under it. CSV: RFC 4180 (fields
// with a comma, a quote or a line break are quoted). JSON: {"title", "columns": [{name,
// type}], "rows": [{column: value}]}. Each ends with a newline.
std::string render(const Table& table, Format format);

}  // namespace iwd::reports
