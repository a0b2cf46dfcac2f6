// Build-time tool: compiles the built-in catalog and writes its serialized Hyperscan
// database, the rules' probe results and their keys (the database key, then the probes key,
// one per line), for embedding into the sluice binary.
#include <fmt/format.h>

#include <fstream>

#include "engine/compiled_rules.hpp"
#include "engine/rule_loader.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    fmt::print(stderr, "usage: sluice-dbgen DATABASE_OUT PROBES_OUT KEYS_OUT\n");
    return 2;
  }
  try {
    // The catalog a scan runs by default: rules that are off unless --enable'd are left out.
    const auto rules =
        sluice::engine::CompiledRules::compile(sluice::engine::enabled_rules(sluice::engine::builtin_rules()));
    std::ofstream(argv[1], std::ios::binary) << rules->serialize_database();
    std::ofstream(argv[2], std::ios::binary) << rules->serialize_probes();
    std::ofstream(argv[3], std::ios::binary) << rules->database_key() << '\n' << rules->probes_key() << '\n';
  } catch (const std::exception& error) {
    fmt::print(stderr, "sluice-dbgen: {}\n", error.what());
    return 1;
  }
  return 0;
}
