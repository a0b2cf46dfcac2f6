// Build-time tool: compiles the built-in catalog and writes its serialized Hyperscan
// database, the rules' probe results, the parsed rules in their encoded form (rule_codec) and
// their keys (the database key, the probes key, then the key of the rule files, one per line),
// for embedding into the sluice binary.
#include <fmt/format.h>

#include <fstream>

#include "engine/compiled_rules.hpp"
#include "engine/rule_codec.hpp"
#include "engine/rule_loader.hpp"

int main(int argc, char** argv) {
  if (argc != 5) {
    fmt::print(stderr, "usage: sluice-dbgen DATABASE_OUT PROBES_OUT RULES_OUT KEYS_OUT\n");
    return 2;
  }
  try {
    // The catalog a scan runs by default: rules that are off unless --enable'd are left out.
    sluice::engine::RuleSet builtin = sluice::engine::builtin_rules();
    std::ofstream(argv[3], std::ios::binary) << sluice::engine::encode_rules(builtin);
    const auto rules = sluice::engine::CompiledRules::compile(sluice::engine::enabled_rules(std::move(builtin)));
    std::ofstream(argv[1], std::ios::binary) << rules->serialize_database();
    std::ofstream(argv[2], std::ios::binary) << rules->serialize_probes();
    std::ofstream(argv[4], std::ios::binary) << rules->database_key() << '\n'
                                             << rules->probes_key() << '\n'
                                             << sluice::engine::builtin_rules_key() << '\n';
  } catch (const std::exception& error) {
    fmt::print(stderr, "sluice-dbgen: {}\n", error.what());
    return 1;
  }
  return 0;
}
