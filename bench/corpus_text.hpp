#pragma once
// Inputs for benchmarks: realistic code-like text with a few planted fake keys, made in
// memory (micro-benchmarks) or read from a corpus directory (end-to-end harness).

#include <cstddef>
#include <string>
#include <vector>

namespace sluice::bench {

// Deterministic code-like text of about `bytes` bytes, with a fake PostHog key every ~1 MB
// (real corpora hold few secrets: findings cost output work, not matching).
[[nodiscard]] std::string make_text(std::size_t bytes, unsigned seed = 1);

struct LoadedCorpus {
  std::vector<std::string> paths;
  std::vector<std::string> contents;
  std::size_t bytes = 0;
};

// Every regular file under `root` (symlinks not followed), read into memory.
[[nodiscard]] LoadedCorpus load_corpus(const std::string& root);

}  // namespace sluice::bench
