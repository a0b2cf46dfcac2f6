#pragma once
// The built-in catalog's Hyperscan database, compiled at build time (library
// sluice_builtin_db; only the binaries that want it link it).

#include "engine/compiled_rules.hpp"

namespace sluice::engine {

[[nodiscard]] const PrecompiledDatabase* builtin_database();

}  // namespace sluice::engine
