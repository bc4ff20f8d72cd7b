// The small HTTP service `firedrill demo` breaks: answers GET /health with 200 "ok".
#pragma once

#include <filesystem>

namespace firedrill {

/// Serves HTTP on 127.0.0.1:`port` (0 = any free port) until killed: GET /health → 200 "ok",
/// anything else → 404. Writes its port to `port_file` and its pid to `pid_file` once it
/// listens (each written to a temp file and renamed, so readers never see half a number).
/// Returns an exit code; runs in the foreground of its own process.
int ServeDemoService(int port, const std::filesystem::path& port_file,
                     const std::filesystem::path& pid_file);

}  // namespace firedrill
