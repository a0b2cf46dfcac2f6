// libFuzzer harness: arbitrary bytes as an archive or compressed stream, through the
// pipeline's archive scan (libarchive, nested archives recursively, container images found
// inside, member bytes through the matcher), as a whole view and as a stream of the sizes the
// last input byte chooses. Limits are lowered so that a bomb costs milliseconds, not minutes.

#include <oneapi/tbb/global_control.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>

#include "engine/builtin_database.hpp"
#include "engine/compiled_rules.hpp"
#include "engine/rule_loader.hpp"
#include "pipeline/content_scan.hpp"

using namespace sluice;

namespace {

// One thread: the archive scan hands segments to TBB tasks, run here when it waits.
class FuzzService final : public pipeline::ContentService {
 public:
  explicit FuzzService(std::shared_ptr<const engine::CompiledRules> rules) : context_(std::move(rules)) {}
  engine::ScanContext& context() override { return context_; }
  bool claim(const pipeline::ContentId& id) override { return claimed_.insert({id.high, id.low}).second; }
  pipeline::ContentId unique_id() override { return pipeline::ContentId{~std::uint64_t{0}, next_++}; }

 private:
  engine::ScanContext context_;
  std::set<std::pair<std::uint64_t, std::uint64_t>> claimed_;
  std::uint64_t next_ = 0;
};

const std::shared_ptr<const engine::CompiledRules>& rules() {
  static const auto compiled =
      engine::CompiledRules::compile(engine::enabled_rules(engine::builtin_rules()), engine::builtin_database());
  return compiled;
}

pipeline::ContentScanOptions options() {
  pipeline::ContentScanOptions o;
  o.archives.limits.max_depth = 8;
  o.archives.limits.max_member_size = std::uint64_t{4} << 20;
  o.archives.limits.ratio_allowance = std::uint64_t{16} << 20;
  o.archives.segment_size = std::size_t{64} << 10;
  o.archives.max_in_flight = std::size_t{256} << 10;
  return o;
}

pipeline::InputBudget budget(const pipeline::ContentScanOptions& options) {
  return pipeline::InputBudget(options.archives.limits, std::chrono::steady_clock::time_point::max(), nullptr);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  static oneapi::tbb::global_control one_thread(oneapi::tbb::global_control::max_allowed_parallelism, 1);
  (void)rules();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const pipeline::ContentScanOptions opts = options();
  {
    FuzzService service(rules());
    const pipeline::ContentId id = pipeline::hash_content(bytes);
    service.claim(id);
    pipeline::ArchiveOutcome outcome;
    pipeline::InputBudget limits = budget(opts);
    pipeline::scan_archive(service, opts, limits, {"fuzz"}, id, bytes, outcome);
  }
  {
    // The same bytes streamed (as standard input or a member too big to buffer would be).
    FuzzService service(rules());
    const std::size_t block = size == 0 ? 1 : std::size_t{data[size - 1]} * 64 + 1;
    const std::size_t head_size = std::min<std::size_t>(size, 512);
    std::size_t at = head_size;
    io::PullSource source = [&](std::string*) -> std::optional<std::string_view> {
      const std::string_view next = bytes.substr(std::min(at, size), block);
      at += next.size();
      return next;
    };
    pipeline::ArchiveOutcome outcome;
    pipeline::InputBudget limits = budget(opts);
    pipeline::scan_archive_stream(service, opts, limits, {"fuzz"}, service.unique_id(), bytes.substr(0, head_size),
                                  std::move(source), outcome);
  }
  return 0;
}
