#pragma once
// Move-only owners of Hyperscan's C handles.

#include <hs.h>

#include <cstdlib>
#include <memory>

namespace sluice::engine {

struct HsDatabaseDeleter {
  void operator()(hs_database_t* db) const noexcept { hs_free_database(db); }
};
struct HsScratchDeleter {
  void operator()(hs_scratch_t* scratch) const noexcept { hs_free_scratch(scratch); }
};
struct HsCompileErrorDeleter {
  void operator()(hs_compile_error_t* error) const noexcept { hs_free_compile_error(error); }
};
struct HsExprInfoDeleter {
  void operator()(hs_expr_info_t* info) const noexcept { std::free(info); }  // NOLINT: allocated by hs with malloc
};

using HsDatabase = std::unique_ptr<hs_database_t, HsDatabaseDeleter>;
using HsScratch = std::unique_ptr<hs_scratch_t, HsScratchDeleter>;
using HsCompileError = std::unique_ptr<hs_compile_error_t, HsCompileErrorDeleter>;
using HsExprInfo = std::unique_ptr<hs_expr_info_t, HsExprInfoDeleter>;

}  // namespace sluice::engine
