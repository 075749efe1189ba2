// The SVG chart of a run: polylines in two panels, written by hand (no library).
#include "simulate/chart.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "stdlib/text.h"
#include "stdlib/time.h"

namespace iwd::simulate {
namespace {

constexpr double kLeft = 60, kWidth = 880, kHeight = 240;
constexpr double kTops[] = {40, 340};  // each panel's top

// A panel: its frame, title, y labels, and a polyline through the values (broken where one is
// missing), each at its interval's middle; `top` the highest value, at the panel's top.
std::string panel(double y0, const std::string& name, const std::vector<std::optional<double>>& values, double top,
                  const std::string& top_label, const char* colour) {
  std::string out = fmt::format(R"(<rect x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#888"/>)"
                                "\n" R"(<text x="{}" y="{}" font-size="14">{}</text>)" "\n",
                                kLeft, y0, kWidth, kHeight, kLeft, y0 - 8, stdlib::xml_escape(name));
  out += fmt::format(R"(<text x="{}" y="{}" font-size="11" text-anchor="end">{}</text>)" "\n", kLeft - 4, y0 + 10, top_label);
  out += fmt::format(R"(<text x="{}" y="{}" font-size="11" text-anchor="end">0</text>)" "\n", kLeft - 4, y0 + kHeight);
  std::string points;
  auto flush = [&] {
    if (!points.empty()) out += fmt::format(R"(<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>)" "\n", colour, points);
    points.clear();
  };
  for (std::size_t k = 0; k < values.size(); ++k) {
    if (!values[k]) {
      flush();
      continue;
    }
    const double x = kLeft + (static_cast<double>(k) + 0.5) * kWidth / static_cast<double>(values.size());
    const double y = y0 + kHeight - *values[k] / top * kHeight;
    points += fmt::format("{}{:.1f},{:.1f}", points.empty() ? "" : " ", x, y);
  }
  flush();
  return out;
}

}  // namespace

std::string chart_svg(const std::vector<Replication>& reps, const Run& run, const std::string& title) {
  const std::size_t n = reps.empty() ? 0 : reps[0].backlog_by_interval.size();
  std::vector<std::optional<double>> backlog(n), level(n);
  double highest = 0;
  for (std::size_t k = 0; k < n; ++k) {
    double sum = 0, captured = 0, within = 0;
    for (const Replication& r : reps) {
      sum += r.backlog_by_interval[k];
      captured += k < r.captured_by_interval.size() ? static_cast<double>(r.captured_by_interval[k]) : 0;
      within += k < r.answered_within_by_interval.size() ? static_cast<double>(r.answered_within_by_interval[k]) : 0;
    }
    backlog[k] = sum / static_cast<double>(reps.size());
    highest = std::max(highest, *backlog[k]);
    if (captured > 0) level[k] = 100 * within / captured;
  }
  const double top = highest > 0 ? highest : 1;
  std::string out = R"(<svg xmlns="http://www.w3.org/2000/svg" width="960" height="640" viewBox="0 0 960 640" font-family="sans-serif">)" "\n";
  out += fmt::format(R"(<text x="{}" y="20" font-size="16">{}</text>)" "\n", kLeft, stdlib::xml_escape(title));
  out += panel(kTops[0], "Backlog: mean items waiting to be taken", backlog, top, fmt::format("{:.1f}", top), "#1f77b4");
  out += panel(kTops[1],
               fmt::format("Service level: share taken within {} (%), by capture", stdlib::format_duration(stdlib::Duration{run.answer_within_ms})),
               level, 100, "100", "#2ca02c");
  // The intervals' start under the lower panel, eight labels at most.
  const std::size_t every = std::max<std::size_t>(1, (n + 7) / 8);
  for (std::size_t k = 0; k < n; k += every) {
    const double x = kLeft + static_cast<double>(k) * kWidth / static_cast<double>(n);
    const std::string at = stdlib::format_instant(stdlib::Instant{run.start + static_cast<std::int64_t>(k) * kIntervalMs});
    out += fmt::format(R"(<text x="{:.1f}" y="{}" font-size="11">{}</text>)" "\n", x, kTops[1] + kHeight + 16,
                       at.substr(5, 11).replace(5, 1, " "));  // "11-23 08:00"
  }
  out += "</svg>\n";
  return out;
}

}  // namespace iwd::simulate
