#include "io/mapped_file.hpp"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>

namespace sluice::io {
namespace {

// Lock-free registry read by the SIGBUS handler (only atomics are touched there).
constexpr int kSlots = 1024;
struct Slot {
  std::atomic<std::uintptr_t> begin{0};
  std::atomic<std::size_t> size{0};
  std::atomic<bool> faulted{false};
};
Slot g_slots[kSlots];
struct sigaction g_previous {};

void on_sigbus(int signal_number, siginfo_t* info, void* context) {
  const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
  for (Slot& slot : g_slots) {
    const std::uintptr_t begin = slot.begin.load(std::memory_order_acquire);
    if (begin <= 1 || address < begin || address >= begin + slot.size.load(std::memory_order_acquire)) continue;
    const auto page_size = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
    void* page = reinterpret_cast<void*>(address & ~(page_size - 1));
    // Replace the vanished page with zeros and resume the faulting read.
    if (mmap(page, page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
      slot.faulted.store(true, std::memory_order_release);
      return;
    }
    break;
  }
  // Not ours: behave as if we had never been installed.
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(signal_number, info, context);
    return;
  }
  signal(SIGBUS, g_previous.sa_handler == SIG_IGN ? SIG_DFL : g_previous.sa_handler);
  raise(SIGBUS);
}

void install_guard() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction action {};
    action.sa_sigaction = on_sigbus;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    sigaction(SIGBUS, &action, &g_previous);
  });
}

int claim_slot(std::uintptr_t begin, std::size_t size) {
  for (int i = 0; i < kSlots; ++i) {
    std::uintptr_t expected = 0;
    // Reserve with a sentinel first so the handler never sees a half-written slot.
    if (g_slots[i].begin.compare_exchange_strong(expected, 1, std::memory_order_acq_rel)) {
      g_slots[i].faulted.store(false, std::memory_order_relaxed);
      g_slots[i].size.store(size, std::memory_order_release);
      g_slots[i].begin.store(begin, std::memory_order_release);
      return i;
    }
  }
  return -1;
}

}  // namespace

std::optional<MappedFile> MappedFile::map(int fd, std::size_t size, std::string* error) {
  install_guard();
  if (size == 0) {
    if (error) *error = "cannot map an empty file";
    return std::nullopt;
  }
  void* data = mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (data == MAP_FAILED) {
    if (error) *error = describe_errno(errno);
    return std::nullopt;
  }
  const int slot = claim_slot(reinterpret_cast<std::uintptr_t>(data), size);
  if (slot < 0) {
    munmap(data, size);
    if (error) *error = "too many files mapped at once";
    return std::nullopt;
  }
  madvise(data, size, MADV_SEQUENTIAL);
  return MappedFile(static_cast<const char*>(data), size, slot);
}

MappedFile::MappedFile(MappedFile&& other) noexcept : data_(other.data_), size_(other.size_), slot_(other.slot_) {
  other.data_ = nullptr;
  other.size_ = 0;
  other.slot_ = -1;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    release();
    data_ = other.data_;
    size_ = other.size_;
    slot_ = other.slot_;
    other.data_ = nullptr;
    other.size_ = 0;
    other.slot_ = -1;
  }
  return *this;
}

MappedFile::~MappedFile() { release(); }

bool MappedFile::truncated() const noexcept {
  return slot_ >= 0 && g_slots[slot_].faulted.load(std::memory_order_acquire);
}

void MappedFile::release() noexcept {
  if (data_ == nullptr) return;
  if (slot_ >= 0) g_slots[slot_].begin.store(0, std::memory_order_release);
  munmap(const_cast<char*>(data_), size_);
  data_ = nullptr;
  slot_ = -1;
}

}  // namespace sluice::io
