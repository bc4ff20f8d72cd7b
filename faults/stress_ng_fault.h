// What cpu.stress and memory.stress share: a stress-ng run started detached in a session of its
// own, found again through a token in its environment, and stopped by killing its process group.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "drills/duration.h"
#include "drills/expected.h"
#include "faults/fault.h"

namespace firedrill {

/// The environment variable carrying a stress fault's token; only the stress-ng main process
/// keeps it (stress-ng rewrites its workers' environment when it renames them).
inline constexpr char kStressTokenVariable[] = "FIREDRILL_FAULT_TOKEN";

/// stress-ng's own time limit. The engine restores the fault when the window ends; this bound
/// only matters if firedrill is lost for good (crashed and never restarted), so that stressors
/// do not run forever. A window longer than this would see the load stop early.
inline constexpr Duration kStressNgTimeout = std::chrono::hours(24);

/// One process of a stress-ng run as /proc/PID/stat describes it.
struct StressProcess {
  int pid = 0;       ///< the process id
  std::string comm;  ///< e.g. "stress-ng", "stress-ng-cpu"
  char state = '?';  ///< 'R', 'S', 'Z', ...
  int pgid = 0;      ///< the process group id
};

/// Parses /proc/PID/stat lines (one per line; others are skipped). The command name may hold
/// spaces and parentheses: it ends at the last ')'.
std::vector<StressProcess> ParseProcStat(std::string_view text);

/// A fault that runs stress-ng with kind-specific options. State: {"token", "args"}.
class StressNgFault : public Fault {
 public:
  /// Checks that stress-ng exists and accepts the options (--dry-run), and makes a fresh token.
  boost::asio::awaitable<Expected<std::string>> Prepare(const FaultContext& ctx) override;
  /// Starts stress-ng detached (setsid, output discarded) with the recorded options and token,
  /// and waits until its main process is seen.
  boost::asio::awaitable<Status> Inject(const FaultContext& ctx, const std::string& state) override;
  /// Returns true iff a live stress-ng process carries the token.
  boost::asio::awaitable<Expected<bool>> Check(const FaultContext& ctx,
                                               const std::string& state) override;
  /// Sends SIGTERM to the run's process group, SIGKILL if it is still there after 2 s, and
  /// waits until none of its processes is left. Succeeds at once if none is running.
  boost::asio::awaitable<Status> Restore(const FaultContext& ctx,
                                         const std::string& state) override;
  /// Returns a shell loop that finds the run by its token and kills its process group.
  std::string ManualRestore(const FaultContext& ctx, const std::string& state) override;

 protected:
  /// Returns this kind's stress-ng options (e.g. "--cpu 2 --cpu-load 80"), without --timeout,
  /// measuring on the target what they depend on; or an Error saying why the fault is refused.
  virtual boost::asio::awaitable<Expected<std::string>> StressOptions(const FaultContext& ctx) = 0;
};

}  // namespace firedrill
