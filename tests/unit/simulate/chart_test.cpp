// The SVG chart: the points of each panel where the layout puts them (worked out by hand).
#include <gtest/gtest.h>

#include "simulate/chart.h"

namespace iwd::simulate {
namespace {

TEST(SimulateChart, BacklogAndServiceLevelPointsWhereTheLayoutPutsThem) {
  // Four intervals; two replications whose means are backlog 0, 2, 4, 2 and, of the items
  // captured (2, 4, 0, 8 in all), taken within answer_within 2, 2, 0, 6: 100%, 50%, none, 75%.
  Replication a, b;
  a.backlog_by_interval = {0, 1, 3, 2};
  b.backlog_by_interval = {0, 3, 5, 2};
  a.captured_by_interval = {1, 2, 0, 4};
  b.captured_by_interval = {1, 2, 0, 4};
  a.answered_within_by_interval = {1, 1, 0, 3};
  b.answered_within_by_interval = {1, 1, 0, 3};
  simulate::Run setting;
  setting.start = 1767603600000;  // 2026-01-05T09:00:00Z
  const std::string svg = chart_svg({a, b}, setting, "t <&>");
  // x = 60 + (k + 0.5) * 880 / 4: 170, 390, 610, 830. The backlog's panel from y 40 to 280, its
  // top the highest mean, 4: 0 -> 280, 2 -> 160, 4 -> 40.
  EXPECT_NE(svg.find(R"(points="170.0,280.0 390.0,160.0 610.0,40.0 830.0,160.0")"), std::string::npos) << svg;
  // The service level's from 340 to 580, 100% at the top: 100 -> 340, 50 -> 460; none in the
  // third interval breaks the line; 75 -> 400.
  EXPECT_NE(svg.find(R"(points="170.0,340.0 390.0,460.0")"), std::string::npos) << svg;
  EXPECT_NE(svg.find(R"(points="830.0,400.0")"), std::string::npos) << svg;
  EXPECT_NE(svg.find(">t &lt;&amp;&gt;</text>"), std::string::npos);  // the title escaped
  EXPECT_NE(svg.find(">01-05 09:00</text>"), std::string::npos);     // the first interval's start
  EXPECT_EQ(svg.rfind("</svg>\n"), svg.size() - 7);
}

}  // namespace
}  // namespace iwd::simulate
