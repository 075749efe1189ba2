// The string pool's resident memory after N distinct item ids, each ended (issue 17;
// bench/RESULTS.md, "Ids of ended items: the pool alone"): `keep` interns them as before
// (intern(), never freed); `release` with intern_item() and release() once N_OPEN later ids are
// open, as a server's window of open items. The pool only: `iwd serve` does not release yet.
//   g++ -std=c++20 -O2 -I. bench/pool_memory.cpp runtime/intern.cpp -o /tmp/pool_memory
//   /tmp/pool_memory keep 1000000; /tmp/pool_memory release 1000000
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <string>

#include "runtime/intern.h"

namespace {
long rss_kb() {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) return std::fprintf(stderr, "usage: pool_memory keep|release N\n"), 2;
  const bool release = std::strcmp(argv[1], "release") == 0;
  const long n = std::atol(argv[2]);
  const std::size_t open_items = 1000;
  iwd::runtime::StringPool pool;
  for (const char* constant : {"Sales", "Support", "Gold"}) pool.intern(constant);
  const long before = rss_kb();
  std::deque<std::uint32_t> open;
  char name[32];
  for (long i = 0; i < n; ++i) {
    std::snprintf(name, sizeof name, "case-%09ld", i);  // 14 bytes, as the server bench's
    open.push_back(release ? pool.intern_item(name) : pool.intern(name));
    if (open.size() > open_items) {
      if (release) pool.release(open.front());
      open.pop_front();
    }
  }
  std::printf("%s %ld ids: RSS %ld kB (+%ld kB), numbers %u, live %u\n", argv[1], n, rss_kb(), rss_kb() - before,
              pool.size(), pool.live());
}
