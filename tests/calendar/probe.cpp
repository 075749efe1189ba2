// iwd_calendar_probe: answers time-zone and business-calendar questions for the independent
// Python cross-check (tests/calendar/crosscheck.py). One JSON object per stdin line:
//   {"cal": {"zone": "Europe/Berlin", "weekly": [[[480, 1080]], ... 7 lists],
//            "closed": [days], "yearly": [[12, 25]], "special": [[day, [[from, to]]]]},
//    "op": "open" | "bt" | "add" | "next", "t": ms, "u": ms, "d": ms}
//   {"zone": "Europe/Berlin", "op": "offset", "t": ms}
//   {"zone": "Europe/Berlin", "op": "from_local", "day": days, "minute": m}
// prints one line per input line: an integer (ms, or seconds for "offset", 0/1 for "open"),
// "never" for kNever/kNeverBefore, or "error: ..." on a bad request.
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "stdlib/calendar.h"
#include "stdlib/tz.h"

namespace {

using namespace iwd::stdlib;
using nlohmann::json;

std::vector<std::pair<int, int>> ranges(const json& j) {
  std::vector<std::pair<int, int>> out;
  for (const auto& r : j) out.emplace_back(r.at(0).get<int>(), r.at(1).get<int>());
  return out;
}

ParseResult<BusinessCalendar> make_calendar(const json& c) {
  CalendarSpec spec;
  spec.zone = c.at("zone").get<std::string>();
  for (std::size_t d = 0; d < 7; ++d) spec.weekly[d] = ranges(c.at("weekly").at(d));
  for (const auto& d : c.value("closed", json::array())) spec.closed_days.push_back(d.get<std::int64_t>());
  for (const auto& md : c.value("yearly", json::array())) spec.closed_yearly.emplace_back(md.at(0).get<int>(), md.at(1).get<int>());
  for (const auto& s : c.value("special", json::array())) spec.special_days[s.at(0).get<std::int64_t>()] = ranges(s.at(1));
  return BusinessCalendar::make(spec);
}

std::string answer(const json& q, std::map<std::string, std::unique_ptr<ParseResult<BusinessCalendar>>>& cache) {
  const std::string op = q.at("op").get<std::string>();
  if (op == "offset" || op == "from_local") {
    const TimeZone* z = TimeZone::find(q.at("zone").get<std::string>());
    if (z == nullptr) return "error: unknown zone";
    if (op == "offset") return std::to_string(z->offset_seconds(Instant{q.at("t").get<std::int64_t>()}));
    return std::to_string(
        z->from_local(civil_from_days(q.at("day").get<std::int64_t>()), q.at("minute").get<int>()).ms_since_epoch);
  }
  const std::string key = q.at("cal").dump();
  auto& slot = cache[key];
  if (!slot) slot = std::make_unique<ParseResult<BusinessCalendar>>(make_calendar(q.at("cal")));
  if (!slot->ok()) return "error: " + slot->error;
  const BusinessCalendar& cal = slot->value;
  const Instant t{q.at("t").get<std::int64_t>()};
  Instant r{};
  if (op == "open") return cal.is_open(t) ? "1" : "0";
  if (op == "bt") return std::to_string(cal.business_time(t, Instant{q.at("u").get<std::int64_t>()}).ms);
  if (op == "add") r = cal.add_business(t, Duration{q.at("d").get<std::int64_t>()});
  else if (op == "next") r = cal.next_open(t);
  else return "error: unknown op";
  if (r == kNever || r == kNeverBefore) return "never";
  return std::to_string(r.ms_since_epoch);
}

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  std::map<std::string, std::unique_ptr<ParseResult<BusinessCalendar>>> cache;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    try {
      std::cout << answer(json::parse(line), cache) << '\n';
    } catch (const std::exception& e) {
      std::cout << "error: " << e.what() << '\n';
    }
  }
  return 0;
}
