// IANA time-zone names, checked against the system's tz database (the `tzdata` package,
// /usr/share/zoneinfo, or the directory in $TZDIR when that is set).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace iwd::stdlib {

// $TZDIR when set and not empty, else /usr/share/zoneinfo.
std::filesystem::path default_zoneinfo_dir();

// True when `name` is an IANA zone name such as "Europe/Berlin" or "UTC": a relative path of
// components made of letters, digits and `._+-` (no `.` or `..` components, no leading `/`)
// that names a regular TZif file inside the zoneinfo directory. Links (symbolic links in the
// database) count when they resolve inside it. Not zones: directories ("Europe"), data files
// ("zone.tab", "tzdata.zi"), "localtime", "posixrules" and the "posix/" and "right/" trees.
// Names are case-sensitive. "UTC" is always valid, even without a tz database.
bool is_valid_time_zone(std::string_view name);
bool is_valid_time_zone(std::string_view name, const std::filesystem::path& zoneinfo_dir);

// Every valid zone name in the database, sorted; for "did you mean" suggestions. The list
// for the default directory is computed once and cached (thread-safe).
const std::vector<std::string>& time_zone_names();
std::vector<std::string> time_zone_names(const std::filesystem::path& zoneinfo_dir);

}  // namespace iwd::stdlib
