// IANA zone names against the system tz database.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <fstream>
#include <system_error>

#include "stdlib/time_zone.h"

namespace iwd::stdlib {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxNameLength = 255;

// Entries of the zoneinfo directory that are TZif files or trees but not zone names.
constexpr std::array<std::string_view, 4> kNotZones = {"localtime", "posixrules", "posix", "right"};

bool is_name_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
         c == '+' || c == '.';
}

// The name's shape only: relative, no empty, `.` or `..` components, no odd characters.
bool is_well_formed(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = name.find('/', start);
    const std::string_view part = name.substr(start, slash == std::string_view::npos ? name.npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    if (!std::all_of(part.begin(), part.end(), is_name_char)) return false;
    if (start == 0 && std::find(kNotZones.begin(), kNotZones.end(), part) != kNotZones.end()) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

bool has_tzif_magic(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::array<char, 4> magic{};
  if (!in.read(magic.data(), magic.size())) return false;
  return std::string_view(magic.data(), magic.size()) == "TZif";
}

bool is_within(const fs::path& inner, const fs::path& outer) {
  auto [o, i] = std::mismatch(outer.begin(), outer.end(), inner.begin(), inner.end());
  return o == outer.end();
}

}  // namespace

fs::path default_zoneinfo_dir() {
  const char* env = std::getenv("TZDIR");
  if (env != nullptr && *env != '\0') return fs::path(env);
  return fs::path("/usr/share/zoneinfo");
}

bool is_valid_time_zone(std::string_view name, const fs::path& zoneinfo_dir) {
  if (name == "UTC") return true;
  if (!is_well_formed(name)) return false;
  std::error_code ec;
  const fs::path root = fs::canonical(zoneinfo_dir, ec);
  if (ec) return false;
  // Follows links, which must stay inside the database.
  const fs::path file = fs::canonical(root / fs::path(name), ec);
  if (ec || !is_within(file, root) || !fs::is_regular_file(file, ec) || ec) return false;
  return has_tzif_magic(file);
}

bool is_valid_time_zone(std::string_view name) { return is_valid_time_zone(name, default_zoneinfo_dir()); }

std::vector<std::string> time_zone_names(const fs::path& zoneinfo_dir) {
  std::vector<std::string> names{"UTC"};
  std::error_code ec;
  const fs::path root = fs::canonical(zoneinfo_dir, ec);
  if (!ec) {
    fs::recursive_directory_iterator it(root, fs::directory_options::skip_permission_denied, ec);
    for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const std::string name = it->path().lexically_relative(root).generic_string();
      std::error_code entry_ec;
      if (it->is_directory(entry_ec) && !it->is_symlink(entry_ec)) {
        if (!is_well_formed(name)) it.disable_recursion_pending();  // posix/, right/
        continue;
      }
      if (is_valid_time_zone(name, root)) names.push_back(name);
    }
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

const std::vector<std::string>& time_zone_names() {
  static const std::vector<std::string> names = time_zone_names(default_zoneinfo_dir());
  return names;
}

}  // namespace iwd::stdlib
