// Closing runs whose process died: whoever restores their faults (`firedrill recover`, a run
// that restores leftovers before it starts, the daemon at its restart) ends them in the record
// as interrupted, with what was restored, by which command, and whether each was verified, so
// that no run stays "in progress" for ever.
#pragma once

#include <string>
#include <vector>

#include "drills/expected.h"
#include "orchestrator/engine/restorer.h"
#include "orchestrator/store/database.h"

namespace firedrill {

/// One run closed as interrupted.
struct ClosedRun {
  std::string run_id;
  std::string drill_id;
  int restored = 0;      ///< its faults restored now
  int verified = 0;      ///< of those, confirmed gone by their kind's check
  int not_restored = 0;  ///< its faults still in place (then it ends restore-incomplete)
};

/// Ends every run that is open in the records but whose process no longer runs (the runs
/// table), and every run that owned an entry of `restored` (the leftovers `actor` just tried):
/// records `run-ended` {outcome: "interrupted", restored: [...], closed_by} — or, when one of
/// its faults could not be restored, `restore-incomplete` listing what remains — and marks the
/// run ended. Runs that already have an ending, and runs whose process still lives, are left
/// alone. Must not be called while a transaction is open on `db`.
Expected<std::vector<ClosedRun>> CloseInterruptedRuns(Database& db,
                                                      const std::vector<LeftoverRestore>& restored,
                                                      const std::string& actor);

/// The lines that tell a person what a restore of leftovers did: one per fault ("restored f1
/// (command on here; drill d, run r): verified by its check", or why it failed and how to undo
/// it by hand) and one per run closed.
std::string LeftoversText(const std::vector<LeftoverRestore>& restored,
                          const std::vector<ClosedRun>& closed);

}  // namespace firedrill
