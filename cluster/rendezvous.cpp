#include "cluster/rendezvous.h"

#include <cassert>

namespace iwd::cluster {

namespace {

// FNV-1a over the bytes, then splitmix64's finalizer: FNV alone leaves the high bits of close
// strings correlated, and the comparison of weights looks at the high bits first.
std::uint64_t fnv1a(std::uint64_t h, std::string_view s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

std::uint64_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

std::uint64_t weight(std::string_view workspace, std::string_view node) {
  // The workspace's length first, so that ("ab", "c") and ("a", "bc") differ.
  std::uint64_t h = 0xcbf29ce484222325ULL;
  const std::uint64_t n = workspace.size();
  for (int i = 0; i < 8; ++i) h = (h ^ ((n >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
  h = fnv1a(h, workspace);
  h = fnv1a(h, node);
  return mix(h);
}

std::size_t place(std::string_view workspace, const std::vector<std::string>& nodes) {
  assert(!nodes.empty());
  std::size_t best = 0;
  std::uint64_t best_weight = weight(workspace, nodes[0]);
  for (std::size_t i = 1; i < nodes.size(); ++i) {
    const std::uint64_t w = weight(workspace, nodes[i]);
    if (w > best_weight || (w == best_weight && nodes[i] < nodes[best])) {
      best = i;
      best_weight = w;
    }
  }
  return best;
}

}  // namespace iwd::cluster
