// The golden test runner. A golden file is an .iwd file followed by a trailer of line
// comments that states what checking it must produce:
//
//   // ==== expected ====
//   // error[E0101] @3:5: expected a priority clause
//   // warning[W0203] @_other.iwd:1:8: is imported twice
//   // ast:
//   // File name.iwd
//   //   Ruleset x @1:1-1:11
//   // text:
//   // name.iwd:3:5: error[E0101]: ...
//
// Diagnostics are matched by severity, code, file, line and column; the message after the
// colon must be a substring of the actual message. The `ast:` section (optional) is the
// exact `iwd parse --emit=ast` dump of the file; the `text:` section (optional) is the exact
// text rendering of all diagnostics. `iwd_golden --update FILE...` (or IWD_GOLDEN_UPDATE=1)
// rewrites the trailer from the actual output, keeping which sections are present.
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "compiler/diag/lint_config.h"
#include "compiler/diag/render.h"
#include "compiler/driver/compilation.h"
#include "compiler/lower/lower.h"
#include "compiler/syntax/parse.h"

namespace fs = std::filesystem;
using namespace iwd::compiler;

namespace {

constexpr std::string_view kMarker = "// ==== expected ====";

struct Expected {
  std::vector<std::string> diags;  // "error[E0101] @3:5: message"
  bool has_ast = false, has_text = false, has_program = false;
  std::string ast, text, program;
};

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Splits a file into its body (everything before the marker line) and its trailer.
void split(const std::string& content, std::string* body, Expected* exp) {
  std::size_t pos = content.find(std::string(kMarker) + "\n");
  if (pos == std::string::npos || (pos != 0 && content[pos - 1] != '\n')) {
    *body = content;
    return;
  }
  *body = content.substr(0, pos);
  std::istringstream trailer(content.substr(pos + kMarker.size() + 1));
  std::string line;
  enum { Diags, Ast, Text, Program } section = Diags;
  while (std::getline(trailer, line)) {
    std::string text = line.rfind("// ", 0) == 0 ? line.substr(3) : line.rfind("//", 0) == 0 ? line.substr(2) : line;
    if (text == "ast:") { section = Ast; exp->has_ast = true; continue; }
    if (text == "text:") { section = Text; exp->has_text = true; continue; }
    if (text == "program:") { section = Program; exp->has_program = true; continue; }
    if (section == Diags) {
      if (!text.empty()) exp->diags.push_back(text);
    } else {
      (section == Ast ? exp->ast : section == Text ? exp->text : exp->program) += text + "\n";
    }
  }
}

std::string diag_line(const SourceManager& sm, const Diagnostic& d, const std::string& main_path) {
  std::string where = "@";
  if (d.range.valid()) {
    const std::string& path = sm.file(d.range.file).path;
    if (path != main_path) where += fs::path(path).filename().string() + ":";
    where += fmt::format("{}:{}", d.range.begin.line, d.range.begin.col);
  } else {
    where += "-";
  }
  return fmt::format("{}[{}] {}: {}", severity_name(d.severity), d.code, where, d.message);
}

// "error[E0101] @3:5" part and the message part.
std::pair<std::string, std::string> key_and_message(const std::string& line) {
  std::size_t colon = line.find(": ");
  if (colon == std::string::npos) return {line, ""};
  return {line.substr(0, colon), line.substr(colon + 2)};
}

bool run_one(const fs::path& file, bool update) {
  const std::string content = read_file(file);
  std::string body;
  Expected exp;
  split(content, &body, &exp);

  // Run from the file's folder so that paths in the output are short and stable.
  const fs::path old_cwd = fs::current_path();
  fs::current_path(file.parent_path());
  const std::string main_path = file.filename().string();

  SourceManager sm;
  DiagnosticBag diags;
  Compilation comp(sm, diags);
  comp.load_root_text(main_path, body);
  comp.check();
  apply_lint_config(sm, diags.all(), LintConfig{}, nullptr);  // `// iwd:allow(...)` comments
  diags.sort();

  std::vector<std::string> actual;
  for (const auto& d : diags.all()) actual.push_back(diag_line(sm, d, main_path));
  std::string ast, text;
  if (exp.has_ast && !comp.files().empty()) {
    std::ostringstream out;
    dump_ast(out, sm, *comp.files().front());
    ast = out.str();
  }
  if (exp.has_text) {
    std::ostringstream out;
    render_text(out, sm, diags.all());
    text = out.str();
  }
  std::string program;
  if (exp.has_program && comp.bound() && !diags.has_errors()) {
    std::ostringstream out;
    dump_program(out, *lower_program(*comp.bound()));
    program = out.str();
  }
  fs::current_path(old_cwd);

  if (update) {
    std::string trailer = std::string(kMarker) + "\n";
    for (const auto& a : actual) trailer += "// " + a + "\n";
    auto section = [&](const char* name, const std::string& s) {
      trailer += fmt::format("// {}:\n", name);
      std::istringstream in(s);
      std::string l;
      while (std::getline(in, l)) trailer += l.empty() ? "//\n" : "// " + l + "\n";
    };
    if (exp.has_ast) section("ast", ast);
    if (exp.has_text) section("text", text);
    if (exp.has_program) section("program", program);
    std::ofstream(file, std::ios::binary) << body << trailer;
    return true;
  }

  bool ok = true;
  auto fail = [&](const std::string& msg) {
    if (ok) std::cerr << "FAIL " << file.string() << "\n";
    ok = false;
    std::cerr << "  " << msg << "\n";
  };
  std::vector<bool> used(actual.size(), false);
  for (const auto& e : exp.diags) {
    auto [ekey, emsg] = key_and_message(e);
    bool found = false;
    for (std::size_t i = 0; i < actual.size() && !found; ++i) {
      auto [akey, amsg] = key_and_message(actual[i]);
      if (!used[i] && akey == ekey && amsg.find(emsg) != std::string::npos) used[i] = found = true;
    }
    if (!found) fail("missing:    " + e);
  }
  for (std::size_t i = 0; i < actual.size(); ++i)
    if (!used[i]) fail("unexpected: " + actual[i]);
  if (exp.has_ast && ast != exp.ast) fail("the AST dump differs:\n--- expected\n" + exp.ast + "--- actual\n" + ast);
  if (exp.has_program && program != exp.program)
    fail("the program dump differs:\n--- expected\n" + exp.program + "--- actual\n" + program);
  if (exp.has_text && text != exp.text)
    fail("the text rendering differs:\n--- expected\n" + exp.text + "--- actual\n" + text);
  if (!ok) std::cerr << "  (to accept the actual output: iwd_golden --update " << file.string() << ")\n";
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  bool update = std::getenv("IWD_GOLDEN_UPDATE") != nullptr;
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--update") update = true;
    else files.push_back(fs::absolute(a));
  }
  if (files.empty()) {
    std::cerr << "usage: iwd_golden [--update] FILE.iwd...\n";
    return 2;
  }
  int failed = 0;
  for (const auto& f : files)
    if (!run_one(f, update)) ++failed;
  if (files.size() > 1) std::cout << files.size() - failed << " passed, " << failed << " failed\n";
  return failed ? 1 : 0;
}
