#include "engine/anchors.hpp"

#include <re2/filtered_re2.h>
#include <re2/re2.h>

#include <algorithm>
#include <numeric>

#include "engine/compiled_rules.hpp"

namespace sluice::engine {

namespace {

// RE2's prefilter of `regex` alone (atoms shorter than the filter's minimum length count as
// always present), and its atoms; false when there is none.
bool analyse(const std::string& regex, re2::FilteredRE2& filter, std::vector<std::string>& atoms) {
  int id = 0;
  if (filter.Add(regex, rule_re2_options(), &id) != RE2::NoError) return false;
  filter.Compile(&atoms);
  return !atoms.empty();  // no atom: every text passes the prefilter
}

}  // namespace

std::optional<std::vector<std::string>> literal_atoms(const std::string& regex, std::size_t min_length) {
  re2::FilteredRE2 filter(static_cast<int>(min_length));
  std::vector<std::string> atoms;
  if (!analyse(regex, filter, atoms)) return std::nullopt;
  std::sort(atoms.begin(), atoms.end());
  return atoms;
}

std::optional<std::vector<std::string>> literal_anchors(const std::string& regex, std::size_t min_length,
                                                        const std::function<double(const std::string&)>& cost) {
  re2::FilteredRE2 filter(static_cast<int>(min_length));
  std::vector<std::string> atoms;
  if (!analyse(regex, filter, atoms)) return std::nullopt;
  // A set S of atoms is an anchor set when the formula fails with every atom outside S
  // present: a text holding none of S then cannot match (the formula is monotone). Start from
  // all atoms and drop what is not needed, costliest first.
  std::vector<bool> kept(atoms.size(), true);
  auto anchors = [&] {
    std::vector<int> present;
    for (std::size_t k = 0; k < atoms.size(); ++k) {
      if (!kept[k]) present.push_back(static_cast<int>(k));
    }
    std::vector<int> passing;
    filter.AllPotentials(present, &passing);
    return passing.empty();
  };
  if (!anchors()) return std::nullopt;
  std::vector<std::size_t> order(atoms.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  if (cost) {
    std::vector<double> costs;
    for (const std::string& atom : atoms) costs.push_back(cost(atom));
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return costs[a] != costs[b] ? costs[a] > costs[b] : atoms[a].size() < atoms[b].size();
    });
  } else {
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return atoms[a].size() < atoms[b].size(); });
  }
  for (std::size_t k : order) {
    kept[k] = false;
    if (!anchors()) kept[k] = true;
  }
  std::vector<std::string> out;
  for (std::size_t k = 0; k < atoms.size(); ++k) {
    if (kept[k]) out.push_back(atoms[k]);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sluice::engine
