// The rulesets of the tree that tests load: every .iwd of examples/ and tests/golden/ (some
// golden ones have errors: a test that needs clean rules skips those that do not load).
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace iwd::test {

inline std::vector<std::string> clean_rulesets(const std::string& source_dir) {
  std::vector<std::string> out;
  for (const auto& dir : {source_dir + "/examples", source_dir + "/tests/golden"})
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
      if (e.path().extension() == ".iwd" && e.path().filename().string()[0] != '_') out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace iwd::test
