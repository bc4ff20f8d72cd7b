// Helpers for the plugin tests: writing tiny plugin scripts, finding servers (ReadFile, which
// they use too, is in tests/support/test_text.h).
#pragma once

#include <filesystem>
#include <string>

#include "tests/support/test_text.h"  // ReadFile

namespace firedrill::testing {

/// Writes `text` to `dir`/`name` with mode 0755 and returns the path.
std::string WritePlugin(const std::filesystem::path& dir, const std::string& name,
                        const std::string& text);

/// Returns the full path of program `name` found on $PATH or in `extra_dir`, or "".
std::string FindProgram(const std::string& name, const std::string& extra_dir = "");

/// Returns a TCP port on 127.0.0.1 that was free a moment ago.
int FreePort();

}  // namespace firedrill::testing

namespace firedrill::testing {

/// Returns a minimal valid drill with one fault `id` of `kind` on the local target "here",
/// with `param_lines` (TOML lines like "port = 6379") added to the fault's table.
std::string DrillWithFault(const std::string& kind, const std::string& param_lines);

}  // namespace firedrill::testing
