// JSON Lines rendering: one object per diagnostic, one per line.
//
// {"code":"E0302","severity":"error","message":"...","file":"rules.iwd",
//  "range":{"start":{"line":3,"column":5},"end":{"line":3,"column":11}},
//  "labels":[{"file","range","message"}],"notes":["..."],
//  "fixits":[{"file","range","replacement","message"}]}
//
// Columns count code points, 1-based; `end` is exclusive. A diagnostic without a
// location has "file": null and "range": null.
#include <ostream>

#include <nlohmann/json.hpp>

#include "compiler/diag/render.h"

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

}  // namespace

void render_json(std::ostream& out, const SourceManager& sm, const std::vector<Diagnostic>& diags) {
  for (const auto& d : diags)
    out << to_json(sm, d).dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';
}

}  // namespace iwd::compiler
