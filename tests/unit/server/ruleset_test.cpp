// Uploaded rulesets are compiled in memory: one file, several files as JSON, or a bundle.
// An upload reads nothing from the server's disk (imports of absolute paths or `..` out of the
// upload are located errors), malformed uploads are refused with a reason, and diagnostics
// come back as data with the files named as uploaded.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "compiler/diag/render.h"
#include "server/ruleset.h"

namespace iwd::server {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

const std::string kCalendar = "calendar office { mon..fri 09:00-17:00 }\n";
const std::string kMain = "ruleset up version \"1\"\ndefault process P { sla 8h in office }\n";

struct Upload {
  RulesetStatus status;
  std::string error;
  Ruleset rules;
  compiler::Diagnostics diagnostics;
  ojson json;  // the diagnostics as the route answers them
};

Upload upload(const std::string& body) {
  static runtime::StringPool pool;
  Upload u;
  u.status = load_ruleset_upload(body, pool, &u.rules, &u.error, &u.diagnostics);
  u.json = diagnostics_json(u.diagnostics);
  return u;
}

std::string files_body(const ojson& files, const char* root = nullptr) {
  ojson j{{"files", files}};
  if (root) j["root"] = root;
  return j.dump();
}

// The first diagnostic with this code, as JSON (null when none).
ojson with_code(const Upload& u, const std::string& code) {
  for (const auto& d : u.json)
    if (d["code"] == code) return d;
  return nullptr;
}

TEST(RulesetUpload, OneFile) {
  Upload ok = upload(kCalendar + kMain);
  ASSERT_EQ(ok.status, RulesetStatus::Ok) << ok.error << ok.json.dump();
  EXPECT_EQ(ok.rules.label(), "up 1");
  EXPECT_FALSE(ok.rules.bundle.empty());

  Upload bad = upload("ruleset broken version \"1\"\ndefault process P { sla 1h }\nbogus\n");
  ASSERT_EQ(bad.status, RulesetStatus::RuleErrors);
  ASSERT_EQ(bad.json.size(), 1u) << bad.json.dump();
  const ojson& d = bad.json[0];
  EXPECT_EQ(d["code"], "E0101");
  EXPECT_EQ(d["severity"], "error");
  EXPECT_EQ(d["file"], "upload.iwd");
  EXPECT_EQ(d["line"], 3);
  EXPECT_EQ(d["column"], 1);
  EXPECT_EQ(d["end_line"], 3);
  EXPECT_TRUE(d["message"].is_string());
  EXPECT_TRUE(d["notes"].is_array());
  EXPECT_TRUE(d["labels"].is_array());
  // The same diagnostics render as text at another edge, naming the file as uploaded.
  std::ostringstream text;
  compiler::render_text(text, bad.diagnostics);
  EXPECT_NE(text.str().find("upload.iwd:3:1: error[E0101]"), std::string::npos) << text.str();
}

TEST(RulesetUpload, ABundle) {
  Upload source = upload(kCalendar + kMain);
  ASSERT_EQ(source.status, RulesetStatus::Ok);
  Upload bundle = upload(source.rules.bundle);
  ASSERT_EQ(bundle.status, RulesetStatus::Ok) << bundle.error;
  EXPECT_EQ(bundle.rules.key, source.rules.key);
  EXPECT_EQ(bundle.rules.label(), "up 1");
}

TEST(RulesetUpload, SeveralFiles) {
  Upload ok = upload(files_body({{"main.iwd", "import \"lib/office.iwd\"\n" + kMain}, {"lib/office.iwd", kCalendar}}, "main.iwd"));
  ASSERT_EQ(ok.status, RulesetStatus::Ok) << ok.error << ok.json.dump();
  EXPECT_EQ(ok.rules.label(), "up 1");

  // One file: the root may be left out. Leading white space before the `{` is fine.
  Upload one = upload("\n  " + files_body({{"rules.iwd", kCalendar + kMain}}));
  ASSERT_EQ(one.status, RulesetStatus::Ok) << one.error;

  // An error in an imported file names it as uploaded.
  Upload bad = upload(files_body({{"main.iwd", "import \"lib/office.iwd\"\n" + kMain},
                                  {"lib/office.iwd", "calendar office { mon..fri 09:00-17:00 }\nbogus\n"}},
                                 "main.iwd"));
  ASSERT_EQ(bad.status, RulesetStatus::RuleErrors);
  ojson d = with_code(bad, "E0101");
  ASSERT_FALSE(d.is_null()) << bad.json.dump();
  EXPECT_EQ(d["file"], "lib/office.iwd");
  EXPECT_EQ(d["line"], 2);
}

// Imports out of the upload: each a located E0201, and nothing is read from the disk even
// where the file named exists and would make the rules whole.
TEST(RulesetUpload, ImportsReadNothingFromDisk) {
  const fs::path dir = fs::temp_directory_path() / ("iwd_ruleset_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "office.iwd") << kCalendar;
  const std::string absolute = (dir / "office.iwd").string();
  const std::string relative = fs::relative(dir / "office.iwd", fs::current_path()).string();
  const std::string up = fs::relative(dir / "office.iwd", "/").string();  // "tmp/...": with enough `../`, from anywhere
  std::string escape;
  for (int i = 0; i < 40; ++i) escape += "../";
  escape += up;

  for (const std::string& target : {absolute, relative, escape, std::string("/etc/passwd"), std::string("../../x"),
                                    std::string("office.iwd")}) {
    for (bool as_json : {false, true}) {
      const std::string text = "import \"" + target + "\"\n" + kMain;
      Upload u = upload(as_json ? files_body({{"rules/main.iwd", text}}) : text);
      ASSERT_EQ(u.status, RulesetStatus::RuleErrors) << target << ": " << u.error;
      ojson d = with_code(u, "E0201");
      ASSERT_FALSE(d.is_null()) << target << ": " << u.json.dump();
      EXPECT_EQ(d["message"], "cannot import `" + target + "`");
      EXPECT_EQ(d["file"], as_json ? "rules/main.iwd" : "upload.iwd");
      EXPECT_EQ(d["line"], 1);
      EXPECT_EQ(d["column"], 8);
      ASSERT_FALSE(d["notes"].empty());
      EXPECT_EQ(u.diagnostics.sources->size(), 1u) << target << ": only the upload was read";
      EXPECT_EQ(with_code(u, "E0303"), nullptr) << "no follow-on errors about the calendar";
    }
  }
  Upload abs = upload("import \"/etc/passwd\"\n" + kMain);
  EXPECT_NE(with_code(abs, "E0201")["notes"][0].get<std::string>().find("absolute path"), std::string::npos);
  Upload out = upload(files_body({{"main.iwd", "import \"../../x\"\n" + kMain}}));
  EXPECT_NE(with_code(out, "E0201")["notes"][0].get<std::string>().find("leads outside"), std::string::npos);
  fs::remove_all(dir);
}

TEST(RulesetUpload, CyclesAndDeepChains) {
  Upload self = upload("import \"upload.iwd\"\n" + kCalendar + kMain);
  ASSERT_EQ(self.status, RulesetStatus::RuleErrors);
  EXPECT_FALSE(with_code(self, "E0202").is_null()) << self.json.dump();

  Upload cycle = upload(files_body({{"a.iwd", "import \"b/b.iwd\"\n" + kCalendar + kMain}, {"b/b.iwd", "import \"../a.iwd\"\n"}},
                                   "a.iwd"));
  ASSERT_EQ(cycle.status, RulesetStatus::RuleErrors);
  ojson d = with_code(cycle, "E0202");
  ASSERT_FALSE(d.is_null()) << cycle.json.dump();
  EXPECT_EQ(d["file"], "b/b.iwd");
  EXPECT_EQ(d["notes"][0], "the cycle: a.iwd -> b/b.iwd -> a.iwd");

  ojson chain = ojson::object();
  for (int i = 0; i < 900; ++i)
    chain["f" + std::to_string(i) + ".iwd"] = "import \"f" + std::to_string(i + 1) + ".iwd\"\n";
  chain["f0.iwd"] = "import \"f1.iwd\"\n" + kCalendar + kMain;
  Upload deep = upload(files_body(chain, "f0.iwd"));
  ASSERT_EQ(deep.status, RulesetStatus::RuleErrors);
  d = with_code(deep, "E0201");
  ASSERT_FALSE(d.is_null()) << deep.json.dump();
  EXPECT_NE(d["notes"][0].get<std::string>().find("nest more than"), std::string::npos);
}

TEST(RulesetUpload, TextThatIsNotUtf8) {
  Upload u = upload(kCalendar + "\xff\xfe" + kMain);
  ASSERT_EQ(u.status, RulesetStatus::RuleErrors);
  ojson d = with_code(u, "E0113");
  ASSERT_FALSE(d.is_null()) << u.json.dump();
  EXPECT_EQ(d["line"], 2);
  EXPECT_EQ(d["column"], 1);
  EXPECT_NO_THROW(u.json.dump());  // the reply can be written
  // In a JSON upload the text must be a JSON string, which is UTF-8: refused as malformed.
  Upload j = upload(std::string("{\"files\": {\"a.iwd\": \"\xff\"}}"));
  EXPECT_EQ(j.status, RulesetStatus::BadUpload);
}

TEST(RulesetUpload, MalformedFileSetsAreRefused) {
  struct Case {
    std::string body, says;
  };
  ojson many = ojson::object();
  for (std::size_t i = 0; i <= kMaxUploadFiles; ++i) many["f" + std::to_string(i) + ".iwd"] = "";
  const Case cases[] = {
      {"{", "not JSON"},
      {"{\"files\": []}", "`files`"},
      {"{\"files\": {}}", "`files`"},
      {"{\"root\": \"a.iwd\"}", "`files`"},
      {"{\"files\": {\"a.iwd\": 1}}", "not a string"},
      {"{\"files\": {\"a.iwd\": \"\"}, \"extra\": 1}", "unknown field `extra`"},
      {files_body({{"../a.iwd", kMain}}), "`..`"},
      {files_body({{"/etc/passwd", kMain}}), "absolute"},
      {files_body({{"a\\b.iwd", kMain}}), "`\\`"},
      {files_body({{"a.iwd", kMain}, {"b.iwd", kCalendar}}), "`root`"},
      {files_body({{"a.iwd", kMain}}, "b.iwd"), "root `b.iwd` is not one of its files"},
      {"{\"files\": {\"a.iwd\": \"\"}, \"root\": 7}", "`root`"},
      {files_body(many), "at most 1000"},
  };
  for (const auto& c : cases) {
    Upload u = upload(c.body);
    EXPECT_EQ(u.status, RulesetStatus::BadUpload) << c.body.substr(0, 80);
    EXPECT_NE(u.error.find(c.says), std::string::npos) << u.error;
    EXPECT_TRUE(u.json.empty());
  }
}

}  // namespace
}  // namespace iwd::server
