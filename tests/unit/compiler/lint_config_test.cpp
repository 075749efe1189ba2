// Allowing and denying: `iwd:allow(...)` comments, --allow, --deny, --deny-warnings.
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "compiler/diag/lint_config.h"

namespace iwd::compiler {
namespace {

Diagnostic diag(const std::string& code, Severity severity, FileId file, std::uint32_t line = 1) {
  Diagnostic d;
  d.code = code;
  d.severity = severity;
  d.message = code;
  d.range = SourceRange{file, SourceLoc{0, line, 1}, SourceLoc{1, line, 2}};
  return d;
}

// What normalize_lint_config says of these --allow and --deny codes ("" when it accepts them).
std::string refusal(std::set<std::string> allow, std::set<std::string> deny) {
  LintConfig c;
  c.allow = std::move(allow);
  c.deny = std::move(deny);
  return normalize_lint_config(c);
}

std::vector<std::string> codes(const std::vector<Diagnostic>& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags) out.push_back(d.code + (d.severity == Severity::Error ? "!" : ""));
  return out;
}

TEST(LintCode, ResolvesCodesAndNames) {
  EXPECT_EQ(resolve_lint_code("W0610"), "W0610");
  EXPECT_EQ(resolve_lint_code("w0610"), "W0610");
  EXPECT_EQ(resolve_lint_code("unused-define"), "W0610");
  EXPECT_EQ(resolve_lint_code("E0101"), "E0101");
  EXPECT_EQ(resolve_lint_code("W9999"), std::nullopt);
  EXPECT_EQ(resolve_lint_code("unused"), std::nullopt);
  EXPECT_EQ(resolve_lint_code(""), std::nullopt);
}

TEST(LintConfig, NormalizesTheCommandLine) {
  LintConfig c;
  c.allow = {"w0610", "unused-calendar"};
  c.deny = {"W0203"};
  EXPECT_EQ(normalize_lint_config(c), "");
  EXPECT_EQ(c.allow, (std::set<std::string>{"W0610", "W0611"}));
  EXPECT_EQ(c.deny, (std::set<std::string>{"W0203"}));
}

TEST(LintConfig, ErrorsCannotBeAllowedOrDenied) {
  const std::string problem = refusal({"E0101"}, {});
  EXPECT_NE(problem.find("--allow E0101"), std::string::npos) << problem;
  EXPECT_NE(problem.find("cannot be allowed"), std::string::npos) << problem;
  EXPECT_NE(refusal({}, {"E0302"}).find("--deny E0302"), std::string::npos);
}

TEST(LintConfig, UnknownCodesAreUsageErrors) {
  const std::string problem = refusal({}, {"W9999"});
  EXPECT_NE(problem.find("W9999"), std::string::npos) << problem;
  EXPECT_NE(problem.find("no such diagnostic code"), std::string::npos) << problem;
}

TEST(AllowComments, LineAndBlockComments) {
  const auto found = find_allow_comments(
      "// iwd:allow(W0610)\n"
      "define x = 1 // iwd:allow(W0610, W0614)\n"
      "/* first line\n"
      "   iwd:allow(unused-calendar) */\n"
      "//iwd:allow( W0612 ,W0613 )\n");
  ASSERT_EQ(found.size(), 4u);
  EXPECT_EQ(found[0].line, 1u);
  EXPECT_EQ(found[0].codes, std::vector<std::string>{"W0610"});
  EXPECT_EQ(found[1].line, 2u);
  EXPECT_EQ(found[1].codes, (std::vector<std::string>{"W0610", "W0614"}));
  EXPECT_EQ(found[2].line, 4u);
  EXPECT_EQ(found[2].codes, std::vector<std::string>{"W0611"});
  EXPECT_EQ(found[3].line, 5u);
  EXPECT_EQ(found[3].codes, (std::vector<std::string>{"W0612", "W0613"}));
}

TEST(AllowComments, StringsAreNotComments) {
  const auto found = find_allow_comments(
      "define a = \"// iwd:allow(W0610)\"\n"
      "define b = \"say \\\"hi\\\" // iwd:allow(W0611)\" // iwd:allow(W0612)\n"
      "define c = \"/* iwd:allow(W0613) */\"\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].line, 2u);
  EXPECT_EQ(found[0].codes, std::vector<std::string>{"W0612"});
}

TEST(AllowComments, UnknownAndErrorCodes) {
  const auto found = find_allow_comments("// iwd:allow(W0610, W9999, E0302, nonsense)\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].codes, std::vector<std::string>{"W0610"});
  EXPECT_EQ(found[0].unknown, (std::vector<std::string>{"W9999", "nonsense"}));
  EXPECT_EQ(found[0].errors, std::vector<std::string>{"E0302"});
}

TEST(AllowComments, WithoutClosingParenthesis) {
  const auto found = find_allow_comments("// iwd:allow(W0610\ndefine x = 1\n");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].codes, std::vector<std::string>{"W0610"});
  EXPECT_TRUE(find_allow_comments("// iwd allow W0610\n").empty());
}

class ApplyLintConfig : public ::testing::Test {
 protected:
  SourceManager sm;
  FileId allowing = sm.add("allowing.iwd", "// iwd:allow(W0610, I0602)\n// iwd:allow(W9999)\n");
  FileId plain = sm.add("plain.iwd", "define x = 1\n");
};

TEST_F(ApplyLintConfig, FileAllowSilencesOnlyThatFile) {
  std::vector<Diagnostic> diags = {diag("W0610", Severity::Warning, allowing), diag("W0610", Severity::Warning, plain),
                                   diag("I0602", Severity::Note, allowing), diag("W0611", Severity::Warning, allowing)};
  apply_lint_config(sm, diags, LintConfig{}, nullptr);
  EXPECT_EQ(codes(diags), (std::vector<std::string>{"W0610", "W0611"}));
  EXPECT_EQ(diags[0].range.file, plain);
}

TEST_F(ApplyLintConfig, CommandLineAllowSilencesEverywhere) {
  std::vector<Diagnostic> diags = {diag("W0611", Severity::Warning, allowing), diag("W0611", Severity::Warning, plain),
                                   diag("W0611", Severity::Warning, kNoFile), diag("W0612", Severity::Warning, plain)};
  LintConfig c;
  c.allow = {"W0611"};
  apply_lint_config(sm, diags, c, nullptr);
  EXPECT_EQ(codes(diags), std::vector<std::string>{"W0612"});
}

TEST_F(ApplyLintConfig, DenyWinsOverAllows) {
  std::vector<Diagnostic> diags = {diag("W0610", Severity::Warning, allowing), diag("W0610", Severity::Warning, plain),
                                   diag("I0602", Severity::Note, plain)};
  LintConfig c;
  c.allow = {"W0610"};
  c.deny = {"W0610", "I0602"};
  apply_lint_config(sm, diags, c, nullptr);
  EXPECT_EQ(codes(diags), (std::vector<std::string>{"W0610!", "W0610!", "I0602!"}));
}

TEST_F(ApplyLintConfig, DenyWarningsRaisesWhatIsLeft) {
  std::vector<Diagnostic> diags = {diag("W0610", Severity::Warning, allowing), diag("W0203", Severity::Warning, plain),
                                   diag("I0602", Severity::Note, plain), diag("E0302", Severity::Error, plain)};
  LintConfig c;
  c.deny_warnings = true;
  apply_lint_config(sm, diags, c, nullptr);
  EXPECT_EQ(codes(diags), (std::vector<std::string>{"W0203!", "I0602", "E0302!"}));
}

TEST_F(ApplyLintConfig, ErrorsAreNeverAllowed) {
  SourceManager local;
  const FileId f = local.add("e.iwd", "// iwd:allow(E0302)\n");
  std::vector<Diagnostic> diags = {diag("E0302", Severity::Error, f)};
  std::vector<std::string> warnings;
  apply_lint_config(local, diags, LintConfig{}, &warnings);
  EXPECT_EQ(codes(diags), std::vector<std::string>{"E0302!"});
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("e.iwd:1:"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("cannot be allowed"), std::string::npos) << warnings[0];
}

TEST_F(ApplyLintConfig, UnknownCodesInCommentsAreReportedOnce) {
  std::vector<Diagnostic> diags = {diag("W0610", Severity::Warning, allowing), diag("W0611", Severity::Warning, allowing)};
  std::vector<std::string> warnings;
  apply_lint_config(sm, diags, LintConfig{}, &warnings);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("allowing.iwd:2:"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("`W9999`"), std::string::npos) << warnings[0];
}

}  // namespace
}  // namespace iwd::compiler
