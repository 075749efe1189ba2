#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "stdlib/spelling.h"
#include "stdlib/time_zone.h"

namespace iwd::stdlib {
namespace {

namespace fs = std::filesystem;

TEST(TimeZone, ValidNames) {
  EXPECT_TRUE(is_valid_time_zone("Europe/Berlin"));
  EXPECT_TRUE(is_valid_time_zone("America/Argentina/Buenos_Aires"));
  EXPECT_TRUE(is_valid_time_zone("UTC"));
  EXPECT_TRUE(is_valid_time_zone("Etc/GMT+5"));
  EXPECT_TRUE(is_valid_time_zone("America/Port-au-Prince"));
}

TEST(TimeZone, InvalidNames) {
  EXPECT_FALSE(is_valid_time_zone("Europe/Berln"));
  EXPECT_FALSE(is_valid_time_zone("europe/berlin"));
  EXPECT_FALSE(is_valid_time_zone(""));
  EXPECT_FALSE(is_valid_time_zone("Europe"));             // a directory
  EXPECT_FALSE(is_valid_time_zone("Europe/"));
  EXPECT_FALSE(is_valid_time_zone("zone.tab"));           // not TZif
  EXPECT_FALSE(is_valid_time_zone("tzdata.zi"));
  EXPECT_FALSE(is_valid_time_zone("iso3166.tab"));
  EXPECT_FALSE(is_valid_time_zone("../etc/passwd"));
  EXPECT_FALSE(is_valid_time_zone("Europe/../Europe/Berlin"));
  EXPECT_FALSE(is_valid_time_zone("./Europe/Berlin"));
  EXPECT_FALSE(is_valid_time_zone("/usr/share/zoneinfo/Europe/Berlin"));
  EXPECT_FALSE(is_valid_time_zone("Europe//Berlin"));
  EXPECT_FALSE(is_valid_time_zone("Europe\\Berlin"));
  EXPECT_FALSE(is_valid_time_zone("Europe/Berlin\n"));
  EXPECT_FALSE(is_valid_time_zone("localtime"));
  EXPECT_FALSE(is_valid_time_zone("posixrules"));
  EXPECT_FALSE(is_valid_time_zone("posix/Europe/Berlin"));
  EXPECT_FALSE(is_valid_time_zone("right/Europe/Berlin"));
  EXPECT_FALSE(is_valid_time_zone(std::string(300, 'A')));
}

TEST(TimeZone, NamesListIsSortedAndValid) {
  const std::vector<std::string>& names = time_zone_names();
  EXPECT_GT(names.size(), 300u);
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
  for (std::string_view must : {"Europe/Berlin", "UTC", "America/New_York", "Asia/Tokyo", "Etc/GMT-14"})
    EXPECT_TRUE(std::binary_search(names.begin(), names.end(), must)) << must;
  for (std::string_view must_not : {"zone.tab", "localtime", "posixrules", "Europe", "posix/Europe/Berlin"})
    EXPECT_FALSE(std::binary_search(names.begin(), names.end(), must_not)) << must_not;
  EXPECT_EQ(&names, &time_zone_names());  // cached
  // Spot-check that listed names validate.
  for (std::size_t i = 0; i < names.size(); i += 37) EXPECT_TRUE(is_valid_time_zone(names[i])) << names[i];
}

TEST(TimeZone, SuggestsTheClosestZone) {
  EXPECT_EQ(suggest_name("Europe/Berln", time_zone_names()), "Europe/Berlin");
  EXPECT_EQ(suggest_name("europe/berlin", time_zone_names()), "Europe/Berlin");
  EXPECT_EQ(suggest_name("America/NewYork", time_zone_names()), "America/New_York");
}

// A private database: checks links that leave it, and non-TZif files.
class FakeZoneinfo : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("iwd_tz_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                          "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    outside_ = root_.string() + "_outside";
    fs::remove_all(root_);
    fs::remove_all(outside_);
    fs::create_directories(root_ / "Mars");
    fs::create_directories(outside_);
    write(root_ / "Mars" / "Olympus", "TZif2 fake");
    write(root_ / "Mars" / "Notes", "not a zone");
    write(root_ / "Mars" / "Tiny", "TZ");
    write(outside_ / "Stolen", "TZif2 fake");
    fs::create_symlink("Olympus", root_ / "Mars" / "Link");
    fs::create_symlink(outside_ / "Stolen", root_ / "Mars" / "Escape");
  }
  void TearDown() override {
    fs::remove_all(root_);
    fs::remove_all(outside_);
  }
  static void write(const fs::path& p, std::string_view content) { std::ofstream(p) << content; }

  fs::path root_;
  fs::path outside_;
};

TEST_F(FakeZoneinfo, ChecksFilesAndLinks) {
  EXPECT_TRUE(is_valid_time_zone("Mars/Olympus", root_));
  EXPECT_TRUE(is_valid_time_zone("Mars/Link", root_));
  EXPECT_FALSE(is_valid_time_zone("Mars/Escape", root_));
  EXPECT_FALSE(is_valid_time_zone("Mars/Notes", root_));
  EXPECT_FALSE(is_valid_time_zone("Mars/Tiny", root_));
  EXPECT_FALSE(is_valid_time_zone("Mars", root_));
  EXPECT_FALSE(is_valid_time_zone("Europe/Berlin", root_));
  EXPECT_TRUE(is_valid_time_zone("UTC", root_));  // built in
  EXPECT_EQ(time_zone_names(root_), (std::vector<std::string>{"Mars/Link", "Mars/Olympus", "UTC"}));
}

TEST(TimeZone, MissingDatabase) {
  const fs::path nowhere = fs::temp_directory_path() / "iwd_tz_test_does_not_exist";
  EXPECT_FALSE(is_valid_time_zone("Europe/Berlin", nowhere));
  EXPECT_TRUE(is_valid_time_zone("UTC", nowhere));
  EXPECT_EQ(time_zone_names(nowhere), std::vector<std::string>{"UTC"});
}

}  // namespace
}  // namespace iwd::stdlib
