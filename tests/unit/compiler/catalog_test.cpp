// The diagnostic catalog against its documentation and its golden tests: every code in
// compiler/diag/codes.cpp has a `## CODE` section in docs/diagnostics.md or docs/lints.md
// and a golden file under tests/golden that expects it; docs and golden files name
// no code the catalog lacks.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "compiler/diag/codes.h"

namespace iwd::compiler {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = IWD_SOURCE_DIR;

// Code -> the docs file that has a `## CODE ...` heading for it.
std::map<std::string, std::string> documented_codes() {
  std::map<std::string, std::string> out;
  const std::regex heading(R"(^## `?([EWI][0-9]{4})`?\b.*)");
  for (const char* doc : {"docs/diagnostics.md", "docs/lints.md"}) {
    std::ifstream in(kSource / doc, std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      std::smatch m;
      if (std::regex_match(line, m, heading)) out.emplace(m[1], doc);
    }
  }
  return out;
}

// Code -> golden files (relative to tests/golden) that expect it: inline expectations of the
// data-file runner (docs/testing.md), `// expected-warning@+1:8 {{W0610}} {{message}}`.
std::map<std::string, std::vector<std::string>> golden_codes() {
  std::map<std::string, std::vector<std::string>> out;
  const std::regex expected(R"(//\s*expected-(error|warning|note)(@\S*)?\s+\{\{([A-Z][0-9]{4})\}\})");
  const fs::path root = kSource / "tests/golden";
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".iwd") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::string line;
    while (std::getline(in, line)) {
      std::smatch m;
      if (std::regex_search(line, m, expected)) out[m[3]].push_back(fs::relative(entry.path(), root).string());
    }
  }
  return out;
}

TEST(Catalog, EveryCodeIsDocumented) {
  const auto docs = documented_codes();
  for (const auto& c : all_diag_codes())
    EXPECT_TRUE(docs.count(std::string(c.code)))
        << c.code << " (" << c.name << ") has no `## " << c.code << " " << c.name
        << "` section in docs/diagnostics.md or docs/lints.md";
}

TEST(Catalog, DocsNameOnlyCatalogCodes) {
  for (const auto& [code, doc] : documented_codes())
    EXPECT_NE(find_diag_code(code), nullptr) << doc << " documents " << code << ", which is not in codes.cpp";
}

TEST(Catalog, EveryCodeHasAGoldenTest) {
  const auto golden = golden_codes();
  for (const auto& c : all_diag_codes())
    EXPECT_TRUE(golden.count(std::string(c.code)))
        << c.code << " (" << c.name << ") is expected by no golden file under tests/golden: add one with a "
        << "`// expected-" << severity_name(c.severity) << "@+1:COL {{" << c.code << "}}` line (docs/testing.md)";
}

TEST(Catalog, GoldenFilesExpectOnlyCatalogCodes) {
  for (const auto& [code, files] : golden_codes())
    EXPECT_NE(find_diag_code(code), nullptr) << files.front() << " expects " << code << ", which is not in codes.cpp";
}

// Every lint of lint_ruleset (the W06xx codes) is covered: documented in docs/lints.md (not
// only in docs/diagnostics.md) and expected by a golden file. A failure here is about this part of the
// catalog alone, whatever else is still missing.
TEST(Catalog, RulesetLintsAreCovered) {
  std::set<std::string> in_lints_md;
  {
    std::ifstream in(kSource / "docs/lints.md", std::ios::binary);
    const std::regex heading(R"(^## `?([EWI][0-9]{4})`?\b.*)");
    std::string line;
    std::smatch m;
    while (std::getline(in, line))
      if (std::regex_match(line, m, heading)) in_lints_md.insert(m[1]);
  }
  const auto golden = golden_codes();
  std::size_t lints = 0;
  for (const auto& c : all_diag_codes()) {
    const std::string code(c.code);
    if (code.rfind("W06", 0) != 0) continue;  // the ruleset lints are W06xx
    ++lints;
    EXPECT_TRUE(in_lints_md.count(code)) << code << " (" << c.name << ") has no section in docs/lints.md";
    EXPECT_TRUE(golden.count(code)) << code << " is expected by no golden file";
  }
  EXPECT_GE(lints, 17u) << "the catalog lost ruleset lints";
}

}  // namespace
}  // namespace iwd::compiler
