// The fault ledger: what was injected where, with the prior state needed to undo it. Written and
// committed before a fault is applied, so that a crash at any moment leaves enough on disk to
// restore everything on the next start.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "drills/drill.h"
#include "drills/expected.h"
#include "faults/process_identity.h"
#include "orchestrator/store/database.h"

namespace firedrill {

enum class LedgerStatus { kInjecting, kInjected, kRestored, kRestoreFailed };

/// Returns "injecting", "injected", "restored" or "restore-failed".
std::string_view LedgerStatusName(LedgerStatus status);

struct LedgerEntry {
  std::int64_t id = 0;
  std::string run_id;
  std::string drill_id;
  std::string fault_id;
  std::string kind;
  std::string target;
  std::string drill_source;  ///< the drill file's text at run time
  std::string drill_file;    ///< its path, for messages
  std::string state;         ///< the fault's prior state (JSON) from Fault::Prepare
  LedgerStatus status = LedgerStatus::kInjecting;
  SysTime created;
  SysTime updated;
  std::string note;  ///< the last restore error, for restore-failed entries
  /// The processes the fault's inject started, each recorded before it was let run (AddProcess):
  /// whoever restores the fault later first makes sure none of them still runs.
  std::vector<ProcessIdentity> processes;
  /// The plugin executables (paths on this machine) of every plugin kind the drill uses: a
  /// restore loads the recorded drill with these when the plugin search path does not find them.
  std::vector<std::string> plugins;
  /// How to undo the fault by hand, as the run would print it (a plugin's `manual` text and the
  /// exact restore command with the recorded state); "" when not known (older records).
  std::string manual;
};

/// Access to the fault_ledger table. Holds a Database& it does not own; one thread at a time.
class FaultLedger {
 public:
  explicit FaultLedger(Database& db) : db_(db) {}

  /// Records an entry with status kInjecting (its plugins and manual text included) and returns
  /// its id. The row is committed
  /// (synchronous=FULL) when this returns: only then may the fault be applied.
  Expected<std::int64_t> RecordIntent(const LedgerEntry& entry);

  /// Sets the status of entry `id` (and `note`, e.g. why a restore failed).
  Status SetStatus(std::int64_t id, LedgerStatus status, std::string_view note = "");

  /// Replaces the state of entry `id` (the state Fault::InjectAndCapture returned), committed
  /// when this returns. An unknown id is an Error naming it.
  Status SetState(std::int64_t id, std::string_view state);

  /// Replaces how to undo entry `id` by hand (LedgerEntry::manual; it names the state, which
  /// inject may have changed). An unknown id is an Error naming it.
  Status SetManual(std::int64_t id, std::string_view manual);

  /// Adds `process` to the processes of entry `id`, committed when this returns: only then may
  /// the process be let run. An unknown id is an Error naming it.
  Status AddProcess(std::int64_t id, const ProcessIdentity& process);

  /// Returns every entry not yet restored (injecting, injected, restore-failed), oldest first:
  /// the faults that may still be in place.
  Expected<std::vector<LedgerEntry>> Outstanding();

  /// Returns every entry of one run, oldest first.
  Expected<std::vector<LedgerEntry>> ForRun(std::string_view run_id);

 private:
  Expected<std::vector<LedgerEntry>> Query(std::string_view where, std::string_view arg);
  Database& db_;
};

}  // namespace firedrill
