#include "corpus_text.hpp"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

namespace sluice::bench {

std::string make_text(std::size_t bytes, unsigned seed) {
  static const char* kWords[] = {"return",
                                 "const",
                                 "value",
                                 "config",
                                 "handler",
                                 "request",
                                 "user_id",
                                 "self",
                                 "import",
                                 "from",
                                 "def",
                                 "class",
                                 "token",
                                 "if",
                                 "else",
                                 "for",
                                 "in",
                                 "None",
                                 "http://localhost:8080/api",
                                 "0x7f3a",
                                 "\"application/json\"",
                                 "=>",
                                 "{",
                                 "}"};
  const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::mt19937_64 rng(seed);
  std::string text;
  text.reserve(bytes + 256);
  std::size_t next_key = std::size_t{1} << 20;
  while (text.size() < bytes) {
    const int words = 3 + static_cast<int>(rng() % 10);
    text.append(static_cast<std::size_t>(rng() % 8), ' ');
    for (int w = 0; w < words; ++w) {
      text += kWords[rng() % (sizeof kWords / sizeof *kWords)];
      text += ' ';
      if (rng() % 7 == 0) {  // identifiers and hashes: random word characters
        for (int i = 0, n = 4 + static_cast<int>(rng() % 28); i < n; ++i) text += alphabet[rng() % 62];
        text += ' ';
      }
    }
    if (text.size() >= next_key) {
      text += "POSTHOG_KEY=\"phx_";
      for (int i = 0; i < 47; ++i) text += alphabet[rng() % 62];
      text += '"';
      next_key += std::size_t{1} << 20;
    }
    text += '\n';
  }
  return text;
}

LoadedCorpus load_corpus(const std::string& root) {
  LoadedCorpus corpus;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (!entry.is_regular_file() || entry.is_symlink()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream data;
    data << in.rdbuf();
    corpus.paths.push_back(entry.path().string());
    corpus.contents.push_back(std::move(data).str());
    corpus.bytes += corpus.contents.back().size();
  }
  return corpus;
}

}  // namespace sluice::bench
