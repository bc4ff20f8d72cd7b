// What the drill loader said about a drill text, as one string, for INFO and for finding a
// message (the drill tests load texts with tests/drills/test_drill.h's LoadText).
#pragma once

#include <string>

#include "drills/drill_loader.h"

namespace firedrill::testing {

/// Every diagnostic of `r` (Error::ToString), one a line.
std::string AllErrors(const LoadResult& r);

}  // namespace firedrill::testing
