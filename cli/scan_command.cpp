// `sluice scan`: options → pipeline::run_scan → sink; messages on stderr; exit codes.
#include <fmt/format.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>

#include "cli/commands.hpp"
#include "engine/builtin_database.hpp"
#include "engine/compiled_rules.hpp"
#include "pipeline/scanner.hpp"
#include "pipeline/sink.hpp"

namespace sluice::cli {
namespace {

struct ScanFlags {
  std::vector<std::string> paths;
  RuleSources rules;
  std::string format = "text";
  std::string output;
  bool redact = false;
  bool quiet = false;
  bool verbose = false;
  pipeline::ScanOptions scan;
};

// Prints each input problem as one line, as it happens. Never prints file contents.
class StderrObserver final : public pipeline::ScanObserver {
 public:
  StderrObserver(bool quiet, bool verbose) : quiet_(quiet), verbose_(verbose) {}
  void on_issue(const pipeline::InputIssue& issue) override {
    if (issue.incomplete) {
      fmt::print(stderr, "sluice: error: {}: {}\n", issue.path, issue.reason);
    } else if (verbose_ || (!quiet_ && !routine(issue.reason))) {
      fmt::print(stderr, "sluice: skipped: {}: {}\n", issue.path, issue.reason);
    }
  }

 private:
  // Skips that every tree has plenty of: counted in the summary, named only with --verbose.
  static bool routine(const std::string& reason) {
    return reason.rfind("symbolic link not followed", 0) == 0 || reason.rfind("symbolic link member", 0) == 0 ||
           reason.rfind("git directory", 0) == 0;
  }
  bool quiet_;
  bool verbose_;
};

std::string human_bytes(double bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int unit = 0;
  while (bytes >= 1000 && unit < 4) {
    bytes /= 1000;
    ++unit;
  }
  return fmt::format("{:.1f} {}", bytes, units[unit]);
}

void print_summary(const pipeline::ScanReport& report, const engine::CompiledRules& rules) {
  const pipeline::ScanStats& stats = report.stats;
  std::map<int, std::size_t, std::greater<>> by_severity;
  for (const pipeline::Finding& finding : report.findings) {
    ++by_severity[static_cast<int>(rules.rules()[finding.rule].severity)];
  }
  std::string severities;
  for (const auto& [severity, count] : by_severity) {
    severities += fmt::format("{}{} {}", severities.empty() ? " (" : ", ", count,
                              engine::to_string(static_cast<engine::Severity>(severity)));
  }
  if (!severities.empty()) severities += ")";
  const double rate = stats.seconds > 0 ? static_cast<double>(stats.bytes) / stats.seconds : 0;
  std::string archives;
  if (stats.archives > 0) {
    archives = fmt::format(" ({} archive{}, {} member{}{})", stats.archives, stats.archives == 1 ? "" : "s",
                           stats.members, stats.members == 1 ? "" : "s",
                           stats.images > 0 ? fmt::format(", {} image{}", stats.images, stats.images == 1 ? "" : "s")
                                            : std::string());
  }
  fmt::print(stderr, "sluice: scanned {} inputs{}, {} in {:.2f} s ({}/s); {} duplicate{} not rescanned; {} skipped; "
             "{} error{}; {} finding{}{}{}\n",
             stats.files, archives, human_bytes(static_cast<double>(stats.bytes)), stats.seconds, human_bytes(rate),
             stats.duplicates, stats.duplicates == 1 ? "" : "s", stats.skipped, stats.errors,
             stats.errors == 1 ? "" : "s", report.findings.size(), report.findings.size() == 1 ? "" : "s", severities,
             report.incomplete() ? " — SCAN INCOMPLETE" : "");
}

// Write errors (a full disk, /dev/full, a closed pipe) often surface only when buffers are
// flushed: flushes and closes the report, then tells whether every byte was written (0) or the
// errno of the failure. A report file that was not written whole is removed (when it is a
// regular file), so a truncated report can never pass for a complete one.
// errno is cleared before the report is written and read here: the first failing write set it.
int finish_report(std::ostream& out, std::ofstream& file, const std::string& path, bool& removed) {
  out.flush();
  bool ok = static_cast<bool>(out);
  if (path.empty()) {
    ok = std::fflush(stdout) == 0 && std::ferror(stdout) == 0 && ok;
  } else {
    file.close();
    ok = ok && !file.fail();
  }
  if (ok) return 0;
  const int error = errno != 0 ? errno : EIO;
  if (!path.empty()) {
    std::error_code ignored;
    removed = std::filesystem::is_regular_file(path, ignored) && std::filesystem::remove(path, ignored);
  }
  return error;
}

// True when `fd` is a pipe whose reading end is closed (`sluice scan | head` after head
// exited, with SIGPIPE ignored by whoever started us).
bool reader_gone(int fd) {
  pollfd p{fd, 0, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLERR) != 0;
}

int run(ScanFlags& flags) {
  pipeline::OutputFormat format = pipeline::OutputFormat::kText;
  if (flags.format == "json") format = pipeline::OutputFormat::kJson;
  if (flags.format == "jsonl") format = pipeline::OutputFormat::kJsonl;

  const auto compile_started = std::chrono::steady_clock::now();
  auto rules = engine::CompiledRules::compile(select_rules(load_rules(flags.rules), flags.rules),
                                              engine::builtin_database());
  if (flags.verbose) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - compile_started).count();
    fmt::print(stderr, "sluice: {} rules ({} as Hyperscan prefilters); database {} in {:.3f} s\n", rules->size(),
               rules->prefilter_count(), rules->loaded_precompiled() ? "precompiled at build time, loaded" : "compiled",
               seconds);
  }
  flags.scan.roots = flags.paths.empty() ? std::vector<std::string>{"."} : flags.paths;

  std::ofstream file;
  if (!flags.output.empty()) {
    errno = 0;
    file.open(flags.output, std::ios::binary | std::ios::trunc);
    if (!file) {
      fmt::print(stderr, "sluice: error: cannot open output file {}: {}\n", flags.output,
                 errno != 0 ? std::strerror(errno) : "unknown error");
      return kFatal;
    }
  }
  std::ostream& out = flags.output.empty() ? std::cout : file;

  StderrObserver observer(flags.quiet, flags.verbose);
  pipeline::ScanReport report = pipeline::run_scan(rules, flags.scan, &observer);
  pipeline::sort_for_report(report.findings, *rules);

  auto sink = pipeline::make_sink(format, out, *rules, pipeline::SinkOptions{flags.redact});
  errno = 0;  // read by finish_report
  sink->begin();
  for (const pipeline::Finding& finding : report.findings) sink->accept(finding);
  sink->finish(report.stats);
  bool removed = false;
  if (const int error = finish_report(out, file, flags.output, removed); error != 0) {
    if (flags.output.empty() && reader_gone(STDOUT_FILENO)) return kFatal;  // `| head`: quiet, like SIGPIPE
    fmt::print(stderr, "sluice: error: writing the report to {} failed ({}); {}\n",
               flags.output.empty() ? std::string("standard output") : flags.output, std::strerror(error),
               removed ? "the incomplete report was removed" : "the report is incomplete");
    return kFatal;
  }
  if (!flags.quiet) print_summary(report, *rules);
  if (report.incomplete()) return kIncomplete;
  return report.findings.empty() ? kClean : kFindings;
}

}  // namespace

void register_scan(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ScanFlags>();
  CLI::App* scan = app.add_subcommand("scan", "Scan files, directories or standard input (-) for secrets");
  scan->add_option("paths", flags->paths, "Files and directories to scan; '-' reads standard input (default: .)");

  const std::string output_group = "Output";
  scan->add_option("-f,--format", flags->format, "Report format")
      ->check(CLI::IsMember({"text", "json", "jsonl"}))
      ->capture_default_str()
      ->group(output_group);
  scan->add_option("-o,--output", flags->output, "Write the report to FILE instead of standard output")
      ->group(output_group);
  scan->add_flag("--redact", flags->redact, "Mask secrets in every output format")->group(output_group);
  scan->add_flag("-q,--quiet", flags->quiet, "Print only errors on standard error")->group(output_group);
  scan->add_flag("-v,--verbose", flags->verbose, "Also name every skipped input (symlinks, .git)")
      ->group(output_group);

  const std::string input_group = "Input";
  scan->add_flag("-L,--follow-symlinks", flags->scan.follow_symlinks, "Follow symbolic links in directories")
      ->group(input_group);
  scan->add_flag("!--no-dedup", flags->scan.dedup_content,
                 "Scan every file even when its content was already scanned at another path")
      ->group(input_group);
  add_rule_source_options(*scan, flags->rules);

  const std::string archive_group = "Archives";
  pipeline::ArchiveLimits& limits = flags->scan.archives;
  scan->add_flag("!--no-archives", limits.enabled,
                 "Scan archives and compressed files as raw bytes instead of opening them")
      ->group(archive_group);
  scan->add_option("--max-depth", limits.max_depth, "Archives nested deeper than this are scanned as raw bytes")
      ->check(CLI::Range(std::size_t{1}, std::size_t{32}))
      ->capture_default_str()
      ->group(archive_group);
  scan->add_option("--max-member-size", limits.max_member_size,
                   "Bytes scanned per archive member; the rest of a bigger member is skipped (reported)")
      ->check(CLI::Range(std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max()))
      ->capture_default_str()
      ->group(archive_group);
  scan->add_option("--max-ratio", limits.max_ratio,
                   "Stop decompressing an input past this many bytes per input byte (zip bombs); the first 256 MiB "
                   "are always allowed")
      ->check(CLI::Range(1.0, 1e9))
      ->capture_default_str()
      ->group(archive_group);

  const std::string perf_group = "Performance";
  scan->add_option("-j,--threads", flags->scan.threads, "Worker threads (0: all cores)")
      ->capture_default_str()
      ->group(perf_group);
  scan->add_option("--chunk-size", flags->scan.chunk_size, "Bytes per read for streamed inputs")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30))
      ->capture_default_str()
      ->group(perf_group);
  scan->add_option("--segment-size", flags->scan.segment_size,
                   "Files larger than 1.5 times this are split into segments scanned in parallel")
      ->check(CLI::Range(std::size_t{4096}, std::size_t{1} << 34))
      ->capture_default_str()
      ->group(perf_group);
  scan->add_option("--mmap-threshold", flags->scan.map_threshold, "Files at least this large are memory-mapped")
      ->capture_default_str()
      ->group(perf_group);
  scan->add_option("--max-in-flight", flags->scan.max_in_flight, "Batches of up to 32 inputs queued between the walk and the merge (0: 2 per thread)")
      ->capture_default_str()
      ->group(perf_group);
  scan->callback([flags, &exit_code] { exit_code = run(*flags); });
}

}  // namespace sluice::cli
