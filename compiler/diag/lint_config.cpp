// Allowing and denying warnings and lints: `iwd:allow(...)` comments and the command line.
#include "compiler/diag/lint_config.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "compiler/diag/codes.h"

namespace iwd::compiler {
namespace {

constexpr std::string_view kAllow = "iwd:allow(";

bool is_error_code(const DiagCodeInfo& info) { return info.code.front() == 'E'; }

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// Reads the codes of one `iwd:allow(` ... `)` in a comment's text, from just after `(`.
void read_codes(std::string_view list, AllowComment& out) {
  std::string item;
  auto flush = [&] {
    std::string t = trim(item);
    item.clear();
    if (t.empty()) return;
    const auto code = resolve_lint_code(t);
    if (!code) {
      out.unknown.push_back(t);
    } else if (is_error_code(*find_diag_code(*code))) {
      out.errors.push_back(*code);
    } else {
      out.codes.push_back(*code);
    }
  };
  for (char c : list) {
    if (c == ')') break;
    if (c == ',' || std::isspace(static_cast<unsigned char>(c))) {
      flush();
      continue;
    }
    item += c;
  }
  flush();
}

// Finds `iwd:allow(` in one comment's text (which starts on line `line`).
void scan_comment(std::string_view comment, std::uint32_t line, std::vector<AllowComment>& out) {
  std::size_t at = 0;
  while ((at = comment.find(kAllow, at)) != std::string_view::npos) {
    AllowComment a;
    a.line = line + static_cast<std::uint32_t>(std::count(comment.begin(), comment.begin() + static_cast<std::ptrdiff_t>(at), '\n'));
    std::string_view rest = comment.substr(at + kAllow.size());
    read_codes(rest.substr(0, std::min(rest.find(')'), rest.find('\n'))), a);
    out.push_back(std::move(a));
    at += kAllow.size();
  }
}

}  // namespace

std::optional<std::string> resolve_lint_code(std::string_view text) {
  std::string upper(text);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (const DiagCodeInfo* info = find_diag_code(upper)) return std::string(info->code);
  for (const auto& info : all_diag_codes())
    if (info.name == text) return std::string(info.code);
  return std::nullopt;
}

std::string normalize_lint_config(LintConfig& config) {
  for (auto* codes : {&config.allow, &config.deny}) {
    const char* flag = codes == &config.allow ? "--allow" : "--deny";
    std::set<std::string> out;
    for (const auto& c : *codes) {
      const auto code = resolve_lint_code(c);
      if (!code)
        return fmt::format("{} {}: no such diagnostic code; codes look like W0610 (see docs/diagnostics.md and "
                           "docs/lints.md)",
                           flag, c);
      if (is_error_code(*find_diag_code(*code)))
        return fmt::format("{} {}: {} is an error, and errors cannot be {}; only warnings (W...) and notes (I...) "
                           "can",
                           flag, c, *code, codes == &config.allow ? "allowed" : "denied (they fail already)");
      out.insert(*code);
    }
    *codes = std::move(out);
  }
  return "";
}

std::vector<AllowComment> find_allow_comments(std::string_view text) {
  std::vector<AllowComment> out;
  std::uint32_t line = 1;
  std::size_t i = 0;
  const std::size_t n = text.size();
  while (i < n) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (c == '"') {  // a string: to its closing quote or the end of the line
      ++i;
      while (i < n && text[i] != '"' && text[i] != '\n') i += text[i] == '\\' && i + 1 < n && text[i + 1] != '\n' ? 2 : 1;
      if (i < n && text[i] == '"') ++i;
    } else if (c == '/' && i + 1 < n && text[i + 1] == '/') {
      const std::size_t end = std::min(text.find('\n', i), n);
      scan_comment(text.substr(i + 2, end - i - 2), line, out);
      i = end;
    } else if (c == '/' && i + 1 < n && text[i + 1] == '*') {
      const std::size_t close = text.find("*/", i + 2);
      const std::size_t end = close == std::string_view::npos ? n : close;
      const std::string_view body = text.substr(i + 2, end - i - 2);
      scan_comment(body, line, out);
      line += static_cast<std::uint32_t>(std::count(body.begin(), body.end(), '\n'));
      i = close == std::string_view::npos ? n : close + 2;
    } else {
      ++i;
    }
  }
  return out;
}

void apply_lint_config(const SourceManager& sm, std::vector<Diagnostic>& diags, const LintConfig& config,
                       std::vector<std::string>* warnings) {
  // Each file's allowed codes, read once. A file that two rulesets import is read under two
  // FileIds: its problems are reported once.
  std::map<FileId, std::set<std::string>> file_allows;
  std::set<std::string> reported;
  auto warn = [&](std::string line) {
    if (reported.insert(line).second) warnings->push_back(std::move(line));
  };
  auto allowed_in = [&](FileId file) -> const std::set<std::string>& {
    auto [it, fresh] = file_allows.try_emplace(file);
    if (fresh && file != kNoFile && file < sm.size()) {
      const SourceFile& f = sm.file(file);
      for (const auto& a : find_allow_comments(f.text)) {
        it->second.insert(a.codes.begin(), a.codes.end());
        if (!warnings) continue;
        for (const auto& u : a.unknown)
          warn(fmt::format("{}:{}: `iwd:allow` names `{}`, which is not a diagnostic code; it is ignored", f.path,
                           a.line, u));
        for (const auto& e : a.errors)
          warn(fmt::format("{}:{}: `iwd:allow` names `{}`, an error, which cannot be allowed; it is ignored", f.path,
                           a.line, e));
      }
    }
    return it->second;
  };
  // Read every file so that bad allow comments are reported even where nothing is allowed.
  for (FileId id = 0; id < sm.size(); ++id) allowed_in(id);

  std::vector<Diagnostic> out;
  out.reserve(diags.size());
  for (auto& d : diags) {
    const DiagCodeInfo* info = find_diag_code(d.code);
    const bool lint = info != nullptr && !is_error_code(*info);
    if (lint && config.deny.count(d.code)) {
      d.severity = Severity::Error;
    } else if (lint && (config.allow.count(d.code) || (d.range.valid() && allowed_in(d.range.file).count(d.code)))) {
      continue;
    } else if (config.deny_warnings && d.severity == Severity::Warning) {
      d.severity = Severity::Error;
    }
    out.push_back(std::move(d));
  }
  diags = std::move(out);
}

}  // namespace iwd::compiler
