// Every lint code the checker emits has its section in docs/lints.md (`## W0615 ...`):
// the lint codes of the catalog (W06xx, I06xx), every catalog code that the lint passes
// (compiler/sema/lint_*.cpp) name in their source, and every lint code that checking the
// golden files and the examples actually produces.
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "compiler/diag/codes.h"
#include "compiler/driver/compilation.h"

namespace iwd::compiler {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = IWD_SOURCE_DIR;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Codes with a `## CODE ...` heading in docs/lints.md.
std::set<std::string> lints_md_codes() {
  std::set<std::string> out;
  const std::regex heading(R"(^## `?([EWI][0-9]{4})`?\b.*)");
  std::istringstream in(read(kSource / "docs/lints.md"));
  std::string line;
  std::smatch m;
  while (std::getline(in, line))
    if (std::regex_match(line, m, heading)) out.insert(m[1]);
  return out;
}

bool is_lint_number(const std::string& code) { return code.size() == 5 && code.compare(1, 2, "06") == 0; }

TEST(LintDocs, CatalogLintsAreInLintsMd) {
  const auto documented = lints_md_codes();
  std::size_t lints = 0;
  for (const auto& c : all_diag_codes()) {
    const std::string code(c.code);
    if (!is_lint_number(code)) continue;
    ++lints;
    EXPECT_TRUE(documented.count(code)) << code << " (" << c.name << ") is a lint but has no `## " << code << " "
                                        << c.name << "` section in docs/lints.md";
  }
  EXPECT_GE(lints, 18u) << "the catalog lost its lint codes (W0601 to W0618)";
}

TEST(LintDocs, CodesNamedByLintPassesAreInLintsMd) {
  const auto documented = lints_md_codes();
  const std::regex literal("\"([EWI][0-9]{4})\"");
  std::set<std::string> named;
  for (const auto& entry : fs::directory_iterator(kSource / "compiler/sema")) {
    const std::string file = entry.path().filename().string();
    if (file.rfind("lint_", 0) != 0 || entry.path().extension() != ".cpp") continue;
    const std::string text = read(entry.path());
    for (std::sregex_iterator it(text.begin(), text.end(), literal), end; it != end; ++it) {
      const std::string code = (*it)[1];
      // Other literals (`d.code < "E0500"`) are thresholds, not codes.
      if (find_diag_code(code) == nullptr) continue;
      named.insert(code);
      EXPECT_TRUE(documented.count(code)) << "compiler/sema/" << file << " emits " << code
                                          << ", which has no section in docs/lints.md";
    }
  }
  for (const char* code : {"W0601", "W0606", "W0609", "W0610", "W0615", "W0616", "W0617", "W0618"})
    EXPECT_TRUE(named.count(code)) << "no lint source names " << code << ": did the lint passes move?";
}

TEST(LintDocs, LintCodesEmittedOnGoldenFilesAndExamplesAreInLintsMd) {
  const auto documented = lints_md_codes();
  std::set<std::string> emitted;
  std::size_t files = 0;
  auto check = [&](const fs::path& path) {
    SourceManager sm;
    DiagnosticBag diags;
    Compilation comp(sm, diags);
    // The golden files' expectations are comments: checking the whole file is harmless.
    const fs::path old_cwd = fs::current_path();
    fs::current_path(path.parent_path());
    comp.load_root_text(path.filename().string(), read(path));
    comp.check();
    fs::current_path(old_cwd);
    ++files;
    for (const auto& d : diags.all())
      if (is_lint_number(d.code)) emitted.insert(d.code);
  };
  for (const auto& entry : fs::recursive_directory_iterator(kSource / "tests/golden"))
    if (entry.is_regular_file() && entry.path().extension() == ".iwd" &&
        entry.path().filename().string().rfind('_', 0) != 0)
      check(entry.path());
  for (const auto& entry : fs::directory_iterator(kSource / "examples"))
    if (entry.is_regular_file() && entry.path().extension() == ".iwd") check(entry.path());
  ASSERT_GT(files, 100u);
  EXPECT_GE(emitted.size(), 10u) << "the golden files should exercise most lints";
  for (const auto& code : emitted)
    EXPECT_TRUE(documented.count(code)) << "checking the golden files emits " << code
                                        << ", which has no section in docs/lints.md";
}

}  // namespace
}  // namespace iwd::compiler
