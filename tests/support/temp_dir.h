// A test's own temporary folder, TMPDIR/PREFIX-XXXXXX (mkdtemp: unique to the process, whatever
// the test's name holds: a parameterized test's `Name/SQLite` made a folder inside another,
// and only the inner one was removed), removed with everything in it when the guard goes: on
// every path out of a test (a pass, a failed check, an ASSERT that returned early, an
// exception), so that runs leave nothing behind. A failed test's folder is kept only when
// IWD_KEEP_TEST_DIRS is set (not "0"), and the guard then says so on stderr.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

namespace iwd::testing {

class TempDir {
 public:
  // Created at once; throws (a failed test) when it cannot be.
  explicit TempDir(const std::string& prefix) {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("cannot create the test folder " + tmpl + ": " + std::strerror(errno));
    path_ = tmpl;
  }
  ~TempDir() {
    if (keep(::testing::Test::HasFailure(), std::getenv("IWD_KEEP_TEST_DIRS"))) {
      std::fprintf(stderr, "kept %s, the folder of a failed test (IWD_KEEP_TEST_DIRS): remove it when done\n",
                   path_.c_str());
      return;
    }
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    if (ec) std::fprintf(stderr, "could not remove the test folder %s: %s\n", path_.c_str(), ec.message().c_str());
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Whether a folder is kept: only a failed test's, and only when asked (`keep_env` set, not "0").
  static bool keep(bool failed, const char* keep_env) {
    return failed && keep_env && *keep_env && std::string(keep_env) != "0";
  }
  const std::filesystem::path& path() const { return path_; }
  std::string str() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace iwd::testing
