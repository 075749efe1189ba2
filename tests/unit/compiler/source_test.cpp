#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "compiler/source/source.h"
#include "tests/support/diagnostics.h"

namespace iwd::compiler {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

TEST(Utf8, AppendEncodesEachLength) {
  std::string out;
  for (std::uint32_t cp : {0x61u, 0xE9u, 0x20ACu, 0x1F600u, 0x10FFFFu}) append_utf8(out, cp);
  EXPECT_EQ(out, "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xF4\x8F\xBF\xBF");
  EXPECT_EQ(utf8_length(out), 5u);
}

TEST(Utf8, Length) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("\xC3\xA9t\xC3\xA9"), 3u);        // été
  EXPECT_EQ(utf8_length("\xE2\x82\xAC"), 1u);             // €
  EXPECT_EQ(utf8_length("\xF0\x9F\x98\x80!"), 2u);        // 😀!
  EXPECT_EQ(utf8_length("\xFF\xFE"), 2u);                 // invalid bytes: one each
  EXPECT_EQ(utf8_length("\xE2\x82"), 2u);                 // truncated sequence
  EXPECT_EQ(utf8_length("\x80" "a"), 2u);                 // stray continuation byte
  EXPECT_EQ(utf8_length("\xC0\xAF"), 2u);                 // overlong form is invalid
}

TEST(Utf8, ByteOffset) {
  const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";  // a é € 😀 z
  EXPECT_EQ(utf8_byte_offset(s, 0), 0u);
  EXPECT_EQ(utf8_byte_offset(s, 1), 1u);
  EXPECT_EQ(utf8_byte_offset(s, 2), 3u);
  EXPECT_EQ(utf8_byte_offset(s, 3), 6u);
  EXPECT_EQ(utf8_byte_offset(s, 4), 10u);
  EXPECT_EQ(utf8_byte_offset(s, 5), 11u);
  EXPECT_EQ(utf8_byte_offset(s, 99), 11u);  // clamped
  EXPECT_EQ(utf8_byte_offset("\xFF" "b", 1), 1u);
}

TEST(SourceFile, LineStartsAndText) {
  SourceManager sm;
  const FileId id = sm.add("a.iwd", "one\ntwo\r\n\nlast");
  const SourceFile& f = sm.file(id);
  EXPECT_EQ(f.id, id);
  EXPECT_EQ(f.path, "a.iwd");
  ASSERT_EQ(f.line_count(), 4u);
  EXPECT_EQ(f.line_starts, (std::vector<std::uint32_t>{0, 4, 9, 10}));
  EXPECT_EQ(f.line_text(1), "one");
  EXPECT_EQ(f.line_text(2), "two");  // \r\n stripped
  EXPECT_EQ(f.line_text(3), "");
  EXPECT_EQ(f.line_text(4), "last");
  EXPECT_EQ(f.line_text(0), "");
  EXPECT_EQ(f.line_text(5), "");
}

TEST(SourceFile, EmptyAndTrailingNewline) {
  SourceManager sm;
  const SourceFile& empty = sm.file(sm.add("e.iwd", ""));
  EXPECT_EQ(empty.line_count(), 1u);
  EXPECT_EQ(empty.line_text(1), "");
  const SourceFile& nl = sm.file(sm.add("n.iwd", "x\n"));
  EXPECT_EQ(nl.line_count(), 2u);
  EXPECT_EQ(nl.line_text(1), "x");
  EXPECT_EQ(nl.line_text(2), "");
}

TEST(SourceManager, AddAndFind) {
  SourceManager sm;
  EXPECT_EQ(sm.add("a.iwd", "a"), 0u);
  EXPECT_EQ(sm.add("dir/b.iwd", "b"), 1u);
  EXPECT_EQ(sm.size(), 2u);
  EXPECT_EQ(sm.find("dir/b.iwd"), 1u);
  EXPECT_EQ(sm.find("a.iwd"), 0u);
  EXPECT_EQ(sm.find("c.iwd"), kNoFile);
}

TEST(SourceManager, LoadReadsBytesAsTheyAre) {
  const fs::path dir = fs::temp_directory_path() / "iwd_source_test";
  fs::create_directories(dir);
  const fs::path p = dir / "r.iwd";
  const std::string text = "ruleset r\r\n\xC3\xA9\0x\n"s;  // bytes kept, NUL included
  std::ofstream(p, std::ios::binary).write(text.data(), static_cast<std::streamsize>(text.size()));
  SourceManager sm;
  std::string error = "untouched";
  const FileId id = sm.load(p.string(), &error);
  ASSERT_NE(id, kNoFile);
  EXPECT_EQ(error, "untouched");
  EXPECT_EQ(sm.file(id).text, text);
  EXPECT_EQ(sm.file(id).path, p.string());
  EXPECT_EQ(sm.file(id).line_text(1), "ruleset r");
  EXPECT_EQ(sm.find(p.string()), id);
  fs::remove_all(dir);
}

TEST(SourceManager, LoadErrors) {
  SourceManager sm;
  std::string error;
  EXPECT_EQ(sm.load("no/such/file.iwd", &error), kNoFile);
  EXPECT_EQ(error, "cannot read 'no/such/file.iwd': No such file or directory");
  EXPECT_EQ(sm.size(), 0u);

  const fs::path dir = fs::temp_directory_path() / "iwd_source_test_dir";
  fs::create_directories(dir);
  error.clear();
  EXPECT_EQ(sm.load(dir.string(), &error), kNoFile);
  EXPECT_EQ(error, "cannot read '" + dir.string() + "': Is a directory");
  fs::remove_all(dir);

  EXPECT_EQ(sm.load("no/such/file.iwd", nullptr), kNoFile);  // the reason is optional
}

constexpr auto range = iwd::test::range_of;

TEST(SourceRange, Join) {
  const SourceRange a = range(0, 1, 5, 1, 9);
  const SourceRange b = range(0, 2, 1, 2, 4);
  EXPECT_EQ(join(a, b), range(0, 1, 5, 2, 4));
  EXPECT_EQ(join(b, a), range(0, 1, 5, 2, 4));
  EXPECT_EQ(join(a, range(0, 1, 6, 1, 7)), a);  // contained
  EXPECT_EQ(join(a, range(0, 1, 2, 1, 6)), range(0, 1, 2, 1, 9));
  EXPECT_EQ(join(a, SourceRange{}), a);  // an invalid side is ignored
  EXPECT_EQ(join(SourceRange{}, b), b);
  EXPECT_FALSE(join(SourceRange{}, SourceRange{}).valid());
}

TEST(SourceRange, Validity) {
  EXPECT_FALSE(SourceRange{}.valid());
  EXPECT_FALSE(range(kNoFile, 1, 1, 1, 2).valid());
  EXPECT_FALSE(range(0, 0, 1, 0, 2).valid());
  EXPECT_TRUE(range(0, 1, 1, 1, 1).valid());
}

}  // namespace
}  // namespace iwd::compiler
