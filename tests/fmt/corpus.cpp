// The `iwd fmt` corpus test: every example, golden file and explain ruleset, one ctest case
// each. A file with syntax errors must be refused. Any other must format to a text that
//   - parses to the same AST (ranges aside) and holds the same comments, checked here
//     independently of the formatter's own safety check,
//   - formats to itself (what `iwd fmt --check` on a formatted copy checks),
//   - is the text recorded for it in its group's expectation file (tests/fmt/corpus/*.fmt,
//     one `==== PATH ====` section per file), so that any change of layout shows up.
//
//   iwd_fmt_corpus [--update] --root DIR --expect GROUP.fmt FILE...
//
// PATH is FILE relative to DIR. `--update` (or IWD_GOLDEN_UPDATE=1) writes the sections of
// the files given into GROUP.fmt, keeping the others.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "compiler/format/format.h"
#include "compiler/syntax/lex_comments.h"
#include "compiler/syntax/parse.h"

namespace fs = std::filesystem;
using namespace iwd::compiler;

namespace {

constexpr std::string_view kRefused = "(not formatted: syntax errors)\n";

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The sections of an expectation file, by path.
std::map<std::string, std::string> read_sections(const fs::path& p) {
  std::map<std::string, std::string> out;
  std::istringstream in(read_file(p));
  std::string line, key;
  while (std::getline(in, line)) {
    if (line.size() > 10 && line.rfind("==== ", 0) == 0 && line.compare(line.size() - 5, 5, " ====") == 0) {
      key = line.substr(5, line.size() - 10);
      out[key];
    } else if (!key.empty()) {
      out[key] += line + "\n";
    }
  }
  return out;
}

// The AST without ranges and the sorted comments (trailing blanks of their lines aside).
struct Shape {
  bool ok = false;
  std::string ast;
  std::vector<std::string> comments;
};

Shape shape(const std::string& text) {
  SourceManager sm;
  DiagnosticBag diags;
  const FileId id = sm.add("t.iwd", text);
  auto file = parse_file(sm, id, diags);
  Shape s;
  s.ok = !diags.has_errors();
  std::ostringstream out;
  dump_ast(out, sm, *file);
  s.ast = strip_ast_ranges(out.str());
  if (!s.ok) return s;  // the comment lexer expects valid UTF-8
  for (const auto& c : lex_comments(sm, id)) {
    std::string kept, line;
    std::istringstream lines(c.text);
    while (std::getline(lines, line)) {
      while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) line.pop_back();
      kept += (kept.empty() ? "" : "\n") + line;
    }
    s.comments.push_back(kept);
  }
  std::sort(s.comments.begin(), s.comments.end());
  return s;
}

// The formatted text (or kRefused), and what is wrong with it.
std::string format_checked(const fs::path& path, std::vector<std::string>& problems) {
  const std::string text = read_file(path);
  DiagnosticBag diags;
  const FormatResult once = format_text(path.filename().string(), text, diags);
  const Shape before = shape(text);
  if (!before.ok) {
    if (once.ok) problems.push_back("a file with syntax errors was formatted");
    return std::string(kRefused);
  }
  if (!once.ok) {
    problems.push_back("not formatted: " + (once.error.empty() ? "syntax errors reported" : once.error));
    return std::string(kRefused);
  }
  const Shape after = shape(once.text);
  if (!after.ok) problems.push_back("the formatted text has syntax errors");
  if (after.ast != before.ast) problems.push_back("the formatted text has another AST");
  if (after.comments != before.comments) problems.push_back("the formatted text has other comments");
  DiagnosticBag again_diags;
  const FormatResult twice = format_text(path.filename().string(), once.text, again_diags);
  if (!twice.ok || twice.text != once.text) problems.push_back("formatting the formatted text changes it (fmt --check fails)");
  return once.text;
}

}  // namespace

int main(int argc, char** argv) {
  bool update = std::getenv("IWD_GOLDEN_UPDATE") != nullptr;
  fs::path root, expect;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--update") update = true;
    else if (a == "--root" && i + 1 < argc) root = fs::absolute(argv[++i]);
    else if (a == "--expect" && i + 1 < argc) expect = fs::absolute(argv[++i]);
    else files.push_back(fs::absolute(a));
  }
  if (root.empty() || expect.empty() || files.empty()) {
    std::cerr << "usage: iwd_fmt_corpus [--update] --root DIR --expect GROUP.fmt FILE...\n";
    return 2;
  }
  auto sections = read_sections(expect);
  int failed = 0;
  for (const auto& f : files) {
    const std::string key = fs::relative(f, root).generic_string();
    std::vector<std::string> problems;
    const std::string actual = format_checked(f, problems);
    if (update) sections[key] = actual;
    else if (!sections.count(key)) problems.push_back("no section `==== " + key + " ====` in " + expect.string());
    else if (sections[key] != actual)
      problems.push_back("the formatted text is not the one recorded:\n--- expected\n" + sections[key] + "--- actual\n" + actual);
    if (problems.empty()) continue;
    ++failed;
    std::cerr << "FAIL " << key << "\n";
    for (const auto& p : problems) std::cerr << "  " << p << "\n";
  }
  if (update) {
    std::ofstream out(expect, std::ios::binary);
    for (const auto& [key, text] : sections) out << "==== " << key << " ====\n" << text;
  } else if (failed) {
    std::cerr << "  (to record the actual output: iwd_fmt_corpus --update --root DIR --expect " << expect.string()
              << " FILE...)\n";
  }
  return failed ? 1 : 0;
}
