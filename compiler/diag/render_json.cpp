// JSON Lines rendering: one object per diagnostic, one per line.
//
// {"code":"E0302","severity":"error","message":"...","file":"rules.iwd",
//  "range":{"start":{"line":3,"column":5},"end":{"line":3,"column":11}},
//  "labels":[{"file","range","message"}],"notes":["..."],
//  "fixits":[{"file","range","replacement","message"}]}
//
// Columns count code points, 1-based; `end` is exclusive. A diagnostic without a
// location has "file": null and "range": null.
#include <cstdint>
#include <iterator>
#include <ostream>
#include <string_view>

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "compiler/diag/json_text.h"
#include "compiler/diag/render.h"
#include "compiler/diag/render_json_reference.h"

namespace iwd::compiler {
namespace {

using Json = nlohmann::ordered_json;

Json position(const SourceLoc& l) { return Json{{"line", l.line}, {"column", l.col}}; }

Json file_of(const SourceManager& sm, const SourceRange& r) {
  if (!r.valid() || r.file >= sm.size()) return nullptr;
  return sm.file(r.file).path;
}

Json range_of(const SourceManager& sm, const SourceRange& r) {
  if (!r.valid() || r.file >= sm.size()) return nullptr;
  return Json{{"start", position(r.begin)}, {"end", position(r.end)}};
}

Json to_json(const SourceManager& sm, const Diagnostic& d) {
  Json j;
  j["code"] = d.code;
  j["severity"] = std::string(severity_name(d.severity));
  j["message"] = d.message;
  j["file"] = file_of(sm, d.range);
  j["range"] = range_of(sm, d.range);
  j["labels"] = Json::array();
  for (const auto& l : d.labels)
    j["labels"].push_back(Json{{"file", file_of(sm, l.range)}, {"range", range_of(sm, l.range)},
                               {"message", l.message}});
  j["notes"] = d.notes;
  j["fixits"] = Json::array();
  for (const auto& f : d.fixits)
    j["fixits"].push_back(Json{{"file", file_of(sm, f.range)}, {"range", range_of(sm, f.range)},
                               {"replacement", f.replacement}, {"message", f.message}});
  return j;
}

// The same bytes as to_json(...).dump(-1, ' ', false, replace), written directly (a check
// of 10K lines prints thousands of diagnostics, and building a JSON object for each was a
// tenth of `iwd check`). Only for text that is valid UTF-8, which is nearly always the case:
// a diagnostic with a string that is not goes through nlohmann, whose replacement of invalid
// bytes is what the output has always had.
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    const std::size_t len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    std::uint32_t cp = c & (0xFFu >> (len + 1));
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3Fu);
    }
    static constexpr std::uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

bool writes_directly(const SourceManager& sm, const Diagnostic& d) {
  auto ok_range = [&](const SourceRange& r) { return !r.valid() || r.file >= sm.size() || valid_utf8(sm.file(r.file).path); };
  if (!valid_utf8(d.code) || !valid_utf8(d.message) || !ok_range(d.range)) return false;
  for (const auto& l : d.labels)
    if (!valid_utf8(l.message) || !ok_range(l.range)) return false;
  for (const auto& n : d.notes)
    if (!valid_utf8(n)) return false;
  for (const auto& f : d.fixits)
    if (!valid_utf8(f.replacement) || !valid_utf8(f.message) || !ok_range(f.range)) return false;
  return true;
}

void put_file_and_range(std::string& out, const SourceManager& sm, const SourceRange& r) {
  if (!r.valid() || r.file >= sm.size()) {
    out += "\"file\":null,\"range\":null";
    return;
  }
  out += "\"file\":";
  append_json_string(out, sm.file(r.file).path);
  fmt::format_to(std::back_inserter(out), ",\"range\":{{\"start\":{{\"line\":{},\"column\":{}}},\"end\":{{\"line\":{},\"column\":{}}}}}",
                 r.begin.line, r.begin.col, r.end.line, r.end.col);
}

void put_diagnostic(std::string& out, const SourceManager& sm, const Diagnostic& d) {
  // `,"key":"value"`
  auto field = [&out](std::string_view key, std::string_view value) {
    out += ",\"";
    out += key;
    out += "\":";
    append_json_string(out, value);
  };
  // `,"key":[...]`, each element written by put.
  auto list = [&out](std::string_view key, const auto& elements, auto put) {
    out += ",\"";
    out += key;
    out += "\":[";
    for (std::size_t i = 0; i < elements.size(); ++i) {
      if (i) out += ',';
      put(elements[i]);
    }
    out += ']';
  };
  out += "{\"code\":";
  append_json_string(out, d.code);
  field("severity", severity_name(d.severity));
  field("message", d.message);
  out += ',';
  put_file_and_range(out, sm, d.range);
  list("labels", d.labels, [&](const DiagLabel& l) {
    out += '{';
    put_file_and_range(out, sm, l.range);
    field("message", l.message);
    out += '}';
  });
  list("notes", d.notes, [&](const std::string& n) { append_json_string(out, n); });
  list("fixits", d.fixits, [&](const FixIt& f) {
    out += '{';
    put_file_and_range(out, sm, f.range);
    field("replacement", f.replacement);
    field("message", f.message);
    out += '}';
  });
  out += "}\n";
}

}  // namespace

void render_json(std::ostream& out, const SourceManager& sm, const std::vector<Diagnostic>& diags) {
  std::string buffer;
  for (const auto& d : diags) {
    if (writes_directly(sm, d)) put_diagnostic(buffer, sm, d);
    else buffer += to_json(sm, d).dump(-1, ' ', false, Json::error_handler_t::replace) + '\n';
    if (buffer.size() >= (1u << 16)) {
      out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      buffer.clear();
    }
  }
  out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
}

void render_json_via_library(std::ostream& out, const SourceManager& sm, const std::vector<Diagnostic>& diags) {
  for (const auto& d : diags)
    out << to_json(sm, d).dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace iwd::compiler
