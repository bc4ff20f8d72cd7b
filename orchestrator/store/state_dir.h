// Where firedrill keeps its durable records: one state directory holding firedrill.db.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "drills/expected.h"

namespace firedrill {

/// Picks the state directory, first match wins:
///   1. `flag` (the value of `--state DIR`), if given and non-empty;
///   2. $FIREDRILL_STATE, if set and non-empty;
///   3. $XDG_STATE_HOME/firedrill, if XDG_STATE_HOME is set to an absolute path (the XDG spec
///      says relative values are to be ignored);
///   4. $HOME/.local/state/firedrill, with HOME falling back to the password database.
/// Pure lookup: touches nothing on disk. Returns an empty path only when none of the above is
/// available (no flag, no variables, no home directory). Reads the environment, so it must not
/// race with setenv() in another thread.
std::filesystem::path ResolveStateDir(const std::optional<std::string>& flag);

/// Makes sure `dir` exists and is a directory. Missing directories (including missing parents)
/// are created with mode 0700 (further restricted by the umask); an existing directory is left
/// as it is, permissions included. Fails with an Error naming `dir` if it is empty, exists but is
/// not a directory (a symlink to a directory counts as one), or cannot be created.
Status EnsureStateDir(const std::filesystem::path& dir);

/// Writes `text` to `path` through a temporary file renamed into place, so that a failed write
/// never leaves half a file behind. Fails with the path and the system's reason.
Status WriteFileAtomically(const std::string& path, const std::string& text);

}  // namespace firedrill
