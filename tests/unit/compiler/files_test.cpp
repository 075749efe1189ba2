// File sets: the disk and texts in memory as a compilation's files, imports resolved inside
// a set in memory only, and the same diagnostics from either.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "compiler/diag/render.h"
#include "compiler/driver/compilation.h"
#include "compiler/source/files.h"

namespace iwd::compiler {
namespace {

namespace fs = std::filesystem;

TEST(MemoryFiles, Names) {
  EXPECT_EQ(MemoryFiles::check_name("main.iwd"), "");
  EXPECT_EQ(MemoryFiles::check_name("lib/calendars.iwd"), "");
  EXPECT_NE(MemoryFiles::check_name(""), "");
  EXPECT_NE(MemoryFiles::check_name("/etc/passwd"), "");
  EXPECT_NE(MemoryFiles::check_name("../x.iwd"), "");
  EXPECT_NE(MemoryFiles::check_name("a/../b.iwd"), "");
  EXPECT_NE(MemoryFiles::check_name("./a.iwd"), "");
  EXPECT_NE(MemoryFiles::check_name("a//b.iwd"), "");
  EXPECT_NE(MemoryFiles::check_name("a\\b.iwd"), "");
  EXPECT_NE(MemoryFiles::check_name("a\nb.iwd"), "");
  EXPECT_NE(MemoryFiles::check_name(std::string(256, 'a')), "");
  MemoryFiles files;
  std::string error;
  EXPECT_FALSE(files.add("../up.iwd", "", &error));
  EXPECT_NE(error.find("`..`"), std::string::npos) << error;
  EXPECT_EQ(files.size(), 0u);
}

TEST(MemoryFiles, ResolvesInsideTheSetOnly) {
  MemoryFiles files;
  std::string error;
  ASSERT_TRUE(files.add("main.iwd", "", &error));
  ASSERT_TRUE(files.add("lib/cal.iwd", "calendar office { mon..fri 09:00-17:00 }", &error));
  EXPECT_EQ(files.resolve("main.iwd", "lib/cal.iwd").name, "lib/cal.iwd");
  EXPECT_EQ(files.resolve("lib/cal.iwd", "../main.iwd").name, "main.iwd");
  EXPECT_EQ(files.resolve("lib/cal.iwd", "./x/../other.iwd").name, "lib/other.iwd");
  EXPECT_EQ(files.resolve("main.iwd", "lib//cal.iwd").key, files.resolve("lib/cal.iwd", "cal.iwd").key);

  auto escape = files.resolve("lib/cal.iwd", "../../x.iwd");
  EXPECT_EQ(escape.name, "");
  EXPECT_NE(escape.error.find("leads outside"), std::string::npos) << escape.error;
  for (const char* absolute : {"/etc/passwd", "\\etc\\passwd", "C:/x.iwd"}) {
    auto r = files.resolve("main.iwd", absolute);
    EXPECT_EQ(r.name, "") << absolute;
    EXPECT_NE(r.error.find("absolute path"), std::string::npos) << r.error;
  }

  std::string text;
  EXPECT_TRUE(files.read("lib/cal.iwd", &text, &error));
  EXPECT_EQ(text, "calendar office { mon..fri 09:00-17:00 }");
  EXPECT_FALSE(files.read("gone.iwd", &text, &error));
  EXPECT_EQ(error, "the ruleset's files hold no `gone.iwd`");
}

struct Compiled {
  SourceManager sm;
  DiagnosticBag diags;
  std::string text;  // the diagnostics as `iwd check` prints them
};

void compile(const SourceFiles& files, const std::string& root, Compiled* c) {
  Compilation comp(c->sm, c->diags, files);
  std::string error;
  ASSERT_TRUE(comp.load_root(root, &error)) << error;
  comp.check();
  c->diags.sort();
  std::ostringstream out;
  render_text(out, c->sm, c->diags.all());
  c->text = out.str();
}

const Diagnostic* find_code(const Compiled& c, const std::string& code) {
  for (const auto& d : c.diags.all())
    if (d.code == code) return &d;
  return nullptr;
}

// An import that leaves the set is a located error; nothing is read from the disk, even where
// the named file exists there.
TEST(MemoryFiles, ImportsThatLeaveTheSetAreLocatedErrors) {
  const fs::path dir = fs::temp_directory_path() / ("iwd_files_test_" + std::to_string(::getpid()));
  fs::create_directories(dir / "sub");
  std::ofstream(dir / "outside.iwd") << "calendar office { mon..fri 09:00-17:00 }\n";
  const std::string outside = (dir / "outside.iwd").string();

  for (const std::string& target : {outside, std::string("../outside.iwd"), std::string("../../etc/passwd"),
                                    std::string("/etc/passwd"), std::string("missing.iwd")}) {
    MemoryFiles files;
    std::string error;
    ASSERT_TRUE(files.add("main.iwd", "import \"" + target + "\"\ndefault process P { sla 8h in office }\n", &error));
    Compiled c;
    compile(files, "main.iwd", &c);
    EXPECT_EQ(c.sm.size(), 1u) << target << ": only the uploaded file was read";
    const Diagnostic* d = find_code(c, "E0201");
    ASSERT_NE(d, nullptr) << target << "\n" << c.text;
    EXPECT_EQ(d->message, "cannot import `" + target + "`");
    EXPECT_EQ(c.sm.file(d->range.file).path, "main.iwd");
    EXPECT_EQ(d->range.begin.line, 1u);
    EXPECT_EQ(d->range.begin.col, 8u);
    EXPECT_EQ(find_code(c, "E0303"), nullptr) << "the missing import's names are not reported\n" << c.text;
  }
  // The same import from the disk reads the file (the disk is not confined).
  {
    std::ofstream(dir / "sub" / "main.iwd") << "import \"../outside.iwd\"\ndefault process P { sla 8h in office }\n";
    Compiled c;
    compile(disk_files(), (dir / "sub" / "main.iwd").string(), &c);
    EXPECT_EQ(c.sm.size(), 2u);
    EXPECT_FALSE(c.diags.has_errors()) << c.text;
  }
  fs::remove_all(dir);
}

TEST(MemoryFiles, CyclesAndDeepChainsAreErrors) {
  {
    MemoryFiles files;
    std::string error;
    ASSERT_TRUE(files.add("a.iwd", "import \"lib/b.iwd\"\ndefault process P\n", &error));
    ASSERT_TRUE(files.add("lib/b.iwd", "import \"../a.iwd\"\n", &error));
    Compiled c;
    compile(files, "a.iwd", &c);
    const Diagnostic* d = find_code(c, "E0202");
    ASSERT_NE(d, nullptr) << c.text;
    EXPECT_EQ(c.sm.file(d->range.file).path, "lib/b.iwd");
    EXPECT_EQ(d->notes.at(0), "the cycle: a.iwd -> lib/b.iwd -> a.iwd");
  }
  {
    // A chain of files, each importing the next, far deeper than the limit.
    MemoryFiles files;
    std::string error;
    const int n = 5000;
    for (int i = 0; i < n; ++i)
      ASSERT_TRUE(files.add("f" + std::to_string(i) + ".iwd",
                            (i + 1 < n ? "import \"f" + std::to_string(i + 1) + ".iwd\"\n" : std::string()) +
                                (i == 0 ? "default process P\n" : ""),
                            &error));
    Compiled c;
    compile(files, "f0.iwd", &c);
    EXPECT_EQ(c.sm.size(), kMaxImportDepth);
    const Diagnostic* d = find_code(c, "E0201");
    ASSERT_NE(d, nullptr) << c.text;
    EXPECT_EQ(c.sm.file(d->range.file).path, "f" + std::to_string(kMaxImportDepth - 1) + ".iwd");
    EXPECT_NE(d->notes.at(0).find("nest more than 64"), std::string::npos) << d->notes.at(0);
  }
}

// The same files give the same diagnostics, word for word, from the disk and from memory.
TEST(MemoryFiles, SameDiagnosticsAsFromDisk) {
  const std::string main_text =
      "ruleset r version \"1\"\nimport \"lib/cal.iwd\"\nimport \"lib/cal.iwd\"\n"
      "default process P { sla 8h in offfice }\n";
  const std::string cal_text = "import \"../shared.iwd\"\ncalendar office { mon..fri 09:00-17:00 }\nbogus\n";
  const std::string shared_text = "attributes { n: int = 0 }\n";

  const fs::path dir = fs::temp_directory_path() / ("iwd_files_same_" + std::to_string(::getpid()));
  fs::create_directories(dir / "r" / "lib");
  std::ofstream(dir / "r" / "main.iwd") << main_text;
  std::ofstream(dir / "r" / "lib" / "cal.iwd") << cal_text;
  std::ofstream(dir / "r" / "shared.iwd") << shared_text;
  const fs::path cwd = fs::current_path();
  fs::current_path(dir);
  Compiled from_disk;
  compile(disk_files(), "r/main.iwd", &from_disk);
  fs::current_path(cwd);
  fs::remove_all(dir);

  MemoryFiles files;
  std::string error;
  ASSERT_TRUE(files.add("r/main.iwd", main_text, &error));
  ASSERT_TRUE(files.add("r/lib/cal.iwd", cal_text, &error));
  ASSERT_TRUE(files.add("r/shared.iwd", shared_text, &error));
  Compiled from_memory;
  compile(files, "r/main.iwd", &from_memory);

  EXPECT_NE(from_disk.text.find("r/lib/cal.iwd:3:1: error[E0101]"), std::string::npos) << from_disk.text;
  EXPECT_NE(from_disk.text.find("r/main.iwd:3:8: warning[W0203]"), std::string::npos) << from_disk.text;
  EXPECT_EQ(from_memory.text, from_disk.text);
}

}  // namespace
}  // namespace iwd::compiler
