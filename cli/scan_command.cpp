// `sluice scan`: options → pipeline::run_scan → sink; messages on stderr; exit codes.
#include <fmt/format.h>

#include <fmt/ranges.h>
#include <poll.h>
#include <unistd.h>
#include <cmath>
#include <cstdlib>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <set>
#include <stdexcept>
#include <variant>

#include "cli/commands.hpp"
#include "cli/config.hpp"
#include "cli/messages.hpp"
#include "cli/progress.hpp"
#include "cli/report_output.hpp"
#include "cli/scan_workflow.hpp"
#include "cli/signals.hpp"
#include "cli/validate_command.hpp"
#include "engine/builtin_database.hpp"
#include "engine/compiled_rules.hpp"
#include "io/forge.hpp"
#include "io/git_remote.hpp"
#include "pipeline/baseline.hpp"
#include "pipeline/content_scan.hpp"
#include "pipeline/html_report.hpp"
#include "pipeline/redactor.hpp"
#include "pipeline/registry_source.hpp"
#include "pipeline/s3_source.hpp"
#include "pipeline/sarif_sink.hpp"
#include "pipeline/scanner.hpp"
#include "pipeline/shard.hpp"
#include "pipeline/sink.hpp"
#include "pipeline/staged_scan.hpp"
#include "pipeline/state_store.hpp"
#include "sluice/version.hpp"

namespace sluice::cli {
namespace {

// Rule counts from which compiling takes seconds, noted on stderr.
constexpr std::size_t kBigCatalog = 2000;
// Git remotes fetched at once: network-bound, and each fetch indexes its pack on one core.
constexpr unsigned kParallelFetches = 4;

struct ScanFlags {
  std::vector<std::string> paths;
  RuleSources rules;
  std::string format = "text";
  std::string output;
  bool redact = false;
  std::string min_confidence = "medium";
  bool quiet = false;
  bool verbose = false;
  std::string git_history = "full";
  std::string repos_from;
  std::vector<std::string> git_urls;       // --git-url
  std::string git_urls_from;               // --git-urls-from
  std::string clone_dir;                   // --clone-dir
  std::vector<std::string> remotes;        // every --git-url, as shown (no credentials), sorted
  std::vector<std::string> github_orgs;    // --github-org
  std::vector<std::string> github_users;   // --github-user
  std::vector<std::string> gitlab_groups;  // --gitlab-group
  std::string forge_api;                   // --forge-api URL
  bool skip_forks = false;
  bool skip_archived = false;
  std::string platform;                                     // --platform os/arch
  std::vector<std::string> insecure_registries;             // --insecure-registry HOST[:PORT]
  std::string registry_auth;                                // --registry-auth USER:PASSWORD
  std::vector<std::string> registry_refs;                   // the oci:// paths
  std::string s3_endpoint;                                  // --s3-endpoint URL
  std::string s3_region;                                    // --s3-region
  std::vector<std::string> s3_refs;                         // the s3:// paths
  std::string shard;                                        // --shard I/N
  std::uint64_t shard_split_size = std::uint64_t{1} << 30;  // --shard-split-size
  std::string state;                                        // --state FILE
  bool new_only = false;
  pipeline::ScanOptions scan;
  WorkflowFlags workflow;     // config, ignores, baselines, --fail-on, --staged, progress
  ValidateFlags validate;     // --validate and its settings
  bool show_secrets = false;  // --show-secrets (-f html)
};

// Paths (or URLs) listed one per line in `file` ('-': standard input); blank lines and '#'
// comments are ignored. Throws, naming the list as `option`, when it cannot be read.
std::vector<std::string> read_path_list(const std::string& file, const char* option) {
  std::ifstream opened;
  if (file != "-") {
    opened.open(file);
    if (!opened) throw std::runtime_error(fmt::format("cannot read {} list {}", option, file));
  }
  std::istream& in = file == "-" ? std::cin : opened;
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.pop_back();
    // A URL never starts with a blank; a path may (and is kept as it is).
    if (std::string_view(option) == "--git-urls-from") line.erase(0, line.find_first_not_of(" \t"));
    if (line.empty() || line[0] == '#') continue;
    out.push_back(line);
  }
  if (in.bad()) throw std::runtime_error(fmt::format("reading {} list {} failed", option, file));
  return out;
}

// Prints each input problem as one line, as it happens (under --redact, when the scan is over:
// a name may hold a secret the scan finds later, and every secret found is masked in the
// lines). Never prints file contents.
class StderrObserver final : public pipeline::ScanObserver {
 public:
  StderrObserver(bool quiet, bool verbose, ProgressLine* progress = nullptr, bool defer = false)
      : quiet_(quiet), verbose_(verbose), defer_(defer), progress_(progress) {}
  void on_issue(const pipeline::InputIssue& issue) override {
    if (defer_) {
      deferred_.push_back(issue);
    } else if (progress_ != nullptr) {
      progress_->print_above([&] { print_issue(issue); });
    } else {
      print_issue(issue);
    }
  }
  void on_progress(const pipeline::ScanProgress& progress) override {
    if (progress_ != nullptr) progress_->update(progress);
  }
  // Prints the deferred lines.
  void flush() {
    for (const pipeline::InputIssue& issue : deferred_) print_issue(issue);
    deferred_.clear();
  }

 private:
  void print_issue(const pipeline::InputIssue& issue) const {
    if (issue.note()) {
      if (!quiet_) {
        say("sluice: note: {}: {}\n", pipeline::printable(issue.path), pipeline::printable(issue.reason));
      }
    } else if (issue.incomplete()) {
      say("sluice: error: {}: {}\n", pipeline::printable(issue.path), pipeline::printable(issue.reason));
    } else if (verbose_ || (!quiet_ && !routine(issue.reason))) {
      say("sluice: skipped: {}: {}\n", pipeline::printable(issue.path), pipeline::printable(issue.reason));
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
  bool defer_;
  ProgressLine* progress_;
  std::vector<pipeline::InputIssue> deferred_;
};

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
  // A rate over less than half a second measures start-up, not scanning: it is left out.
  const std::string rate = stats.seconds >= 0.5
                               ? fmt::format(" ({}/s)", human_bytes(static_cast<double>(stats.bytes) / stats.seconds))
                               : std::string();
  std::vector<std::string> within;  // what the inputs held, in one parenthesis
  if (stats.repositories > 0) {
    within.push_back(fmt::format("{} git repositor{}, {} unique blob{}", stats.repositories,
                                 stats.repositories == 1 ? "y" : "ies", stats.blobs, stats.blobs == 1 ? "" : "s"));
  }
  if (stats.archives > 0) {
    within.push_back(fmt::format(
        "{} archive{}, {} member{}{}", stats.archives, stats.archives == 1 ? "" : "s", stats.members,
        stats.members == 1 ? "" : "s",
        stats.images > 0 ? fmt::format(", {} image{}", stats.images, stats.images == 1 ? "" : "s") : std::string()));
  }
  const std::string archives = within.empty() ? std::string() : fmt::format(" ({})", fmt::join(within, "; "));
  say("sluice: scanned {} inputs{}, {} in {:.2f} s{}; {} duplicate{} not rescanned; {} skipped; "
      "{} error{}; {} finding{}{}{}\n",
      stats.files, archives, human_bytes(static_cast<double>(stats.bytes)), stats.seconds, rate, stats.duplicates,
      stats.duplicates == 1 ? "" : "s", stats.skipped, stats.errors, stats.errors == 1 ? "" : "s",
      report.findings.size(), report.findings.size() == 1 ? "" : "s", severities,
      stats.interrupted     ? " — SCAN INTERRUPTED (not every input was scanned)"
      : report.incomplete() ? " — SCAN INCOMPLETE"
                            : "");
}

// True when `fd` is a pipe whose reading end is closed (`sluice scan | head` after head
// exited, with SIGPIPE ignored by whoever started us).
bool reader_gone(int fd) {
  pollfd p{fd, 0, 0};
  return ::poll(&p, 1, 0) == 1 && (p.revents & POLLERR) != 0;
}

// --shard-split-size, up to a multiple of --segment-size: the ranges of a cut file are then
// scanned in the segments a single scan of it uses. 0: files are not cut.
std::uint64_t split_size(const ScanFlags& flags) {
  const std::uint64_t segment = std::max<std::uint64_t>(flags.scan.segment_size, 1);
  return (flags.shard_split_size + segment - 1) / segment * segment;
}

// What a shard's report must share with the others' for sluice merge to join them: the options
// that change what is found or reported (not the threads, sizes of reads or the output).
nlohmann::json shard_settings(const ScanFlags& flags) {
  const pipeline::ScanOptions& scan = flags.scan;
  const pipeline::ArchiveLimits& archives = scan.archives;
  return {{"min_confidence", engine::to_string(scan.min_confidence)},
          {"redact", flags.redact},
          {"dedup", scan.dedup_content},
          {"follow_symlinks", scan.follow_symlinks},
          {"git_history", flags.git_history},
          {"max_blob_size", scan.max_blob_size},
          {"max_input_seconds", scan.max_input_seconds},
          {"max_decode_depth", scan.decode.max_depth},
          {"shard_split_size", split_size(flags)},
          {"git_urls", flags.remotes},
          {"oci", flags.registry_refs},
          {"s3", flags.s3_refs},
          {"s3_endpoint", flags.s3_endpoint},
          {"archives",
           {{"enabled", archives.enabled},
            {"max_depth", archives.max_depth},
            {"max_member_size", archives.max_member_size},
            {"max_ratio", archives.max_ratio},
            {"max_decompression_memory", archives.max_decompression_memory}}}};
}

// Checks --shard against the rest of the command line; an error message, or nothing.
std::optional<std::string> shard_conflict(const ScanFlags& flags, const CLI::App& command) {
  if (flags.format != "jsonl" && command.get_option("--format")->count() > 0) {
    return "--shard writes a JSON Lines report for sluice merge: leave -f out or give -f jsonl";
  }
  if (std::find(flags.scan.roots.begin(), flags.scan.roots.end(), "-") != flags.scan.roots.end()) {
    return "--shard cannot split standard input";
  }
  if (flags.workflow.staged) return "--shard cannot split --staged";
  return std::nullopt;
}

// $XDG_CACHE_HOME/sluice/git, else ~/.cache/sluice/git; empty when neither is known.
std::string default_clone_dir() {
  const char* cache = std::getenv("XDG_CACHE_HOME");
  if (cache != nullptr && cache[0] == '/') return std::string(cache) + "/sluice/git";
  const char* home = std::getenv("HOME");
  if (home != nullptr && home[0] == '/') return std::string(home) + "/.cache/sluice/git";
  return {};
}

// Whether `url` is plain http to a host that is not loopback (libcurl's parser finds the host:
// "http://127.0.0.1:x@elsewhere/" is elsewhere).
bool plain_http_off_loopback(const std::string& url) {
  const auto parts = io::parse_url(url);
  if (!parts) return url.rfind("http://", 0) == 0;
  return parts->scheme == "http" && !pipeline::loopback_host(io::url_host(url));
}

// The clone URLs of the repositories the --github-org, --github-user and --gitlab-group
// listings give (tokens from GITHUB_TOKEN and GITLAB_TOKEN); a listing that fails is an issue of
// the report, what it listed before is kept. False when --forge-api is refused.
bool list_forges(ScanFlags& flags, std::vector<std::string>& urls) {
  using Kind = io::ForgeQuery::Kind;
  std::vector<io::ForgeQuery> queries;
  const auto add = [&](const std::vector<std::string>& names, Kind kind) {
    for (const std::string& name : names) {
      io::ForgeQuery query;
      query.kind = kind;
      query.name = name;
      query.api = flags.forge_api;
      const char* token = std::getenv(kind == Kind::kGitlabGroup ? "GITLAB_TOKEN" : "GITHUB_TOKEN");
      if (token != nullptr) query.token = token;
      query.forks = !flags.skip_forks;
      query.archived = !flags.skip_archived;
      queries.push_back(std::move(query));
    }
  };
  add(flags.github_orgs, Kind::kGithubOrg);
  add(flags.github_users, Kind::kGithubUser);
  add(flags.gitlab_groups, Kind::kGitlabGroup);
  if (queries.empty()) return true;
  if (plain_http_off_loopback(flags.forge_api)) {
    say("sluice: error: --forge-api {}: plain http only to a loopback address (tokens would cross the network "
        "in clear)\n",
        pipeline::printable(io::shown_url(flags.forge_api)));
    return false;
  }
  io::HttpClient http;
  for (const io::ForgeQuery& query : queries) {
    std::string error;
    const std::vector<io::ForgeRepository> found = io::list_forge(http, query, &error);
    const char* what = query.kind == Kind::kGithubOrg    ? "--github-org"
                       : query.kind == Kind::kGithubUser ? "--github-user"
                                                         : "--gitlab-group";
    if (!error.empty()) flags.scan.issues.push_back(io::Error{fmt::format("{} {}", what, query.name), error});
    if (flags.verbose) say("sluice: {} {}: {} repositories\n", what, pipeline::printable(query.name), found.size());
    for (const io::ForgeRepository& repository : found) urls.push_back(repository.clone_url);
  }
  return true;
}

// Clones or fetches the mirrors of `urls` (this shard's), and hands them to the scan as
// repositories named by their URLs; a remote that could not be fetched is an issue of the
// report (the rest is scanned, exit 3).
void fetch_remotes(ScanFlags& flags, const std::vector<std::string>& urls, const std::atomic<bool>& stop) {
  if (urls.empty()) return;
  const std::string cache = flags.clone_dir.empty() ? default_clone_dir() : flags.clone_dir;
  if (!flags.quiet) {
    say("sluice: fetching {} git remote{} into {}\n", urls.size(), urls.size() == 1 ? "" : "s",
        pipeline::printable(cache));
  }
  std::vector<io::MirrorOutcome> outcomes;
  if (cache.empty()) {
    for (const std::string& url : urls) {
      outcomes.push_back(io::MirrorOutcome{
          io::parse_remote_url(url).shown, {}, "no clone directory: set HOME or XDG_CACHE_HOME, or give --clone-dir"});
    }
  } else {
    outcomes = io::sync_mirrors(urls, cache, kParallelFetches, &stop);
  }
  std::set<std::string> taken;
  for (io::MirrorOutcome& outcome : outcomes) {
    if (!outcome.error.empty()) {
      flags.scan.issues.push_back(io::Error{std::move(outcome.url), std::move(outcome.error)});
      continue;
    }
    if (flags.verbose) {
      say("sluice: {} {}: {} objects, {} received\n", outcome.cloned ? "cloned" : "fetched",
          pipeline::printable(outcome.url), outcome.received_objects,
          human_bytes(static_cast<double>(outcome.received_bytes)));
    }
    if (taken.insert(outcome.path).second) {
      flags.scan.repositories.push_back(pipeline::GitRepository{outcome.path, outcome.url});
    }
  }
}

int run(ScanFlags& flags, CLI::App& command) {
  const WorkflowFlags& workflow = flags.workflow;
  // Every root, --repos-from's included, before any config is discovered: a file found in one
  // scanned tree must not narrow another (cli/config.hpp, discovery_root).
  flags.scan.roots = flags.paths;
  std::vector<std::string> git_urls = flags.git_urls;
  if (workflow.fail_on == "valid" && !flags.validate.validate) {
    say("sluice: error: --fail-on valid needs --validate (only a validation says a secret is valid)\n");
    return kFatal;
  }
  if (!flags.validate.endpoints.empty() && !flags.validate.validate && !flags.validate.dry_run) {
    say("sluice: error: --validate-endpoint needs --validate (or --validate-dry-run)\n");
    return kFatal;
  }
  if ((flags.validate.validate || flags.validate.dry_run) && !flags.shard.empty()) {
    say("sluice: error: --validate and --shard: validate the merged report instead (sluice validate REPORT)\n");
    return kFatal;
  }
  if (flags.repos_from == "-" && flags.git_urls_from == "-") {
    say("sluice: error: --repos-from and --git-urls-from cannot both read standard input\n");
    return kFatal;
  }
  try {
    if (!flags.repos_from.empty()) {
      for (std::string& path : read_path_list(flags.repos_from, "--repos-from")) {
        flags.scan.roots.push_back(std::move(path));
      }
    }
    if (!flags.git_urls_from.empty()) {
      for (std::string& url : read_path_list(flags.git_urls_from, "--git-urls-from"))
        git_urls.push_back(std::move(url));
    }
  } catch (const std::exception& error) {
    say("sluice: error: {}\n", error.what());
    return kFatal;
  }
  if (!list_forges(flags, git_urls)) return kFatal;
  const bool forges = !flags.github_orgs.empty() || !flags.github_users.empty() || !flags.gitlab_groups.empty();
  // oci:// references are registries' images, not paths.
  std::vector<std::string>& registry_refs = flags.registry_refs;
  std::erase_if(flags.scan.roots, [&](const std::string& root) {
    if (root.rfind("oci://", 0) != 0) return false;
    registry_refs.push_back(root);
    return true;
  });
  // s3:// references are objects in a store.
  std::erase_if(flags.scan.roots, [&](const std::string& root) {
    if (root.rfind("s3://", 0) != 0) return false;
    flags.s3_refs.push_back(root);
    return true;
  });
  if (!flags.s3_endpoint.empty()) {
    const auto parts = io::parse_url(flags.s3_endpoint);
    const char* wrong = nullptr;
    if (!parts || (parts->scheme != "http" && parts->scheme != "https")) {
      wrong = "expected https://HOST[:PORT][/PATH]";
    } else if (parts->userinfo || parts->query || parts->fragment) {
      wrong = "no user, password, query or fragment in it (credentials come from the AWS environment or profile)";
    } else if (plain_http_off_loopback(flags.s3_endpoint)) {
      wrong = "plain http only to a loopback address (signed requests and objects would cross the network in clear)";
    }
    if (wrong != nullptr) {
      say("sluice: error: --s3-endpoint {}: {}\n", pipeline::printable(io::shown_url(flags.s3_endpoint)), wrong);
      return kFatal;
    }
  }
  // Nothing named: the current directory. Only remotes named: only them.
  if (flags.scan.roots.empty() && flags.repos_from.empty() && git_urls.empty() && flags.git_urls_from.empty() &&
      registry_refs.empty() && flags.s3_refs.empty() && !forges) {
    flags.scan.roots.push_back(".");
  }
  for (const std::string& url : git_urls) flags.remotes.push_back(io::parse_remote_url(url).shown);
  std::sort(flags.remotes.begin(), flags.remotes.end());
  flags.remotes.erase(std::unique(flags.remotes.begin(), flags.remotes.end()), flags.remotes.end());
  try {
    apply_config_file(workflow, flags.scan.roots, command, flags.rules, flags.verbose);
  } catch (const ConfigError& error) {
    say("sluice: config error: {}\n", error.what());
    return kFatal;
  }
  pipeline::Suppressions suppressions;
  try {
    flags.scan.path_filter = prepare_ignores(workflow, flags.scan.roots, suppressions);
  } catch (const pipeline::SuppressionError& error) {
    say("sluice: error: {}\n", error.what());
    return kFatal;
  }

  std::optional<pipeline::ShardSpec> shard;
  if (!flags.shard.empty()) {
    shard = pipeline::parse_shard(flags.shard);
    if (!shard) {
      say("sluice: error: --shard {}: expected I/N, 0 <= I < N <= {}\n", pipeline::printable(flags.shard),
          pipeline::kMaxShards);
      return kFatal;
    }
    if (auto conflict = shard_conflict(flags, command)) {
      say("sluice: error: {}\n", *conflict);
      return kFatal;
    }
    flags.format = "jsonl";
  }

  pipeline::OutputFormat format = pipeline::OutputFormat::kText;
  if (flags.format == "json") format = pipeline::OutputFormat::kJson;
  if (flags.format == "jsonl") format = pipeline::OutputFormat::kJsonl;

  const auto compile_started = std::chrono::steady_clock::now();
  engine::RuleSet selected = select_rules(load_rules(flags.rules), flags.rules);
  // Hyperscan's compile grows faster than the rule count (bench/rule_compile.sh): say why a
  // big catalog keeps the scan from starting.
  if (selected.rules.size() >= kBigCatalog && !flags.quiet) {
    fmt::print(stderr, "sluice: compiling {} rules (a catalog this big takes a while)\n", selected.rules.size());
  }
  auto rules = engine::CompiledRules::compile(std::move(selected), engine::builtin_database());
  if (flags.verbose) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - compile_started).count();
    say("sluice: {} rules ({} as Hyperscan prefilters); database {} in {:.3f} s\n", rules->size(),
        rules->prefilter_count(),
        rules->loaded_precompiled() ? (rules->loaded_probes() ? "and rule probes precompiled at build time, loaded"
                                                              : "precompiled at build time, loaded")
                                    : "compiled",
        seconds);
  }

  flags.scan.git_history = flags.git_history == "full";
  flags.scan.min_confidence = engine::parse_confidence(flags.min_confidence).value_or(engine::Confidence::kMedium);
  if ((!registry_refs.empty() || !flags.s3_refs.empty()) && workflow.staged) {
    say("sluice: error: --staged reads one local repository's index: leave oci:// and s3:// references out\n");
    return kFatal;
  }
  if (workflow.staged && !git_urls.empty()) {
    say("sluice: error: --staged reads one local repository's index: leave --git-url out\n");
    return kFatal;
  }
  if (workflow.staged && flags.scan.roots.size() != 1) {
    say("sluice: --staged takes at most one path (a directory inside the repository)\n");
    return kFatal;
  }

  std::string shard_header;
  if (shard) {
    // The same walk as the scan's (its excludes, repositories as units), without passing over
    // this shard's own report: every shard must see the same inputs.
    io::WalkOptions walk{flags.scan.follow_symlinks, flags.scan.git_history, 64};
    walk.filter = flags.scan.path_filter;
    // A big file is cut in byte ranges when it is plain bytes: an archive or a compressed stream
    // is read from its start, by one shard.
    pipeline::SplitOptions split{split_size(flags), [&flags](const std::string& path) {
                                   std::ifstream in(path, std::ios::binary);
                                   std::string head(io::kSniffBytes, '\0');
                                   in.read(head.data(), static_cast<std::streamsize>(head.size()));
                                   head.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
                                   return !pipeline::classify_content(head, flags.scan.archives).container();
                                 }};
    auto mine = std::make_shared<std::vector<io::WalkEntry>>();
    auto plan = std::make_shared<pipeline::ShardPlan>(
        pipeline::ShardPlan::make(flags.scan.roots, walk, *shard, split, mine.get()));
    flags.scan.planned = std::move(mine);
    if (flags.verbose) {
      say("sluice: shard {}/{}: {} of {} inputs, {} of {}\n", shard->index, shard->count, plan->my_units(),
          plan->units(), human_bytes(static_cast<double>(plan->loads()[shard->index])),
          human_bytes(
              static_cast<double>(std::accumulate(plan->loads().begin(), plan->loads().end(), std::uint64_t{0}))));
    }
    shard_header = nlohmann::json{{"shard",
                                   {{"index", shard->index},
                                    {"count", shard->count},
                                    {"inputs", flags.scan.roots},
                                    {"units", plan->units()},
                                    {"plan", plan->digest()},
                                    {"catalog", rules->catalog_hash()},
                                    {"version", kVersion},
                                    {"settings", shard_settings(flags)}}}}
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    flags.scan.shard = std::move(plan);
    // Remotes are shared out by URL, each to one shard, before anything is fetched.
    std::erase_if(git_urls, [&](const std::string& url) {
      return pipeline::fallback_shard(io::parse_remote_url(url).shown, shard->count) != shard->index;
    });
    // Whether a finding is only in tests or docs depends on all its locations: sluice merge
    // decides, once it has every shard's.
    flags.scan.demote_test_and_docs = false;
  }

  if (flags.new_only && flags.state.empty()) {
    say("sluice: error: --new-only needs --state FILE (what earlier runs saw)\n");
    return kFatal;
  }
  if (!flags.state.empty()) {
    try {
      flags.scan.state = pipeline::StateStore::open(flags.state, rules);
    } catch (const pipeline::StateError& error) {
      say("sluice: error: {}\n", error.what());
      return kFatal;
    }
    flags.scan.new_only = flags.new_only;
    // The state file is not an input: a run that scanned it would report what it records.
    for (const char* suffix : {"", "-wal", "-shm"}) {
      const std::string file = flags.state + suffix;
      const auto at = pipeline::stamp_of(file);
      if (!at) continue;
      flags.scan.pass_over.push_back(
          io::WalkOptions::PassOver{std::filesystem::path(file).filename().string(), static_cast<dev_t>(at->device),
                                    static_cast<ino_t>(at->inode), "the --state file of this run"});
    }
  }

  // The HTML page masks secrets unless --show-secrets: a report file of raw secrets is 0600.
  const bool raw_secrets = !flags.redact && (flags.format != "html" || flags.show_secrets);
  auto opened = ReportOutput::open(flags.output, raw_secrets, flags.scan.roots);
  if (auto* error = std::get_if<std::string>(&opened)) {
    say("sluice: error: {}\n", pipeline::printable(*error));
    return kFatal;
  }
  ReportOutput& output = *std::get<std::unique_ptr<ReportOutput>>(opened);
  for (const io::WalkOptions::PassOver& over : output.pass_over()) flags.scan.pass_over.push_back(over);
  std::ostream& out = output.stream();

  // No message on stderr prints what a rule matches (a key in a file or member name), with or
  // without --redact; under --redact the report's fields are masked too, and so is every secret
  // the scan found, wherever it reappears.
  pipeline::Redactor message_redactor(rules);
  std::optional<pipeline::Redactor> redactor;
  if (flags.redact) redactor.emplace(rules);
  set_message_redactor(redactor ? &*redactor : &message_redactor);
  struct ResetRedactor {
    ~ResetRedactor() { set_message_redactor(nullptr); }
  } reset_redactor;

  pipeline::ScanReport report;
  StopOnSignals signals;
  flags.scan.stop = &signals.stop();
  fetch_remotes(flags, git_urls, signals.stop());
  if (!registry_refs.empty()) {
    pipeline::RegistryOptions registry;
    registry.platform = flags.platform;
    registry.insecure_hosts = flags.insecure_registries;
    registry.stop = &signals.stop();
    if (shard) {
      // Images are shared out by name, each to one shard (which reads all its layers).
      registry.mine = [spec = *shard](const std::string& name) {
        return pipeline::fallback_shard(name, spec.count) == spec.index;
      };
    }
    if (!flags.registry_auth.empty()) {
      const std::size_t colon = flags.registry_auth.find(':');
      if (colon == std::string::npos) {
        say("sluice: error: --registry-auth takes USER:PASSWORD\n");
        return kFatal;
      }
      registry.credentials =
          io::RegistryCredentials{flags.registry_auth.substr(0, colon),
                                  colon == std::string::npos ? std::string() : flags.registry_auth.substr(colon + 1)};
    }
    if (!flags.quiet) {
      say("sluice: reading {} registry reference{}\n", registry_refs.size(), registry_refs.size() == 1 ? "" : "s");
    }
    flags.scan.registry = pipeline::RegistrySources::resolve(registry_refs, registry, flags.scan.issues);
    if (flags.verbose) {
      say("sluice: {} image{}, {} distinct blob{} to read\n", flags.scan.registry->images().size(),
          flags.scan.registry->images().size() == 1 ? "" : "s", flags.scan.registry->blobs().size(),
          flags.scan.registry->blobs().size() == 1 ? "" : "s");
    }
  }
  if (!flags.s3_refs.empty()) {
    pipeline::S3Options s3;
    std::string credentials_error;
    s3.credentials = io::s3_credentials_from_environment(&credentials_error);
    if (!credentials_error.empty()) {
      say("sluice: error: s3:// credentials: {}\n", pipeline::printable(credentials_error));
      return kFatal;
    }
    s3.endpoint = flags.s3_endpoint;
    s3.region = flags.s3_region;
    s3.stop = &signals.stop();
    // Under --shard objects are shared out by name; big ones of plain bytes by ranges.
    s3.shard = shard;
    s3.split_size = split_size(flags);
    s3.limits = flags.scan.archives;
    if (!flags.quiet) {
      say("sluice: listing {} s3:// reference{}\n", flags.s3_refs.size(), flags.s3_refs.size() == 1 ? "" : "s");
    }
    flags.scan.s3 = pipeline::S3Sources::resolve(flags.s3_refs, s3, flags.scan.issues);
    if (flags.verbose) {
      say("sluice: {} object{} to read\n", flags.scan.s3->items().size(),
          flags.scan.s3->items().size() == 1 ? "" : "s");
    }
  }
  // Under --redact, lines about inputs wait for the end of the scan (and the progress line,
  // which names inputs, is off): a name may hold a secret that is found later.
  StderrObserver observer(flags.quiet, flags.verbose, nullptr, flags.redact);
  {
    std::optional<ProgressLine> progress;
    if (!workflow.no_progress && !flags.redact && progress_wanted(flags.quiet)) progress.emplace();
    StderrObserver live(flags.quiet, flags.verbose, progress ? &*progress : nullptr);
    pipeline::ScanObserver* used = flags.redact ? &observer : &live;
    if (workflow.staged) {
      auto staged = pipeline::run_staged_scan(rules, flags.scan, flags.scan.roots.front(), used);
      if (auto* error = std::get_if<std::string>(&staged)) {
        progress.reset();
        say("sluice: error: --staged: {}: {}\n", flags.scan.roots.front(), *error);
        return kFatal;
      }
      report = std::move(std::get<pipeline::ScanReport>(staged));
    } else {
      report = pipeline::run_scan(rules, flags.scan, used);
    }
  }
  pipeline::sort_for_report(report.findings, *rules);
  if (redactor) redactor->add_found(report.findings);  // suppressed ones too: they are secrets all the same
  observer.flush();
  std::vector<std::string> suppressed_fingerprints;
  if (shard) {
    for (const pipeline::Finding& finding : report.findings) suppressed_fingerprints.push_back(finding.fingerprint);
  }
  const std::size_t suppressed = suppressions.apply(report.findings);
  if (shard) {
    // The fingerprints apply() took out: those no finding left has.
    std::set<std::string> kept;
    for (const pipeline::Finding& finding : report.findings) kept.insert(finding.fingerprint);
    std::erase_if(suppressed_fingerprints, [&](const std::string& fp) { return kept.count(fp) != 0; });
    std::sort(suppressed_fingerprints.begin(), suppressed_fingerprints.end());
    suppressed_fingerprints.erase(std::unique(suppressed_fingerprints.begin(), suppressed_fingerprints.end()),
                                  suppressed_fingerprints.end());
  }
  // Asked of the vendors before anything is masked; only the findings that are reported.
  if (flags.validate.validate || flags.validate.dry_run) {
    if (!run_validation(flags.validate, rules->rules(), report.findings, &signals.stop(), flags.quiet,
                        flags.scan.state.get())) {
      return kFatal;
    }
  }
  if (redactor) {
    redactor->apply(report.findings, report.issues);
    for (pipeline::SplitRange& range : report.splits) range.path = redactor->mask(range.path);
  }

  pipeline::SinkOptions sink_options;
  sink_options.redact = flags.redact;
  sink_options.issues = &report.issues;
  sink_options.suppressed = suppressed;
  if (shard) {
    sink_options.shard_header = shard_header;
    sink_options.suppressed_fingerprints = &suppressed_fingerprints;
    sink_options.shares = &report.shares;
    sink_options.splits = &report.splits;
  }
  std::unique_ptr<pipeline::Sink> sink;
  if (flags.format == "sarif") {
    sink =
        pipeline::make_sarif_sink(out, *rules, sink_options, pipeline::SarifOptions{flags.scan.roots, &report.issues});
  } else if (flags.format == "html") {
    sink = pipeline::make_html_sink(out, *rules, sink_options,
                                    pipeline::HtmlOptions{flags.show_secrets, "sluice scan", flags.scan.roots});
  } else {
    sink = pipeline::make_sink(format, out, *rules, sink_options);
  }
  errno = 0;  // read by commit(): the first failing write set it
  sink->begin();
  for (const pipeline::Finding& finding : report.findings) sink->accept(finding);
  sink->finish(report.stats);
  bool removed = false;
  if (const int error = output.commit(removed); error != 0) {
    if (!output.is_file() && reader_gone(STDOUT_FILENO)) return kFatal;  // `| head`: quiet, like SIGPIPE
    say("sluice: error: writing the report to {} failed ({}); {}\n", pipeline::printable(output.name()),
        std::strerror(error), removed ? "the incomplete report was removed" : "the report is incomplete");
    return kFatal;
  }
  if (!flags.quiet) print_summary(report, *rules);
  if (!flags.quiet && report.stats.from_state > 0) {
    say("sluice: {} input{} unchanged since an earlier run: findings taken from --state {}\n", report.stats.from_state,
        report.stats.from_state == 1 ? "" : "s", pipeline::printable(flags.state));
  }
  if (!flags.quiet && report.stats.hidden_in_tests_or_docs > 0) {
    say("sluice: {} more finding{} only in test code, test data or docs, not shown (--min-confidence low shows "
        "them)\n",
        report.stats.hidden_in_tests_or_docs, report.stats.hidden_in_tests_or_docs == 1 ? "" : "s");
  }
  if (!flags.quiet && report.stats.decoded.capped_spans > 0) {
    const engine::DecodeStats& decoded = report.stats.decoded;
    say("sluice: {} encoded span{} ({}) not decoded, or only in part: longer than {}, over the decoded bytes an "
        "input may give, or running past the bytes held at once (an archive member is read in segments)\n",
        decoded.capped_spans, decoded.capped_spans == 1 ? "" : "s",
        human_bytes(static_cast<double>(decoded.capped_bytes)),
        human_bytes(static_cast<double>(flags.scan.decode.max_span)));
  }
  if (!flags.quiet && suppressed > 0) {
    say("sluice: {} finding{} suppressed by baseline or ignore file\n", suppressed, suppressed == 1 ? "" : "s");
  }
  if (workflow.report_unused_ignores) report_unused_ignores(suppressions, flags.scan.path_filter.get());
  if (signals.signal() != 0) return 128 + signals.signal();
  if (report.incomplete()) return kIncomplete;
  return any_failing(report.findings, *rules, workflow) ? kFindings : kClean;
}

}  // namespace

// CLI::Range lets "nan" through (every comparison with NaN is false).
const CLI::Validator kFiniteNumber(
    [](std::string& text) {
      char* end = nullptr;
      const double value = std::strtod(text.c_str(), &end);
      if (end == text.c_str() || *end != '\0' || !std::isfinite(value)) return "not a finite number: " + text;
      return std::string();
    },
    "", "finite");

void register_scan(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ScanFlags>();
  CLI::App* scan = app.add_subcommand("scan", "Scan files, directories or standard input (-) for secrets");
  scan->add_option("paths", flags->paths,
                   "Files and directories to scan; '-' reads standard input; oci://HOST[:PORT]/REPO[:TAG|@DIGEST], "
                   "oci://HOST/ or oci://HOST/PREFIX* images in a registry; s3://BUCKET[/PREFIX] objects in a store "
                   "(default: .)")
      ->type_name("PATH");
  scan->footer(
      "Exit codes: 0 complete and nothing found (or nothing at --fail-on or above); 1 findings; 2 usage or fatal "
      "error; 3 some input could not be scanned (wins over 1).\n"
      "Config: --config FILE and the user config ($XDG_CONFIG_HOME/sluice/config.toml, else "
      "~/.config/sluice/config.toml) hold a [scan] table with any long flag above without its dashes "
      "(format = \"sarif\", exclude = [\"docs/**\"]), plus [[rules]]; a flag on the command line wins over "
      "--config, which wins over the user config. A .sluice.toml in the first directory scanned is scanned "
      "content: it may only narrow the report (exclude, include, disable, [allowlist]); any other key is refused "
      "on stderr and ignored (pass --config .sluice.toml to trust it).\n"
      "Ignores: a line containing sluice:allow, gitleaks:allow or 'pragma: allowlist secret' is not reported; "
      ".sluiceignore holds finding fingerprints and gitignore-style path patterns.");

  const std::string output_group = "Output";
  scan->add_option("-f,--format", flags->format,
                   "Report format (sarif: SARIF 2.1.0 for code scanning; html: a self-contained triage page)")
      ->check(CLI::IsMember({"text", "json", "jsonl", "sarif", "html"}))
      ->capture_default_str()
      ->group(output_group);
  scan->add_option("-o,--output", flags->output, "Write the report to FILE instead of standard output")
      ->type_name("FILE")
      ->group(output_group);
  scan->add_flag("--redact", flags->redact, "Mask secrets in every output format")->group(output_group);
  scan->add_flag("--show-secrets", flags->show_secrets,
                 "-f html: show each secret in the page (it is masked otherwise)")
      ->group(output_group);
  scan->add_option("--min-confidence", flags->min_confidence,
                   "Report findings at or above this confidence: high (checksum or distinctive prefix), medium "
                   "(context rules), low (also placeholders, failed checksums, low-entropy values)")
      ->check(CLI::IsMember({"high", "medium", "low"}))
      ->type_name("LEVEL")
      ->capture_default_str()
      ->group(output_group);
  scan->add_flag("-q,--quiet", flags->quiet, "Print only errors on standard error")->group(output_group);
  add_validate_options(*scan, flags->validate, true);
  scan->add_flag("-v,--verbose", flags->verbose,
                 "Also name every skipped input (symlinks, FIFOs, .git with --git-history none)")
      ->group(output_group);
  add_workflow_options(*scan, flags->workflow);

  const std::string input_group = "Input";
  scan->add_flag("-L,--follow-symlinks", flags->scan.follow_symlinks, "Follow symbolic links in directories")
      ->group(input_group);
  scan->add_flag("!--no-dedup", flags->scan.dedup_content,
                 "Scan every file even when its content was already scanned at another path")
      ->group(input_group);
  add_rule_source_options(*scan, flags->rules);
  scan->add_option("--max-decode-depth", flags->scan.decode.max_depth,
                   "Decode base64, hex, percent-encoding, string escapes, HTML entities, quoted-printable and "
                   "UTF-16/32 text and scan what it holds, nested this deep (0: no decoding)")
      ->check(CLI::Range(std::size_t{0}, engine::kMaxDecodeDepth))
      ->capture_default_str()
      ->group(input_group);

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
                   "Cut an archive member past this many bytes per input byte (zip bombs; at least 256 MiB); "
                   "an input stops at 4 times that")
      ->check(kFiniteNumber & CLI::Range(1.0, 1e9))
      ->capture_default_str()
      ->group(archive_group);

  scan->add_option("--max-decompression-memory", limits.max_decompression_memory,
                   "Bytes a decoder may allocate: an xz or lzip stream whose header asks for a bigger dictionary "
                   "is scanned as raw bytes (reported)")
      ->check(CLI::Range(std::uint64_t{1} << 20, std::numeric_limits<std::uint64_t>::max()))
      ->capture_default_str()
      ->group(archive_group);

  const std::string git_group = "Git";
  scan->add_option("--git-history", flags->git_history,
                   "Git repositories (a .git directory or a bare repository anywhere under the paths): 'full' scans "
                   "every blob of their history once, 'none' only the working-tree files")
      ->check(CLI::IsMember({"full", "none"}))
      ->capture_default_str()
      ->group(git_group);
  scan->add_option("--repos-from", flags->repos_from,
                   "Also scan the paths listed in FILE, one per line ('-': standard input; '#' comments)")
      ->group(git_group);
  scan->add_option("--git-url", flags->git_urls,
                   "Also scan the history of the git remote at URL (repeatable): a bare mirror of every ref is cloned "
                   "into --clone-dir, or fetched when it is already there. Credentials may be given in the URL "
                   "(https://USER:TOKEN@HOST/...; never stored, never shown); ssh uses the ssh agent")
      ->allow_extra_args(false)
      ->group(git_group);
  scan->add_option("--git-urls-from", flags->git_urls_from,
                   "Also scan the git remotes listed in FILE, one URL per line ('-': standard input; '#' comments)")
      ->group(git_group);
  scan->add_option("--clone-dir", flags->clone_dir,
                   "Where the mirrors of git remotes are kept between runs (default: $XDG_CACHE_HOME/sluice/git, "
                   "else ~/.cache/sluice/git)")
      ->group(git_group);
  scan->add_option("--github-org", flags->github_orgs,
                   "Also scan every repository of this GitHub organisation (repeatable; token: GITHUB_TOKEN), as "
                   "--git-url does")
      ->allow_extra_args(false)
      ->group(git_group);
  scan->add_option("--github-user", flags->github_users,
                   "Also scan every repository this GitHub user owns (repeatable; token: GITHUB_TOKEN)")
      ->allow_extra_args(false)
      ->group(git_group);
  scan->add_option("--gitlab-group", flags->gitlab_groups,
                   "Also scan every project of this GitLab group and its subgroups (repeatable; token: "
                   "GITLAB_TOKEN)")
      ->allow_extra_args(false)
      ->group(git_group);
  scan->add_option("--forge-api", flags->forge_api,
                   "The REST API of a self-hosted GitHub Enterprise (https://HOST/api/v3) or GitLab "
                   "(https://HOST/api/v4); default: api.github.com, gitlab.com")
      ->group(git_group);
  scan->add_flag("--skip-forks", flags->skip_forks, "Forge listings: leave forks out")->group(git_group);
  scan->add_flag("--skip-archived", flags->skip_archived, "Forge listings: leave archived repositories out")
      ->group(git_group);
  scan->add_option("--max-blob-size", flags->scan.max_blob_size,
                   "Git blobs are read whole; bigger ones are reported and not scanned")
      ->check(CLI::Range(std::uint64_t{1}, std::numeric_limits<std::uint64_t>::max()))
      ->capture_default_str()
      ->group(git_group);

  const std::string registry_group = "Registries";
  scan->add_option("--platform", flags->platform,
                   "oci:// images: only this platform of a multi-platform index (os/arch[/variant]); default: every "
                   "platform")
      ->group(registry_group);
  scan->add_option("--insecure-registry", flags->insecure_registries,
                   "Talk plain http to this registry HOST[:PORT] (repeatable; loopback registries always are)")
      ->allow_extra_args(false)
      ->group(registry_group);
  scan->add_option("--registry-auth", flags->registry_auth,
                   "USER:PASSWORD for oci:// registries (default: the docker config's credentials for the host)")
      ->group(registry_group);

  const std::string s3_group = "Object stores";
  scan->add_option("--s3-endpoint", flags->s3_endpoint,
                   "s3:// objects: the store's URL, for stores other than AWS (MinIO, Ceph RGW, R2...), with "
                   "path-style addressing; default: AWS in --s3-region")
      ->group(s3_group);
  scan->add_option("--s3-region", flags->s3_region,
                   "s3:// objects: the region requests are signed for (default: AWS_REGION, AWS_DEFAULT_REGION, else "
                   "us-east-1)")
      ->group(s3_group);

  scan->add_option("--max-input-seconds", flags->scan.max_input_seconds,
                   "Time one input may take (a file, a stream, an archive with all it holds, a repository's "
                   "history); the rest of it is then not scanned (reported). 0: no limit")
      ->check(kFiniteNumber & CLI::Range(0.0, 1e9))
      ->capture_default_str()
      ->group("Input");

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
  scan->add_option("--state", flags->state,
                   "Keep what was scanned in this SQLite file: a later run takes unchanged files and git blobs "
                   "scanned with the same rules from it instead of reading them again, with the same findings")
      ->type_name("FILE")
      ->group("Scale-out");
  scan->add_flag("--new-only", flags->new_only,
                 "With --state: report only findings in content no earlier run with this state file saw")
      ->group("Scale-out");
  scan->add_option("--shard", flags->shard,
                   "Scan only the I-th of N deterministic, size-balanced parts of the inputs (0 <= I < N), for a "
                   "JSON Lines report that sluice merge joins with the other parts' (scripts/slurm-scan)")
      ->type_name("I/N")
      ->group("Scale-out");
  scan->add_option("--shard-split-size", flags->shard_split_size,
                   "With --shard: a plain file bigger than this many bytes (rounded up to a multiple of "
                   "--segment-size) is cut into ranges of that size, spread over the shards like files (0: never)")
      ->capture_default_str()
      ->group("Scale-out");
  scan->add_option("--max-in-flight", flags->scan.max_in_flight,
                   "Batches of up to 32 inputs queued between the walk and the merge (0: 2 per thread)")
      ->capture_default_str()
      ->group(perf_group);
  scan->callback([flags, scan, &exit_code] { exit_code = run(*flags, *scan); });
}

}  // namespace sluice::cli
