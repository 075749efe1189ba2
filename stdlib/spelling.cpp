// Spelling suggestions by Damerau-Levenshtein distance.
#include "stdlib/spelling.h"

#include <algorithm>
#include <array>
#include <vector>

namespace iwd::stdlib {
namespace {

char fold(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string folded(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), fold);
  return out;
}

// Finds the best candidate; `get(i)` gives the i-th candidate.
template <typename Get>
std::string best_candidate(std::string_view wrong, std::size_t count, Get get) {
  if (wrong.empty()) return {};
  const std::string wrong_folded = folded(wrong);
  const std::size_t limit = max_suggestion_distance(wrong.size());
  std::string_view best;
  std::size_t best_folded = 0;
  std::size_t best_exact = 0;
  bool found = false;
  for (std::size_t i = 0; i < count; ++i) {
    const std::string_view cand = get(i);
    if (cand.empty()) continue;
    // Cheap bound: the distance is at least the difference in length.
    const std::size_t len_gap = cand.size() > wrong.size() ? cand.size() - wrong.size() : wrong.size() - cand.size();
    if (len_gap > limit) continue;
    const std::size_t d_folded = edit_distance(wrong_folded, folded(cand));
    if (d_folded > limit || d_folded >= std::max(wrong.size(), cand.size())) continue;
    const std::size_t d_exact = edit_distance(wrong, cand);
    if (!found || d_folded < best_folded || (d_folded == best_folded && d_exact < best_exact)) {
      best = cand;
      best_folded = d_folded;
      best_exact = d_exact;
      found = true;
    }
  }
  return found ? std::string(best) : std::string();
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Lowrance-Wagner dynamic programme over a (|a|+2) x (|b|+2) table. Row/column 0 hold a
  // sentinel larger than any distance; last_row_of[c] is the last row whose character of a
  // was c.
  const std::size_t rows = a.size() + 2;
  const std::size_t cols = b.size() + 2;
  const std::size_t inf = a.size() + b.size() + 1;
  std::vector<std::size_t> d(rows * cols, 0);
  const auto at = [&](std::size_t i, std::size_t j) -> std::size_t& { return d[i * cols + j]; };
  at(0, 0) = inf;
  for (std::size_t i = 0; i <= a.size(); ++i) {
    at(i + 1, 0) = inf;
    at(i + 1, 1) = i;
  }
  for (std::size_t j = 0; j <= b.size(); ++j) {
    at(0, j + 1) = inf;
    at(1, j + 1) = j;
  }
  std::array<std::size_t, 256> last_row_of{};
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t last_match_col = 0;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t k = last_row_of[static_cast<unsigned char>(b[j - 1])];
      const std::size_t l = last_match_col;
      const bool same = a[i - 1] == b[j - 1];
      if (same) last_match_col = j;
      at(i + 1, j + 1) = std::min({
          at(i, j) + (same ? 0 : 1),                        // substitution or match
          at(i + 1, j) + 1,                                 // insertion
          at(i, j + 1) + 1,                                 // deletion
          at(k, l) + (i - k - 1) + 1 + (j - l - 1),         // transposition
      });
    }
    last_row_of[static_cast<unsigned char>(a[i - 1])] = i;
  }
  return at(a.size() + 1, b.size() + 1);
}

std::size_t max_suggestion_distance(std::size_t length) { return std::max<std::size_t>(1, length / 3); }

std::string suggest_name(std::string_view wrong, std::span<const std::string_view> candidates) {
  return best_candidate(wrong, candidates.size(), [&](std::size_t i) { return candidates[i]; });
}

std::string suggest_name(std::string_view wrong, std::span<const std::string> candidates) {
  return best_candidate(wrong, candidates.size(), [&](std::size_t i) { return std::string_view(candidates[i]); });
}

}  // namespace iwd::stdlib
