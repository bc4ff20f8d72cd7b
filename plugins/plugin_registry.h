// Finding plugin executables, asking each to `describe` itself, and the catalog of fault kinds
// that results: the built-in kinds plus every plugin kind.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "drills/duration.h"
#include "drills/fault_kind.h"
#include "faults/command_runner.h"
#include "faults/fault_registry.h"
#include "plugins/plugin_protocol.h"

namespace firedrill {

/// How long one `describe` may take.
inline constexpr Duration kDescribeTimeout = std::chrono::seconds(10);

/// One plugin executable found on the search path, and what its `describe` said.
struct PluginInfo {
  std::string name;  ///< PluginNameOf(path)
  std::string path;
  bool ok = false;                    ///< describe answered well
  std::string error;                  ///< why not, when !ok
  std::vector<PluginKind> kinds;      ///< the kinds it describes (registered or not)
  std::vector<std::string> warnings;  ///< kinds that could not be registered, and why
};

/// Returns the directory of the bundled plugins: "<dir of the running executable>/plugins" when
/// it exists (the build puts them next to the firedrill binary), else the installed one,
/// "<dir of the running executable>/FIREDRILL_PLUGIN_DIR_FROM_BIN" (by default
/// ../libexec/firedrill/plugins, as `cmake --install` and the Debian package lay it out), or ""
/// if /proc/self/exe is unreadable.
std::string BundledPluginDir();

/// Returns the directories searched by default: each entry of $FIREDRILL_PLUGIN_PATH
/// (colon-separated, empty entries skipped), then BundledPluginDir().
std::vector<std::string> DefaultPluginDirs();

/// A place on the search path that yielded no plugin, and why.
struct SkippedPluginPath {
  std::string path;    ///< a directory of the search path, or a file in one
  std::string reason;  ///< e.g. "no such directory", "not executable (chmod +x to use it)"
};

/// What a search of the plugin directories found.
struct PluginSearch {
  std::vector<std::string> executables;    ///< as FindPluginExecutables returns them
  std::vector<SkippedPluginPath> skipped;  ///< in search order
};

/// Searches `dirs` as FindPluginExecutables does and also says what it passed over: a directory
/// that is missing or unreadable, a regular file that is not executable, and a plugin whose name
/// an earlier directory already provided. Subdirectories are passed over without a word.
PluginSearch SearchPluginDirs(const std::vector<std::string>& dirs);

/// Returns every executable regular file in `dirs` (missing directories are skipped), each
/// directory's files sorted by name. A plugin name found again in a later directory is skipped:
/// the first one on the path wins.
std::vector<std::string> FindPluginExecutables(const std::vector<std::string>& dirs);

/// Runs `describe` on the plugin at `path` through `runner` and decodes its kinds. Answers are
/// cached per path for the life of the process (describe runs once per run; two concurrent first
/// calls may both run it). Never fails: a failure is `ok == false` with `error` naming the
/// plugin.
boost::asio::awaitable<PluginInfo> DescribePlugin(CommandRunner& runner, std::string path,
                                                  Duration timeout = kDescribeTimeout);

/// The built-in kinds plus the kinds of the given plugins. A plugin kind whose name is taken (by
/// a built-in kind or an earlier plugin) or invalid is left out, with a warning in its
/// PluginInfo.
class PluginCatalog : public FaultCatalog {
 public:
  /// Registers the built-in kinds and then every kind of every ok plugin in `plugins`.
  explicit PluginCatalog(std::vector<PluginInfo> plugins);

  const FaultKindSpec* Find(std::string_view name) const override;
  std::vector<std::string> Names() const override;

  /// Returns the plugin kind named `name`, or nullptr for a built-in or unknown kind.
  const PluginKind* FindPluginKind(std::string_view name) const;

  /// Returns the plugins, with their warnings.
  const std::vector<PluginInfo>& plugins() const { return plugins_; }

 private:
  FaultRegistry registry_;
  std::vector<PluginInfo> plugins_;
  std::map<std::string, std::shared_ptr<const PluginKind>, std::less<>> kinds_;
};

/// Returns a catalog of the plugins found in `dirs`, described locally. Blocks the calling thread
/// while the plugins answer (RunBlocking); called once per process, at start-up.
PluginCatalog LoadPluginCatalog(const std::vector<std::string>& dirs);

/// Returns the catalog of the built-in kinds and the plugins in DefaultPluginDirs(), built once
/// per process on first use (thread-safe): every plugin is asked to `describe` itself then.
const PluginCatalog& DefaultFaultCatalog();

/// Returns the catalog the CLI loads drills with: the same kinds as DefaultFaultCatalog(), but a
/// built-in kind is found without describing any plugin; the plugins are described only when a
/// drill names a kind that is not built in (or when every name is listed, for an error). A drill
/// of built-in kinds starts no plugin process. Thread-safe.
const FaultCatalog& DrillFaultCatalog();

}  // namespace firedrill
