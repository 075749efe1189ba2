// compiler/load/bundle.cpp's checksums (issue 19): a bundle laid out as write_bundle lays it out
// (the sections one after another from the section table to the trailer) has the whole file's
// checksum and each section's computed in one pass; any other layout the format allows is checked
// as before, each checksum on its own. Both read the same sections and refuse the same damage,
// with the same messages in the same order (the whole file's checksum first).
#include <gtest/gtest.h>

#include <algorithm>

#include "compiler/load/bundle.h"
#include "compiler/load/loaded_rules.h"

namespace iwd::compiler {
namespace {

const std::string kSource = IWD_SOURCE_DIR;

void put(std::string& out, std::uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
std::uint64_t get(const std::string& b, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  return v;
}
// The trailer made right again for the bytes before it.
void reseal(std::string& b) {
  b.resize(b.size() - 8);
  put(b, fnv1a64(b), 8);
}

class BundleChecksums : public ::testing::Test {
 protected:
  void SetUp() override {
    runtime::StringPool pool;
    LoadResult r = load_rules(kSource + "/examples/enterprise.iwd", pool, LoadOptions{true, true});
    ASSERT_TRUE(r.rules) << r.error;
    bytes_ = r.rules->bundle();
    count_ = get(bytes_, 12, 4);
    ASSERT_GE(count_, 4u);
  }
  // The same sections, stored in the reverse order of the table's entries, a gap of 3 bytes
  // before each: a layout the format allows and write_bundle does not write.
  std::string reversed() const {
    const std::size_t table = 16 + 32 * count_;
    std::string out = bytes_.substr(0, table), body;
    std::vector<std::uint64_t> offsets(count_);
    for (std::size_t i = count_; i-- > 0;) {
      const std::size_t e = 16 + 32 * i;
      body += "gap";
      offsets[i] = table + body.size();
      body += bytes_.substr(get(bytes_, e + 8, 8), get(bytes_, e + 16, 8));
    }
    for (std::size_t i = 0; i < count_; ++i) {
      std::string entry;
      put(entry, offsets[i], 8);
      out.replace(16 + 32 * i + 8, 8, entry);
    }
    out += body;
    put(out, 0, 8);
    reseal(out);
    return out;
  }
  static std::string error_of(const std::string& b) {
    Bundle out;
    std::string error;
    return read_bundle(b, &out, &error) ? "" : error;
  }
  std::string bytes_;
  std::size_t count_ = 0;
};

TEST_F(BundleChecksums, AnotherLayoutReadsTheSameSections) {
  Bundle a, b;
  std::string error;
  ASSERT_TRUE(read_bundle(bytes_, &a, &error)) << error;
  const std::string other = reversed();
  ASSERT_NE(other, bytes_);
  ASSERT_TRUE(read_bundle(other, &b, &error)) << error;
  EXPECT_EQ(a.schema, b.schema);
  EXPECT_EQ(a.program, b.program);
  EXPECT_EQ(a.objects, b.objects);
  EXPECT_EQ(a.manifest.source_hash, b.manifest.source_hash);
  EXPECT_EQ(write_bundle(b), bytes_);
}

TEST_F(BundleChecksums, AFlippedByteOfASectionFailsTheWholeFilesChecksumFirstInEitherLayout) {
  for (const std::string& good : {bytes_, reversed()}) {
    const std::size_t table = 16 + 32 * count_;
    for (std::size_t at = table; at + 8 < good.size(); at += 97) {
      std::string damaged = good;
      damaged[at] = static_cast<char>(damaged[at] ^ 0x10);
      EXPECT_EQ(error_of(damaged), "the bundle is damaged or truncated (its checksum does not match)") << at;
    }
  }
}

TEST_F(BundleChecksums, ASectionsOwnChecksumIsCheckedInEitherLayout) {
  // A section's bytes changed and the whole file's checksum made right (as a writer's bug
  // would): the section's own checksum fails, named, in either layout.
  for (const std::string& good : {bytes_, reversed()}) {
    for (std::size_t i = 0; i < count_; ++i) {
      std::string damaged = good;
      const std::size_t e = 16 + 32 * i;
      const std::size_t offset = get(good, e + 8, 8), size = get(good, e + 16, 8);
      ASSERT_GT(size, 0u);
      damaged[offset + size / 2] = static_cast<char>(damaged[offset + size / 2] ^ 0x01);
      reseal(damaged);
      const std::string e1 = error_of(damaged);
      EXPECT_NE(e1.find("section's checksum does not match"), std::string::npos) << i << ": " << e1;
      EXPECT_EQ(e1.rfind("the bundle is damaged: its ", 0), 0u) << e1;
    }
  }
  // The first section's checksum wrong in the table: the manifest is named.
  std::string damaged = bytes_;
  damaged[16 + 24] = static_cast<char>(damaged[16 + 24] ^ 0x01);
  reseal(damaged);
  EXPECT_EQ(error_of(damaged), "the bundle is damaged: its manifest section's checksum does not match");
}

TEST_F(BundleChecksums, ASectionRunningIntoTheTrailerOrPastItIsRefused) {
  // The last section one byte longer: over the trailer, so not the tiled layout; its bytes then
  // lie outside the body.
  std::string longer = bytes_;
  const std::size_t last = 16 + 32 * (count_ - 1);
  std::string size;
  put(size, get(bytes_, last + 16, 8) + 1, 8);
  longer.replace(last + 16, 8, size);
  reseal(longer);
  EXPECT_NE(error_of(longer).find("section lies outside the file"), std::string::npos) << error_of(longer);
  // A gap before the trailer: not tiled, read as before (the gap belongs to no section).
  std::string gap = bytes_;
  gap.insert(gap.size() - 8, "xyz");
  reseal(gap);
  EXPECT_EQ(error_of(gap), "");
}

}  // namespace
}  // namespace iwd::compiler
