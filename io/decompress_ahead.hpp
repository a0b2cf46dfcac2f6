#pragma once
// Decompresses a compressed input on a thread of its own, a few blocks ahead of the reader
// that parses the archive inside it: inflating and parsing then run on two cores. A plain
// thread, not a task: the reader blocks on it, which must not depend on a free worker.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "io/decompressor.hpp"

namespace sluice::io {

class DecompressAhead {
 public:
  explicit DecompressAhead(Decompressor decompressor);
  ~DecompressAhead();
  DecompressAhead(const DecompressAhead&) = delete;
  DecompressAhead& operator=(const DecompressAhead&) = delete;

  // The next decompressed block (valid until the next call); empty at the end; nullopt with
  // `error` set when the stream is cut or corrupt (after every block decoded before that).
  std::optional<std::string_view> pull(std::string* error);

 private:
  static constexpr std::size_t kBlockSize = std::size_t{1} << 20;
  static constexpr std::size_t kBlocks = 8;

  void run();

  Decompressor decompressor_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::pair<std::string, std::size_t>> ready_;
  std::vector<std::string> free_;
  std::string current_;
  std::string error_;
  bool done_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace sluice::io
