#pragma once
// A rule's literal anchors: lower-case strings such that every match of its regex contains at
// least one of them (case-insensitively). What a literal pre-filter would search for, and what
// `rules profile` counts on a corpus to show how selective each rule's anchors are (a short or
// common anchor fires often, whatever the rest of the regex).
//
// The atoms come from RE2's own prefilter analysis (re2::FilteredRE2, which computes an
// AND/OR formula of required substrings); the formula is reduced here to one minimal OR-set.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace sluice::engine {

// The candidates: every atom RE2's analysis names for `regex` (lower-case, at least
// `min_length` bytes, sorted); nullopt when RE2 cannot parse it or names none.
[[nodiscard]] std::optional<std::vector<std::string>> literal_atoms(const std::string& regex,
                                                                    std::size_t min_length = 3);

// The anchors of `regex` (RE2 syntax), each at least `min_length` bytes; nullopt when some
// match need not contain any literal that long (e.g. `[0-9a-f]{32}`) or RE2 cannot parse it.
// Costlier atoms are dropped first while the rest still anchor every match: by default the
// shorter ones; with `cost` (e.g. how often an atom occurs in a corpus), the higher cost.
[[nodiscard]] std::optional<std::vector<std::string>> literal_anchors(
    const std::string& regex, std::size_t min_length = 3, const std::function<double(const std::string&)>& cost = {});

}  // namespace sluice::engine
