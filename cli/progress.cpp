#include "cli/progress.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "cli/messages.hpp"

namespace sluice::cli {
namespace {

std::size_t terminal_width() {
  winsize size{};
  if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 20) return size.ws_col;
  return 80;
}

// A path as it may be shown on a terminal: no control bytes; the end kept when too long.
std::string shown_path(const std::string& path, std::size_t room) {
  std::string out;
  for (unsigned char c : path) out.push_back(c < 0x20 || c == 0x7f ? '?' : static_cast<char>(c));
  if (room < 4) return {};
  if (out.size() > room) out = "…" + out.substr(out.size() - (room - 1));
  return out;
}

}  // namespace

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int unit = 0;
  while (bytes >= 1000 && unit < 4) {
    bytes /= 1000;
    ++unit;
  }
  return fmt::format("{:.1f} {}", bytes, units[unit]);
}

bool progress_wanted(bool quiet) { return !quiet && ::isatty(STDERR_FILENO) == 1; }

ProgressLine::ProgressLine(std::chrono::milliseconds period) : period_(period), thread_([this] { run(); }) {}

ProgressLine::~ProgressLine() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::lock_guard<std::mutex> lock(mutex_);
  erase_locked();
}

void ProgressLine::update(const pipeline::ScanProgress& progress) {
  std::lock_guard<std::mutex> lock(mutex_);
  inputs_ = progress.inputs;
  bytes_ = progress.bytes;
  matches_ = progress.matches;
  current_.assign(progress.current);
}

void ProgressLine::print_above(const std::function<void()>& print) {
  std::lock_guard<std::mutex> lock(mutex_);
  erase_locked();
  print();
  std::fflush(stderr);
}

void ProgressLine::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stop_; })) draw_locked();
}

void ProgressLine::draw_locked() {
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const double rate = seconds > 0 ? static_cast<double>(bytes_) / seconds : 0;
  std::string line =
      fmt::format("sluice: {} inputs, {}, {}/s, {} match{}", inputs_, human_bytes(static_cast<double>(bytes_)),
                  human_bytes(rate), matches_, matches_ == 1 ? "" : "es");
  const std::size_t width = terminal_width() - 1;
  if (!current_.empty() && line.size() + 3 < width) line += " · " + shown_path(current_, width - line.size() - 3);
  if (line.size() > width) line.resize(width);
  say("\r\033[K{}", line);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressLine::erase_locked() {
  if (!drawn_) return;
  say("\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

}  // namespace sluice::cli
