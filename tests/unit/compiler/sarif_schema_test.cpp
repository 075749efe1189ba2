// SARIF output: its structure, and validation against the SARIF 2.1.0 JSON schema.
//
// The schema is installed by scripts/setup.sh into .tools/sarif/ (from a pinned npm
// package, never downloaded by a test); IWD_SARIF_SCHEMA may point elsewhere. The check
// runs tests/sarif/validate.py with Debian's python3-jsonschema.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "compiler/diag/render.h"
#include "tests/support/diagnostics.h"

namespace iwd::compiler {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using iwd::test::diag;
using iwd::test::range_of;

std::string sarif(const SourceManager& sm, const std::vector<Diagnostic>& diags) {
  std::ostringstream out;
  render_sarif(out, sm, diags, "1.2.3");
  return out.str();
}

// A set of diagnostics that uses every part of the output.
struct Sample {
  SourceManager sm;
  std::vector<Diagnostic> diags;

  Sample() {
    const FileId a = sm.add("rules/main.iwd", "enum Segment { Gold }\nx = 1\n");
    const FileId b = sm.add("/srv/my rules/t\xC3\xA9st#1.iwd", "enum Segment { A }\n");
    Diagnostic dup = diag("E0301", Severity::Error, range_of(b, 1, 6, 1, 13), "enum `Segment` is declared twice");
    dup.labels.push_back({range_of(a, 1, 6, 1, 13), "first declared here"});
    dup.labels.push_back({SourceRange{}, "a label without a place"});
    dup.notes.push_back("enum names are shared by every file of a ruleset");
    dup.fixits.push_back({range_of(b, 1, 6, 1, 13), "Segment2", "rename to `Segment2`"});
    diags.push_back(dup);
    Diagnostic eq = diag("E0101", Severity::Error, range_of(a, 2, 3, 2, 4), "expected a clause, found `=`");
    eq.fixits.push_back({range_of(a, 2, 3, 2, 4), "==", ""});
    eq.fixits.push_back({range_of(a, 2, 6, 2, 6), ";", "end the clause"});  // an insertion
    eq.fixits.push_back({SourceRange{}, "x", "nowhere to apply"});      // dropped
    diags.push_back(eq);
    diags.push_back(diag("W0203", Severity::Warning, range_of(a, 1, 1, 1, 5), "imported twice"));
    diags.push_back(diag("I0109", Severity::Note, range_of(a, 3, 1, 3, 1), "too many errors"));
    diags.push_back(diag("E0201", Severity::Error, SourceRange{}, "cannot import `gone.iwd`"));
    diags.push_back(diag("E0101", Severity::Error, range_of(a, 1, 1, 3, 1), "spans lines"));
  }
};

TEST(RenderSarif, LogRunAndTool) {
  Sample s;
  const json log = json::parse(sarif(s.sm, s.diags));
  EXPECT_EQ(log["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
  EXPECT_EQ(log["version"], "2.1.0");
  ASSERT_EQ(log["runs"].size(), 1u);
  const json& run = log["runs"][0];
  EXPECT_EQ(run["columnKind"], "unicodeCodePoints");
  const json& driver = run["tool"]["driver"];
  EXPECT_EQ(driver["name"], "iwd");
  EXPECT_EQ(driver["version"], "1.2.3");
  EXPECT_EQ(driver["informationUri"], "https://github.com/iwd-project/iwd");
}

TEST(RenderSarif, OneRuleForEachCodeUsedAndResultsPointAtThem) {
  Sample s;
  const json run = json::parse(sarif(s.sm, s.diags))["runs"][0];
  const json& rules = run["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), 5u);  // E0101 is used twice
  EXPECT_EQ(rules[0], json::parse(R"({"id": "E0101", "name": "SyntaxError",
      "shortDescription": {"text": "The text does not follow the grammar: something unexpected was found."},
      "defaultConfiguration": {"level": "error"}})"));
  EXPECT_EQ(rules[1]["name"], "ImportNotFound");
  EXPECT_EQ(rules[2]["name"], "DuplicateDeclaration");
  EXPECT_EQ(rules[3]["id"], "I0109");
  EXPECT_EQ(rules[3]["name"], "TooManyErrors");
  EXPECT_EQ(rules[3]["defaultConfiguration"]["level"], "note");
  EXPECT_EQ(rules[4]["id"], "W0203");
  EXPECT_EQ(rules[4]["defaultConfiguration"]["level"], "warning");
  const json& results = run["results"];
  ASSERT_EQ(results.size(), s.diags.size());
  for (const auto& r : results) EXPECT_EQ(rules[r["ruleIndex"].get<std::size_t>()]["id"], r["ruleId"]);
  EXPECT_EQ(results[2]["level"], "warning");
  EXPECT_EQ(results[3]["level"], "note");
}

TEST(RenderSarif, ResultLocationsLabelsAndFixes) {
  Sample s;
  const json results = json::parse(sarif(s.sm, s.diags))["runs"][0]["results"];
  const json expected = json::parse(R"({
    "ruleId": "E0301", "ruleIndex": 2, "level": "error",
    "message": {"text": "enum `Segment` is declared twice\nnote: enum names are shared by every file of a ruleset"},
    "locations": [{"physicalLocation": {
      "artifactLocation": {"uri": "file:///srv/my%20rules/t%C3%A9st%231.iwd"},
      "region": {"startLine": 1, "startColumn": 6, "endLine": 1, "endColumn": 13}}}],
    "relatedLocations": [
      {"id": 0, "physicalLocation": {"artifactLocation": {"uri": "rules/main.iwd"},
        "region": {"startLine": 1, "startColumn": 6, "endLine": 1, "endColumn": 13}},
       "message": {"text": "first declared here"}},
      {"id": 1, "message": {"text": "a label without a place"}}],
    "fixes": [{"description": {"text": "rename to `Segment2`"}, "artifactChanges": [{
      "artifactLocation": {"uri": "file:///srv/my%20rules/t%C3%A9st%231.iwd"},
      "replacements": [{"deletedRegion": {"startLine": 1, "startColumn": 6, "endLine": 1, "endColumn": 13},
                        "insertedContent": {"text": "Segment2"}}]}]}]
  })");
  EXPECT_EQ(results[0], expected);

  const json& fixes = results[1]["fixes"];
  ASSERT_EQ(fixes.size(), 2u);  // the fix-it without a range is left out
  EXPECT_FALSE(fixes[0].contains("description"));
  EXPECT_EQ(fixes[1]["artifactChanges"][0]["replacements"][0]["deletedRegion"],
            json::parse(R"({"startLine": 2, "startColumn": 6, "endLine": 2, "endColumn": 6})"));
  EXPECT_FALSE(results[2].contains("relatedLocations"));
  EXPECT_FALSE(results[2].contains("fixes"));
  EXPECT_FALSE(results[4].contains("locations"));  // no range
  EXPECT_EQ(results[5]["locations"][0]["physicalLocation"]["region"],
            json::parse(R"({"startLine": 1, "startColumn": 1, "endLine": 3, "endColumn": 1})"));
}

TEST(RenderSarif, EmptyLogHasAnEmptyResultsArray) {
  SourceManager sm;
  const json log = json::parse(sarif(sm, {}));
  EXPECT_EQ(log["runs"][0]["results"], json::array());
  EXPECT_EQ(log["runs"][0]["tool"]["driver"]["rules"], json::array());
}

// --- validation against the schema -------------------------------------------------------

std::string schema_path() {
  if (const char* env = std::getenv("IWD_SARIF_SCHEMA"); env != nullptr && *env != '\0') return env;
  return std::string(IWD_SOURCE_DIR) + "/.tools/sarif/sarif-schema-2.1.0.json";
}

// Writes `text` to a file of its own (tests may run in parallel) and runs the validator.
// Returns its exit status; its messages go to the test's output.
int validate(const std::string& name, const std::string& text) {
  const fs::path dir = fs::temp_directory_path() / ("iwd_sarif_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path file = dir / (name + ".sarif");
  std::ofstream(file, std::ios::binary) << text;
  const std::string cmd = "/usr/bin/python3 '" + std::string(IWD_SOURCE_DIR) + "/tests/sarif/validate.py' '" +
                          schema_path() + "' '" + file.string() + "'";
  const int status = std::system(cmd.c_str());
  fs::remove_all(dir);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class SarifSchema : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(schema_path()))
        << "the SARIF 2.1.0 schema is missing at " << schema_path() << "; run scripts/setup.sh";
  }
};

TEST_F(SarifSchema, RichLogIsValid) {
  Sample s;
  EXPECT_EQ(validate("rich", sarif(s.sm, s.diags)), 0);
}

TEST_F(SarifSchema, EmptyLogIsValid) {
  SourceManager sm;
  EXPECT_EQ(validate("empty", sarif(sm, {})), 0);
}

TEST_F(SarifSchema, UnknownCodesAndOddTextStillGiveAValidLog) {
  SourceManager sm;
  const FileId f = sm.add("C:odd name?.iwd", "\xFF\n");
  Diagnostic d = diag("X9999", Severity::Warning, range_of(f, 1, 1, 1, 2), "bad byte `\xFF`");
  d.labels.push_back({range_of(f, 1, 1, 1, 2), ""});
  EXPECT_EQ(validate("odd", sarif(sm, {d})), 0);
}

// The validator really checks: logs that break the schema are rejected.
TEST_F(SarifSchema, BrokenLogsAreRejected) {
  Sample s;
  json log = json::parse(sarif(s.sm, s.diags));
  json no_version = log;
  no_version.erase("version");
  EXPECT_EQ(validate("no_version", no_version.dump()), 1);
  json bad_level = log;
  bad_level["runs"][0]["results"][0]["level"] = "fatal";
  EXPECT_EQ(validate("bad_level", bad_level.dump()), 1);
  json bad_region = log;
  bad_region["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0;
  EXPECT_EQ(validate("bad_region", bad_region.dump()), 1);
  json bad_uri = log;
  bad_uri["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "a b.iwd";
  EXPECT_EQ(validate("bad_uri", bad_uri.dump()), 1);
  json no_text = log;
  no_text["runs"][0]["results"][0]["message"].erase("text");
  EXPECT_EQ(validate("no_text", no_text.dump()), 1);
}

}  // namespace
}  // namespace iwd::compiler
