// compiler/load/sources.h: a ruleset's source files kept in its bundle (`iwd build --sources`,
// every ruleset `iwd serve` stores) compile again, without the disk, into the same files (names
// as shown, in order), the same source hash and the same program: what explanations after a
// restart rest on.
#include <gtest/gtest.h>

#include "compiler/lower/program_io.h"
#include "compiler/load/loaded_rules.h"
#include "compiler/load/sources.h"

namespace iwd::compiler {
namespace {

const std::string kSource = IWD_SOURCE_DIR;

struct Kept {
  std::unique_ptr<LoadedRules> rules;
  SourceRules source;
};

void expect_same_again(const LoadedRules& rules, const SourceRules& original) {
  StoredFiles files;
  std::string error;
  ASSERT_TRUE(files.parse(rules.sources(), &error)) << error;
  runtime::StringPool pool;
  SourceRules again;
  LoadOptions no_jit;
  no_jit.jit = false;
  const LoadResult r = load_rules(files, files.root(), pool, no_jit, &again);
  ASSERT_TRUE(r.rules) << r.error;
  ASSERT_EQ(again.sm->size(), original.sm->size());
  for (FileId id = 0; id < original.sm->size(); ++id) {
    EXPECT_EQ(again.sm->file(id).path, original.sm->file(id).path);
    EXPECT_EQ(again.sm->file(id).text, original.sm->file(id).text);
  }
  EXPECT_EQ(r.rules->manifest().source_hash, rules.manifest().source_hash);
  EXPECT_EQ(serialize_program(r.rules->program()), serialize_program(rules.program()));
}

TEST(BundleSources, FilesFromTheDiskWithImportsCompileAgainInMemory) {
  // A diamond (two files import a third) named by absolute paths: nothing of the disk is read
  // again, each import resolves to the file it did.
  runtime::StringPool pool;
  SourceRules source;
  LoadOptions o;
  o.keep_object = true;
  o.keep_sources = true;
  const LoadResult r = load_rules(kSource + "/tests/golden/imports/import_diamond.iwd", pool, o, &source);
  ASSERT_TRUE(r.rules) << r.error;
  EXPECT_EQ(source.sm->size(), 4u);
  expect_same_again(*r.rules, source);
  // Through a bundle and back: the sources travel with it.
  const LoadResult b = load_bundle(r.rules->bundle(), pool, o);
  ASSERT_TRUE(b.rules) << b.error;
  EXPECT_EQ(b.rules->sources(), r.rules->sources());
  EXPECT_EQ(b.rules->bundle(), r.rules->bundle());
}

TEST(BundleSources, AnUploadsFilesKeepTheirNames) {
  MemoryFiles files;
  ASSERT_TRUE(files.add("main.iwd", "import \"lib/shared.iwd\"\ndefault process P { priority s }\n", nullptr));
  ASSERT_TRUE(files.add("lib/shared.iwd", "priority s { start 3 }\n", nullptr));
  runtime::StringPool pool;
  SourceRules source;
  LoadOptions o;
  o.keep_sources = true;
  const LoadResult r = load_rules(files, "main.iwd", pool, o, &source);
  ASSERT_TRUE(r.rules) << r.error;
  expect_same_again(*r.rules, source);
}

TEST(BundleSources, WithoutTheOptionNoneAreKeptAndTheBundleIsAsBefore) {
  runtime::StringPool pool;
  LoadOptions o;
  o.keep_object = true;
  const LoadResult plain = load_rules(kSource + "/examples/leads.iwd", pool, o);
  ASSERT_TRUE(plain.rules) << plain.error;
  EXPECT_TRUE(plain.rules->sources().empty());
  o.keep_sources = true;
  const LoadResult kept = load_rules(kSource + "/examples/leads.iwd", pool, o);
  ASSERT_TRUE(kept.rules) << kept.error;
  // The same bundle, and a section more.
  Bundle a, b;
  std::string error;
  ASSERT_TRUE(read_bundle(plain.rules->bundle(), &a, &error)) << error;
  ASSERT_TRUE(read_bundle(kept.rules->bundle(), &b, &error)) << error;
  EXPECT_TRUE(a.sources.empty());
  EXPECT_FALSE(b.sources.empty());
  b.sources.clear();
  EXPECT_EQ(write_bundle(b), plain.rules->bundle());
}

TEST(BundleSources, MalformedSourcesAreSaidSo) {
  StoredFiles files;
  std::string error;
  EXPECT_FALSE(files.parse("{\"root\": \"a.iwd\"}", &error));
  EXPECT_EQ(error, "the sources kept with the rules are malformed");
  ASSERT_TRUE(files.parse(R"({"root": "a.iwd", "files": [["a.iwd", "x"]], "imports": []})", &error)) << error;
  EXPECT_EQ(files.resolve("a.iwd", "b.iwd").error, "`b.iwd` is not among the sources kept with the rules");
}

}  // namespace
}  // namespace iwd::compiler
