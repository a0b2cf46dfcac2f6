#include "io/decompress_ahead.hpp"

#include <exception>

namespace sluice::io {

DecompressAhead::DecompressAhead(Decompressor decompressor) : decompressor_(std::move(decompressor)) {
  for (std::size_t k = 0; k < kBlocks; ++k) free_.emplace_back(kBlockSize, '\0');
  thread_ = std::thread([this] { run(); });
}

DecompressAhead::~DecompressAhead() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

std::optional<std::string_view> DecompressAhead::pull(std::string* error) {
  std::unique_lock lock(mutex_);
  if (!current_.empty()) free_.push_back(std::move(current_));
  current_.clear();
  changed_.notify_all();
  changed_.wait(lock, [this] { return !ready_.empty() || done_; });
  if (ready_.empty()) {
    if (!error_.empty()) {
      *error = error_;
      return std::nullopt;
    }
    return std::string_view();
  }
  current_ = std::move(ready_.front().first);
  const std::size_t size = ready_.front().second;
  ready_.pop_front();
  return std::string_view(current_.data(), size);
}

void DecompressAhead::run() {
  for (;;) {
    std::string block;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return !free_.empty() || stop_; });
      if (stop_) break;
      block = std::move(free_.back());
      free_.pop_back();
    }
    std::string error;
    std::optional<std::size_t> filled;
    try {
      filled = decompressor_.read(block.data(), block.size(), &error);
    } catch (const std::exception& failure) {
      error = failure.what();
    }
    std::lock_guard lock(mutex_);
    if (!filled || *filled == 0) {
      error_ = filled ? std::string() : (error.empty() ? std::string("decompression failed") : error);
      done_ = true;
      changed_.notify_all();
      break;
    }
    ready_.emplace_back(std::move(block), *filled);
    changed_.notify_all();
  }
}

}  // namespace sluice::io
