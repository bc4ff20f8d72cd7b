// Restores faults recorded in the ledger: the one path every ending takes (window end, abort,
// guard trip, signal, and recovery after a crash). Never marks a fault restored that its check
// did not confirm.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "drills/expected.h"
#include "faults/fault.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_payloads.h"
#include "orchestrator/store/fault_ledger.h"

namespace firedrill {

/// The result of restoring one ledger entry.
struct RestoreResult {
  /// true iff restored: verified by the kind's check, or (a fault nothing can check) its restore
  /// succeeded
  bool restored = false;
  std::string message;    ///< what was done, or why it failed
  std::string manual;     ///< for failures: commands a person can run to undo it by hand
  bool verified = false;  ///< restored and confirmed gone by the kind's check
};

/// What undoing one fault on its target found, before anything is recorded.
struct RestoreAttempt {
  bool restored = false;  ///< true iff undone and verified (or unobservable and the restore ran)
  bool checked = false;   ///< true iff the fault's check confirmed it (false: no check exists)
  std::string message;    ///< what was done, or why it failed
  std::string manual;     ///< commands a person can run to undo it by hand
};

/// Undoes one fault: runs the spec's `restore` command when it has one, else the kind's own
/// restore, then verifies with the kind's check (a fault that cannot be checked counts as
/// restored when its restore succeeded, and the attempt says it was not checked). Touches no
/// record. A coroutine: the commands run on the caller's executor.
boost::asio::awaitable<RestoreAttempt> AttemptRestore(Fault& fault, const FaultContext& ctx,
                                                      std::string state);

/// The payload of a `fault-restored` or `restore-failed` event about ledger entry `e`: fault,
/// kind, target, run, verified, message. The one shape every restoring path records.
FaultRestored RestorePayload(const LedgerEntry& e, bool verified, const std::string& message);

/// Records an attempt: the ledger entry's new status and a `fault-restored` or `restore-failed`
/// event (actor `actor`). Returns the outcome; a ledger that cannot be updated makes it a
/// failure, so a fault is never reported restored without a record saying so.
RestoreResult RecordRestore(Database& db, const LedgerEntry& entry, const RestoreAttempt& attempt,
                            const std::string& actor);

/// Restores one entry: rebuilds the fault from the drill text stored in the ledger (with the
/// plugin executables the ledger names when this process's plugin search path does not find the
/// drill's plugins; when it cannot be rebuilt, the failure carries the ledger's text for undoing
/// it by hand: the plugin's `manual` and the exact restore command), makes sure no
/// process its inject started still runs (KillRecordedProcesses on each one the ledger holds; if
/// that cannot be made sure, the restore fails), runs the fault's `restore` override or the
/// kind's own restore, verifies with the kind's check, and records the outcome in the ledger and
/// the event log (actor `actor`). A coroutine: the commands run on the caller's executor.
boost::asio::awaitable<RestoreResult> RestoreLedgerEntry(Database& db, LedgerEntry entry,
                                                         std::string actor);

/// One ledger entry that a restore of leftovers tried, and how it went.
struct LeftoverRestore {
  LedgerEntry entry;     ///< as the ledger held it before (its status then: injecting, ...)
  RestoreResult result;  ///< restored (and whether verified) or why not
};

/// Restores every outstanding ledger entry once, newest first. Returns every entry tried with
/// its result (restored ones included, so that callers can say what was restored); those not
/// restored remain in place.
boost::asio::awaitable<Expected<std::vector<LeftoverRestore>>> RestoreOutstanding(
    Database& db, std::string actor);

/// The entries of `tried` that were not restored.
std::vector<std::pair<LedgerEntry, RestoreResult>> NotRestored(
    const std::vector<LeftoverRestore>& tried);

}  // namespace firedrill
