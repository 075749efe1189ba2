// The hand-written C++ equivalent of `iwd eval --items` on the population of bench/eval_items.sh
// (issue 19): the same rules written by hand (6 departments x 3 segments x 2 regions, each
// process its own priority bounds, `start 100 + (if deal_value >= 10000 then 200 else 0)`,
// `every 1h add 25`, a 48h SLA), reading the same JSON lines and writing the same output byte
// for byte (bench/eval_items.sh compares them), so that `iwd eval --items` has a baseline
// measured in the same run. It knows only these rules and these items: what it skips (any
// other attribute or ruleset, escapes, errors, agents, stages) is what makes it a floor.
//
//   eval_items_hand ITEMS.jsonl AGE_HOURS AT_MS > out.jsonl
#include <fcntl.h>
#include <fmt/compile.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "stdlib/time.h"

namespace {

constexpr std::int64_t kHour = 3'600'000;
constexpr std::string_view kDepartments[] = {"Sales", "Finance", "Legal", "Support", "Billing", "Claims"};
constexpr std::string_view kSegments[] = {"Gold", "Silver", "Bronze"};
constexpr std::string_view kRegions[] = {"EU", "US"};

// As bench/eval_items.sh writes the bounds of process k.
double min_of(int k) { return 200 + 5 * k; }
double max_of(int k) { return 300 + 10 * k; }

int index_of(const std::string_view* names, int n, std::string_view s) {
  for (int i = 0; i < n; ++i)
    if (names[i] == s) return i;
  return -1;
}

struct Item {
  int department = -1, segment = -1, region = -1;
  double deal_value = 0;
  std::int64_t captured_at = 0;
};

// One flat object of string and number values, without escapes (what the file holds).
bool parse(std::string_view line, Item* item, std::int64_t at) {
  item->captured_at = at;
  const char* p = line.data();
  const char* end = p + line.size();
  auto skip = [&] {
    while (p < end && (*p == ' ' || *p == '{' || *p == ',' || *p == '}')) ++p;
  };
  auto string = [&](std::string_view* out) {
    if (p == end || *p != '"') return false;
    const char* start = ++p;
    while (p < end && *p != '"') ++p;
    if (p == end) return false;
    *out = std::string_view(start, static_cast<std::size_t>(p++ - start));
    return true;
  };
  for (skip(); p < end; skip()) {
    std::string_view key, text;
    if (!string(&key)) return false;
    while (p < end && (*p == ':' || *p == ' ')) ++p;
    if (key == "deal_value") {
      const auto r = std::from_chars(p, end, item->deal_value);
      if (r.ec != std::errc{}) return false;
      p = r.ptr;
      continue;
    }
    if (!string(&text)) return false;
    if (key == "department") item->department = index_of(kDepartments, 6, text);
    else if (key == "segment") item->segment = index_of(kSegments, 3, text);
    else if (key == "region") item->region = index_of(kRegions, 2, text);
    else if (key == "captured_at") {
      const auto r = iwd::stdlib::parse_instant(text);
      if (!r.ok()) return false;
      item->captured_at = r.value.instant.ms_since_epoch;
    }
  }
  return true;
}

double priority(const Item& item, int k, std::int64_t age) {
  const double v = 100.0 + (item.deal_value >= 10000 ? 200.0 : 0.0) + 25.0 * std::floor(static_cast<double>(age) / kHour);
  return std::min(std::max(v, min_of(k)), max_of(k));
}

void put_age(std::string& out, std::int64_t ms) {
  out += '"';
  iwd::stdlib::append_duration(out, iwd::stdlib::Duration{ms});
  out += '"';
}

void answer(const Item& item, std::int64_t age, std::string& out) {
  if (item.department < 0 || item.segment < 0 || item.region < 0) {
    out += "{\"rejected\":\"no process matches\"}\n";
    return;
  }
  const int k = item.department * 6 + item.segment * 2 + item.region;
  const double now = priority(item, k, age);
  out += "{\"process\":\"";
  out += kDepartments[item.department];
  out += '.';
  out += kSegments[item.segment];
  out += kRegions[item.region];
  out += "\",\"department\":\"";
  out += kDepartments[item.department];
  out += "\",\"due\":\"";
  iwd::stdlib::append_instant(out, iwd::stdlib::Instant{item.captured_at + 48 * kHour});
  out += "\",\"priority\":[{\"age\":";
  put_age(out, age);
  out += ",\"value\":";
  char digits[24];
  out.append(digits, fmt::format_to(digits, FMT_COMPILE("{}"), static_cast<std::int64_t>(now)));
  out += "}],\"next_change\":[{\"age\":";
  put_age(out, age);
  out += ",\"at\":";
  // The priority only grows, an hour at a time: the next hour whose value differs, none at the maximum.
  if (now >= max_of(k)) {
    out += "null";
  } else {
    std::int64_t next = (age < 0 ? 0 : age / kHour + 1) * kHour;
    while (priority(item, k, next) == now) next += kHour;
    put_age(out, next);
  }
  out += "}],\"terms\":{\"offer_timeout\":\"30s\",\"complete_within\":null,\"expire_after\":null,\"media\":null},\"stages\":[]}\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: eval_items_hand ITEMS.jsonl AGE_HOURS AT_MS\n");
    return 2;
  }
  const int fd = ::open(argv[1], O_RDONLY);
  if (fd < 0) {
    std::perror(argv[1]);
    return 2;
  }
  const std::int64_t age = std::atoll(argv[2]) * kHour, at = std::atoll(argv[3]);
  // Read 64 KiB at a time, as iwd eval reads; answered and written a block at a time.
  std::string in, out;
  std::size_t line = 0;
  for (;;) {
    const std::size_t kept = in.size();
    in.resize(kept + (1 << 16));
    const ssize_t n = ::read(fd, in.data() + kept, 1 << 16);
    in.resize(kept + static_cast<std::size_t>(n > 0 ? n : 0));
    const bool end = n <= 0;
    std::size_t pos = 0;
    for (;;) {
      std::size_t nl = in.find('\n', pos);
      if (nl == std::string::npos) {
        if (!end || pos == in.size()) break;
        nl = in.size();
      }
      Item item;
      ++line;
      if (!parse(std::string_view(in).substr(pos, nl - pos), &item, at)) {
        std::fprintf(stderr, "line %zu: not an item of this benchmark\n", line);
        return 1;
      }
      answer(item, age, out);
      pos = std::min(nl + 1, in.size());
    }
    in.erase(0, pos);
    std::fwrite(out.data(), 1, out.size(), stdout);
    out.clear();
    if (end) break;
  }
  ::close(fd);
  return 0;
}
