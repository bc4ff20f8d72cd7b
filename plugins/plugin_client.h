// Runs one plugin action through a CommandRunner: the request goes to the plugin's stdin as a
// heredoc, so the same code runs a plugin on the local machine or on an SSH target. Also copies a
// plugin executable to a target that lacks it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "drills/duration.h"
#include "drills/expected.h"
#include "faults/command_runner.h"
#include "plugins/plugin_protocol.h"

namespace firedrill {

/// Returns the plugin name of an executable: the file name without a "firedrill-plugin-" prefix
/// ("/x/firedrill-plugin-redis" -> "redis", "/x/chaos" -> "chaos").
std::string PluginNameOf(const std::string& path);

/// Returns where InstallPlugin puts `local_path` on a remote target:
/// "~/.cache/firedrill/plugins/<file name>".
std::string RemotePluginPath(const std::string& local_path);

/// Talks to one plugin executable at `path` on the runner's machine.
class PluginClient {
 public:
  /// `name` is used in every message (see PluginNameOf); `runner` must outlive the client.
  PluginClient(CommandRunner& runner, std::string name, std::string path);

  /// Runs `request` and decodes the answer. The plugin runs as
  /// `FIREDRILL_...=... PATH <<'FIREDRILL_REQUEST_<random>'` (see PluginRequestEnv) with stdout
  /// and stderr in a temp dir on the target, which is removed afterwards. Returns an Error
  /// "plugin NAME ACTION: ..." when the plugin cannot start, exits non-zero ("exited 3: <first
  /// stderr line>"), runs past `timeout` (its process group is killed), prints nothing, non-JSON,
  /// a response without the required members or more than kMaxPluginResponseBytes, or answers
  /// ok:false (with its message). The response's stderr_text holds its stderr (up to 16 KiB).
  /// The plugin's command runs with `hooks` (see RunHooks). `request` must stay alive until the
  /// awaitable has completed.
  boost::asio::awaitable<Expected<PluginResponse>> Call(const PluginRequest& request,
                                                        Duration timeout, RunHooks hooks = {});

  /// Like Call, but an ok:false answer is returned as a response, not an Error.
  boost::asio::awaitable<Expected<PluginResponse>> CallAllowRefusal(const PluginRequest& request,
                                                                    Duration timeout,
                                                                    RunHooks hooks = {});

  const std::string& name() const { return name_; }
  const std::string& path() const { return path_; }

 private:
  CommandRunner& runner_;
  std::string name_;
  std::string path_;
};

/// Makes sure the executable `local_path` (on this machine) is at `remote_path` on the runner's
/// target, mode 0700: compares its SHA-256 with the target's copy first and copies only when
/// they differ (base64 through heredocs, in chunks, into a temp name that is checked and then
/// renamed). `remote_path` may start with "~/". Returns an Error naming the path and step.
boost::asio::awaitable<Status> InstallPlugin(CommandRunner& runner, std::string local_path,
                                             std::string remote_path);

}  // namespace firedrill
