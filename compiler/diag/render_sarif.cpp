// SARIF 2.1.0 rendering: one log (on one line), one run of the tool "iwd", a rule for each
// code used.
// Regions count Unicode code points (run.columnKind "unicodeCodePoints"); end columns
// are exclusive, as in SourceRange.
#include <map>
#include <ostream>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "compiler/diag/codes.h"
#include "compiler/diag/render.h"

namespace iwd::compiler {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kSchema = "https://json.schemastore.org/sarif-2.1.0.json";
constexpr std::string_view kInformationUri = "https://github.com/iwd-project/iwd";
// SARIF's levels "error", "warning" and "note" are our severities' names (severity_name).

// "syntax-error" -> "SyntaxError".
std::string pascal_case(std::string_view kebab) {
  std::string out;
  bool upper = true;
  for (char c : kebab) {
    if (c == '-' || c == '_' || c == ' ') {
      upper = true;
      continue;
    }
    out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return out;
}

// A path as a URI reference: relative paths stay relative, absolute ones become file://
// URIs; every byte other than unreserved characters and `/` is percent-encoded.
std::string path_uri(std::string_view path) {
  std::string out = !path.empty() && path.front() == '/' ? "file://" : "";
  for (char ch : path) {
    const auto c = static_cast<unsigned char>(ch);
    const bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    if (plain) out += ch;
    else out += fmt::format("%{:02X}", static_cast<unsigned>(c));
  }
  return out;
}

bool has_file(const SourceManager& sm, const SourceRange& r) { return r.valid() && r.file < sm.size(); }

Json region(const SourceRange& r) {
  return Json{{"startLine", r.begin.line},
              {"startColumn", r.begin.col},
              {"endLine", r.end.line < r.begin.line ? r.begin.line : r.end.line},
              {"endColumn", r.end.line < r.begin.line || r.end.col == 0 ? r.begin.col : r.end.col}};
}

Json artifact(const SourceManager& sm, const SourceRange& r) {
  return Json{{"uri", path_uri(sm.file(r.file).path)}};
}

Json physical_location(const SourceManager& sm, const SourceRange& r) {
  return Json{{"artifactLocation", artifact(sm, r)}, {"region", region(r)}};
}

std::string message_text(const Diagnostic& d) {
  std::string text = d.message;
  for (const auto& n : d.notes) text += "\nnote: " + n;
  return text;
}

Json rule(std::string_view code, Severity severity_if_unknown) {
  const DiagCodeInfo* info = find_diag_code(code);
  Json r;
  r["id"] = std::string(code);
  if (info == nullptr) {
    r["defaultConfiguration"] = Json{{"level", severity_name(severity_if_unknown)}};
    return r;
  }
  r["name"] = pascal_case(info->name);
  r["shortDescription"] = Json{{"text", std::string(info->summary)}};
  r["defaultConfiguration"] = Json{{"level", severity_name(info->severity)}};
  return r;
}

Json result(const SourceManager& sm, const Diagnostic& d, std::size_t rule_index) {
  Json r;
  r["ruleId"] = d.code;
  r["ruleIndex"] = rule_index;
  r["level"] = severity_name(d.severity);
  r["message"] = Json{{"text", message_text(d)}};
  if (has_file(sm, d.range))
    r["locations"] = Json::array({Json{{"physicalLocation", physical_location(sm, d.range)}}});
  Json related = Json::array();
  for (const auto& l : d.labels) {
    Json loc{{"id", related.size()}};
    if (has_file(sm, l.range)) loc["physicalLocation"] = physical_location(sm, l.range);
    loc["message"] = Json{{"text", l.message}};
    related.push_back(std::move(loc));
  }
  if (!related.empty()) r["relatedLocations"] = std::move(related);
  Json fixes = Json::array();
  for (const auto& f : d.fixits) {
    if (!has_file(sm, f.range)) continue;
    Json replacement{{"deletedRegion", region(f.range)}, {"insertedContent", Json{{"text", f.replacement}}}};
    Json change{{"artifactLocation", artifact(sm, f.range)},
                {"replacements", Json::array({std::move(replacement)})}};
    Json fix;
    if (!f.message.empty()) fix["description"] = Json{{"text", f.message}};
    fix["artifactChanges"] = Json::array({std::move(change)});
    fixes.push_back(std::move(fix));
  }
  if (!fixes.empty()) r["fixes"] = std::move(fixes);
  return r;
}

}  // namespace

void render_sarif(std::ostream& out, const SourceManager& sm, const std::vector<Diagnostic>& diags,
                  const std::string& tool_version) {
  // Rules in code order; each result points at its rule by index.
  std::map<std::string, Severity> used;
  for (const auto& d : diags) used.emplace(d.code, d.severity);
  std::map<std::string, std::size_t> index;
  Json rules = Json::array();
  for (const auto& [code, severity] : used) {
    index[code] = rules.size();
    rules.push_back(rule(code, severity));
  }
  Json results = Json::array();
  for (const auto& d : diags) results.push_back(result(sm, d, index[d.code]));

  Json driver{{"name", "iwd"}, {"version", tool_version}, {"informationUri", kInformationUri},
              {"rules", std::move(rules)}};
  Json run{{"tool", Json{{"driver", std::move(driver)}}},
           {"columnKind", "unicodeCodePoints"},
           {"results", std::move(results)}};
  Json log{{"$schema", kSchema}, {"version", "2.1.0"}, {"runs", Json::array({std::move(run)})}};
  out << log.dump(-1, ' ', false, Json::error_handler_t::replace) << '\n';  // one line
}

}  // namespace iwd::compiler
