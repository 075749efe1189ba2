// The journal under injected faults (server/journal_fault.h): a failed insert, a short commit,
// a full disk, a failed fsync. Whatever the fault, append() says false, and what is read back
// afterwards (by the same files reopened after a clean close, and by a copy of the files taken
// at the failure, as a crash would leave them) is exactly what append() said true for.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "server/journal.h"

namespace iwd::server {
namespace {

namespace fs = std::filesystem;

class JournalFaultTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name)
      if (c == '/') c = '_';
    dir_ = fs::temp_directory_path() / ("iwd-journal-fault-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::vector<std::string> read_all(const fs::path& dir) {
    std::string error;
    auto j = Journal::open(dir.string(), JournalFault{}, &error);
    EXPECT_TRUE(j) << error;
    std::vector<std::string> out;
    if (j) {
      EXPECT_TRUE(j->read(0, [&](const std::string& l) { out.push_back(l); }, &error)) << error;
    }
    return out;
  }
  // How many lines, the first and the last (short enough to read in a failure).
  static std::string summary(const std::vector<std::string>& lines) {
    if (lines.empty()) return "none";
    return std::to_string(lines.size()) + " lines, " + lines.front().substr(0, 12) + " to " + lines.back().substr(0, 12);
  }
  // The files as they are now (the journal still open): what a crash at this instant leaves.
  fs::path crash_copy() {
    const fs::path copy = dir_ / "crash";
    fs::create_directories(copy);
    for (const char* f : {"journal.db", "journal.db-wal", "journal.db-shm"})
      if (fs::exists(dir_ / f)) fs::copy_file(dir_ / f, copy / f, fs::copy_options::overwrite_existing);
    return copy;
  }
  fs::path dir_;
};

TEST_P(JournalFaultTest, NothingRefusedIsStoredAndEverythingAcknowledgedIs) {
  std::string error;
  auto fault = JournalFault::parse(std::string(GetParam()) + ":after=3", &error);
  ASSERT_TRUE(fault) << error;
  auto journal = Journal::open(dir_.string(), *fault, &error);
  ASSERT_TRUE(journal) << error;
  std::vector<std::string> acknowledged;
  std::string failure;
  // Batches of 20 lines of 200 bytes: the full disk is met within a few pages.
  for (int batch = 0; batch < 100 && failure.empty(); ++batch) {
    std::vector<std::string> lines;
    for (int k = 0; k < 20; ++k) lines.push_back("line " + std::to_string(batch) + "." + std::to_string(k) + std::string(190, '.'));
    if (journal->append({}, lines, &failure)) acknowledged.insert(acknowledged.end(), lines.begin(), lines.end());
  }
  ASSERT_FALSE(failure.empty()) << GetParam() << ": the fault never fired";
  const std::string kind = GetParam();
  if (kind == "full") {
    EXPECT_EQ(failure, "database or disk is full");
    EXPECT_GE(acknowledged.size(), 3u * 20) << "the disk fills after 3 transactions";
  } else {
    EXPECT_NE(failure.find("disk I/O error"), std::string::npos) << failure;
    EXPECT_EQ(acknowledged.size(), 3u * 20) << "the fault fires after 3 transactions";
  }
  // The disk stays broken: the next transaction fails too (a full disk still takes what fits
  // in the pages it has).
  std::string again;
  if (journal->append({}, {"after the failure"}, &again)) acknowledged.push_back("after the failure");
  if (kind != "full") {
    EXPECT_FALSE(again.empty());
  }
  EXPECT_EQ(journal->size(), static_cast<std::int64_t>(acknowledged.size()));

  EXPECT_EQ(summary(read_all(crash_copy())), summary(acknowledged)) << "as a crash at the failure leaves the files";
  journal.reset();
  EXPECT_EQ(summary(read_all(dir_)), summary(acknowledged)) << "after a clean close";
}

INSTANTIATE_TEST_SUITE_P(Kinds, JournalFaultTest, ::testing::Values("write", "commit", "full", "fsync"));

TEST(JournalFaultSpec, ParsesAndRefuses) {
  std::string error;
  auto f = JournalFault::parse("fsync:after=12", &error);
  ASSERT_TRUE(f) << error;
  EXPECT_EQ(f->kind, JournalFault::Kind::Fsync);
  EXPECT_EQ(f->after, 12);
  EXPECT_EQ(f->describe(), "fsync after 12 transaction(s)");
  f = JournalFault::parse("write", &error);
  ASSERT_TRUE(f) << error;
  EXPECT_EQ(f->after, 0);
  EXPECT_FALSE(JournalFault::parse("disk", &error));
  EXPECT_NE(error.find("unknown journal fault `disk`"), std::string::npos) << error;
  EXPECT_FALSE(JournalFault::parse("commit:after=x", &error));
  EXPECT_FALSE(JournalFault::parse("commit:before=3", &error));
  EXPECT_FALSE(JournalFault::parse("commit:after=-1", &error));
}

}  // namespace
}  // namespace iwd::server
