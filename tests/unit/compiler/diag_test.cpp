#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "compiler/diag/codes.h"
#include "compiler/diag/diagnostic.h"

namespace iwd::compiler {
namespace {

SourceRange at(FileId file, std::uint32_t line, std::uint32_t col) {
  return SourceRange{file, SourceLoc{0, line, col}, SourceLoc{0, line, col + 1}};
}

TEST(Severity, Names) {
  EXPECT_EQ(severity_name(Severity::Note), "note");
  EXPECT_EQ(severity_name(Severity::Warning), "warning");
  EXPECT_EQ(severity_name(Severity::Error), "error");
}

TEST(DiagnosticBag, ReportTakesTheCatalogSeverity) {
  DiagnosticBag bag;
  Diagnostic& e = bag.report("E0101", at(0, 1, 1), "expected `}`");
  EXPECT_EQ(e.code, "E0101");
  EXPECT_EQ(e.severity, Severity::Error);
  EXPECT_EQ(e.message, "expected `}`");
  EXPECT_EQ(e.range, at(0, 1, 1));
  e.notes.push_back("decorated after reporting");
  EXPECT_EQ(bag.report("W0203", at(0, 2, 1), "imported twice").severity, Severity::Warning);
  EXPECT_EQ(bag.report("I0109", at(0, 3, 1), "too many errors").severity, Severity::Note);
  ASSERT_EQ(bag.all().size(), 3u);
  EXPECT_EQ(bag.all()[0].notes, std::vector<std::string>{"decorated after reporting"});
}

TEST(DiagnosticBag, ReportAcceptsRangeFreeDiagnostics) {
  DiagnosticBag bag;
  const Diagnostic& d = bag.report("E0201", SourceRange{}, "cannot import `x.iwd`");
  EXPECT_FALSE(d.range.valid());
  EXPECT_TRUE(bag.has_errors());
}

TEST(DiagnosticBag, Counts) {
  DiagnosticBag bag;
  EXPECT_EQ(bag.error_count(), 0u);
  EXPECT_EQ(bag.warning_count(), 0u);
  EXPECT_FALSE(bag.has_errors());
  bag.report("W0203", at(0, 1, 1), "w");
  EXPECT_FALSE(bag.has_errors());
  bag.report("I0109", at(0, 1, 1), "n");
  bag.report("E0302", at(0, 1, 1), "e");
  Diagnostic promoted;
  promoted.code = "W0203";
  promoted.severity = Severity::Error;  // add() keeps the severity it is given
  bag.add(promoted);
  EXPECT_EQ(bag.error_count(), 2u);
  EXPECT_EQ(bag.warning_count(), 1u);
  EXPECT_TRUE(bag.has_errors());
  EXPECT_EQ(bag.all().size(), 4u);
}

TEST(DiagnosticBag, SortIsStableByFileLineColumn) {
  DiagnosticBag bag;
  bag.report("E0302", at(1, 1, 1), "b1");
  bag.report("E0302", SourceRange{}, "no file");
  bag.report("E0302", at(0, 3, 2), "a3.2 first");
  bag.report("E0302", at(0, 3, 1), "a3.1");
  bag.report("E0302", at(0, 3, 2), "a3.2 second");
  bag.report("E0302", at(0, 1, 9), "a1");
  bag.report("E0302", at(0, 10, 1), "a10");
  bag.sort();
  std::vector<std::string> order;
  for (const auto& d : bag.all()) order.push_back(d.message);
  EXPECT_EQ(order, (std::vector<std::string>{"a1", "a3.1", "a3.2 first", "a3.2 second", "a10", "b1",
                                             "no file"}));
}

TEST(DiagnosticBag, NoCap) {
  DiagnosticBag bag;
  for (int i = 0; i < 500; ++i) bag.report("E0101", at(0, 1, 1), "again");
  EXPECT_EQ(bag.error_count(), 500u);
}

TEST(DiagCodes, CatalogIsWellFormed) {
  std::set<std::string_view> seen;
  std::string_view previous = "E0000";
  const std::regex code_shape("[EWI][0-9]{4}");
  const std::regex name_shape("[a-z0-9]+(-[a-z0-9]+)*");
  for (const auto& c : all_diag_codes()) {
    EXPECT_TRUE(std::regex_match(std::string(c.code), code_shape)) << c.code;
    EXPECT_TRUE(std::regex_match(std::string(c.name), name_shape)) << c.code << " " << c.name;
    EXPECT_FALSE(c.summary.empty()) << c.code;
    EXPECT_TRUE(seen.insert(c.code).second) << "duplicate " << c.code;
    EXPECT_LT(previous.substr(1), c.code.substr(1)) << "codes are kept sorted";
    if (c.code.front() == 'W') {
      EXPECT_EQ(c.severity, Severity::Warning) << c.code;
    } else if (c.code.front() == 'I') {
      EXPECT_EQ(c.severity, Severity::Note) << c.code;
    }
    EXPECT_EQ(find_diag_code(c.code), &c);
    previous = c.code;
  }
  EXPECT_EQ(find_diag_code("E9999"), nullptr);
}

// Every code in the catalog has a `## E0101 ...` section in docs/diagnostics.md.
TEST(DiagCodes, EveryCodeIsDocumented) {
  const std::string path = std::string(IWD_SOURCE_DIR) + "/docs/diagnostics.md";
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::set<std::string> documented;
  const std::regex heading(R"(^## `?([EWI][0-9]{4})`?\b.*)");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, heading)) documented.insert(m[1]);
  }
  for (const auto& c : all_diag_codes())
    EXPECT_TRUE(documented.count(std::string(c.code)))
        << c.code << " (" << c.name << ") has no `## " << c.code << "` section in docs/diagnostics.md";
  for (const auto& d : documented)
    EXPECT_NE(find_diag_code(d), nullptr) << "docs/diagnostics.md documents " << d << ", which is not in codes.cpp";
}

}  // namespace
}  // namespace iwd::compiler
