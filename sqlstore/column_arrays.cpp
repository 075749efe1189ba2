#include "sqlstore/column_arrays.h"

#include <fmt/format.h>

#include <cassert>

namespace iwd::sqlstore {

ColumnArrays::ColumnArrays(int columns) : arrays_(static_cast<std::size_t>(columns), "{") { assert(columns > 0); }

std::string& ColumnArrays::next_array() {
  std::string& a = arrays_[static_cast<std::size_t>(next_)];
  if (a.size() > 1) a += ',';
  if (++next_ == static_cast<int>(arrays_.size())) {
    next_ = 0;
    ++rows_;
  }
  return a;
}

ColumnArrays& ColumnArrays::int64(std::int64_t v) {
  next_array() += std::to_string(v);
  return *this;
}

// Quoted, `"` and `\` escaped by a `\` (the array's syntax; the value's own is not involved).
ColumnArrays& ColumnArrays::text(std::string_view v) {
  std::string& a = next_array();
  a.reserve(a.size() + v.size() + 2);
  a += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') a += '\\';
    a += c;
  }
  a += '"';
  return *this;
}

// bytea's hex form, `\x0a...`, its backslash escaped for the array.
ColumnArrays& ColumnArrays::bytes(std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string& a = next_array();
  a.reserve(a.size() + 2 * v.size() + 5);
  a += "\"\\\\x";
  for (char c : v) {
    const auto b = static_cast<unsigned char>(c);
    a += kHex[b >> 4];
    a += kHex[b & 15];
  }
  a += '"';
  return *this;
}

ColumnArrays& ColumnArrays::null() {
  next_array() += "NULL";
  return *this;
}

void ColumnArrays::bind(Statement& st, int first) const {
  assert(next_ == 0);  // whole rows only
  for (std::size_t k = 0; k < arrays_.size(); ++k) st.bind_text(first + static_cast<int>(k), arrays_[k] + '}');
}

std::string& RowArray::field(int index) {
  assert(index == next_);  // in order, from 1
  if (next_++ > 1) row_ += ',';
  return row_;
}

void RowArray::quoted(std::string& out, std::string_view v) {
  out += '"';
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

void RowArray::bind_double(int index, double v) { field(index) += fmt::format("{}", v); }

void RowArray::bind_blob(int index, std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex = "\\x";
  for (char c : v) {
    const auto b = static_cast<unsigned char>(c);
    hex += kHex[b >> 4];
    hex += kHex[b & 15];
  }
  quoted(field(index), hex);
}

// The row's text, quoted again as an element of the array.
void RowArray::end_row() {
  if (rows_++ > 0) array_ += ',';
  quoted(array_, "(" + row_ + ")");
  row_.clear();
  next_ = 1;
}

const std::string& RowArray::bound() const {
  assert(next_ == 1);  // whole rows only
  closed_ = array_ + '}';
  return closed_;
}

void RowArray::clear() {
  row_.clear();
  array_ = "{";
  next_ = 1;
  rows_ = 0;
}

Step RowArray::step(Status* status) {
  assert(false && "a RowArray gathers rows; the statement that unnests them runs");
  *status = Status::fail(pgstore::Code::Failed, "a RowArray is not run");
  return Step::Failure;
}

void ColumnArrays::clear() {
  for (std::string& a : arrays_) a.resize(1);
  next_ = 0;
  rows_ = 0;
}

}  // namespace iwd::sqlstore
