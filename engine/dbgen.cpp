// Build-time tool: compiles the built-in catalog and writes its serialized Hyperscan
// database and key, for embedding into the sluice binary.
#include <fmt/format.h>

#include <fstream>

#include "engine/compiled_rules.hpp"

int main(int argc, char** argv) {
  if (argc != 3) {
    fmt::print(stderr, "usage: sluice-dbgen DATABASE_OUT KEY_OUT\n");
    return 2;
  }
  try {
    const auto rules = sluice::engine::CompiledRules::compile(sluice::engine::builtin_rules());
    std::ofstream(argv[1], std::ios::binary) << rules->serialize_database();
    std::ofstream(argv[2], std::ios::binary) << rules->database_key();
  } catch (const std::exception& error) {
    fmt::print(stderr, "sluice-dbgen: {}\n", error.what());
    return 1;
  }
  return 0;
}
