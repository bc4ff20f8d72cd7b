#include "tests/support/drill_load.h"

namespace firedrill::testing {

std::string AllErrors(const LoadResult& r) {
  std::string s;
  for (const Error& e : r.diagnostics) s += e.ToString() + "\n";
  return s;
}

}  // namespace firedrill::testing
