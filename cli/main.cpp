// sluice: bulk secret scanner.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"sluice: find leaked credentials in large corpora, fast"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "sluice 0.1.0");
  int exit_code = sluice::cli::kClean;
  sluice::cli::register_scan(app, exit_code);
  sluice::cli::register_rules(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int code = app.exit(error);
    return code == 0 ? 0 : sluice::cli::kFatal;
  } catch (const sluice::engine::RuleError& error) {
    fmt::print(stderr, "sluice: rule error: {}\n", error.what());
    return sluice::cli::kFatal;
  } catch (const std::exception& error) {
    fmt::print(stderr, "sluice: fatal: {}\n", error.what());
    return sluice::cli::kFatal;
  }
  return exit_code;
}
