// "Did you mean ...?": the closest known name to a misspelt one. Used for every such hint
// in the compiler (attributes, enums, skills, functions, weekdays, zones, ...).
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace iwd::stdlib {

// Damerau-Levenshtein distance (unrestricted: insertions, deletions, substitutions and
// transpositions of adjacent characters, with later edits allowed between transposed
// characters), counted in bytes.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The largest distance at which a candidate still counts as a likely misspelling of a
// name of `length` bytes: max(1, length / 3).
std::size_t max_suggestion_distance(std::size_t length);

// The candidate closest to `wrong`, or "" when none is close enough. Distances are measured
// ignoring ASCII case (so `europe/berlin` finds `Europe/Berlin`); a candidate is close
// enough when that distance is at most max_suggestion_distance(wrong.size()) and smaller
// than the longer of the two names (so no `y` for `x`: a rewrite is no misspelling). Ties go
// to the smaller case-sensitive distance, then to the earlier candidate. An empty `wrong`
// gets no suggestion.
std::string suggest_name(std::string_view wrong, std::span<const std::string_view> candidates);
std::string suggest_name(std::string_view wrong, std::span<const std::string> candidates);

}  // namespace iwd::stdlib
