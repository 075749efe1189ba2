// Text built-ins over ICU's case mapping (the root locale: no Turkish or Lithuanian rules).
#include "stdlib/text.h"

#include <unicode/ucasemap.h>

#include <cmath>
#include <cstdint>
#include <memory>

#include <fmt/format.h>

namespace iwd::stdlib {
namespace {

struct CaseMapCloser {
  void operator()(UCaseMap* m) const { ucasemap_close(m); }
};

// One case map per thread: ucasemap_* are not safe on one map from several threads at once.
UCaseMap* case_map() {
  thread_local std::unique_ptr<UCaseMap, CaseMapCloser> map = [] {
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<UCaseMap, CaseMapCloser> m(ucasemap_open("", U_FOLD_CASE_DEFAULT, &status));
    if (U_FAILURE(status)) m.reset();
    return m;
  }();
  return map.get();
}

using CaseFunction = int32_t (*)(const UCaseMap*, char*, int32_t, const char*, int32_t, UErrorCode*);

std::string convert(std::string_view s, CaseFunction fn) {
  UCaseMap* map = case_map();
  if (s.empty() || map == nullptr || s.size() > static_cast<std::size_t>(INT32_MAX / 3)) return std::string(s);
  // Room for the usual growth (sharp s to SS); ICU says the exact size when that is short.
  std::string out(s.size() * 3, '\0');
  UErrorCode status = U_ZERO_ERROR;
  int32_t n = fn(map, out.data(), static_cast<int32_t>(out.size()), s.data(), static_cast<int32_t>(s.size()), &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    out.assign(static_cast<std::size_t>(n), '\0');
    status = U_ZERO_ERROR;
    n = fn(map, out.data(), n, s.data(), static_cast<int32_t>(s.size()), &status);
  }
  if (U_FAILURE(status)) return std::string(s);
  out.resize(static_cast<std::size_t>(n));
  return out;
}

}  // namespace

std::string to_lower(std::string_view s) { return convert(s, ucasemap_utf8ToLower); }
std::string to_upper(std::string_view s) { return convert(s, ucasemap_utf8ToUpper); }

std::string format_number(double v) {
  if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<std::int64_t>(v));
  return fmt::format("{}", v);
}

std::string xml_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace iwd::stdlib
