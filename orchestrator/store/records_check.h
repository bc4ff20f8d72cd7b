// Verifying the whole record: the event chain, the signed checkpoints against it, and, when one is
// given, the checkpoints a witness holds outside the state directory.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "drills/expected.h"
#include "orchestrator/store/chain_verifier.h"
#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/signing_key.h"
#include "orchestrator/store/witness.h"
#include "orchestrator/store/witness_check.h"

namespace firedrill {

/// The outcome of checking the checkpoints against a log.
struct CheckpointReport {
  bool ok = true;
  std::int64_t total = 0;     ///< checkpoints found
  std::int64_t verified = 0;  ///< those that passed every check (all of them when ok)
  /// The last checkpoint that passed, if any: when ok, the newest one.
  std::optional<Checkpoint> last_verified;
  std::optional<std::int64_t> bad_checkpoint;  ///< id of the first bad checkpoint, if any
  /// The first bad event the problem names (a missing or rewritten event), if it names one.
  std::optional<std::int64_t> first_bad_seq;
  /// What is wrong, for people, e.g. "checkpoint 3 was altered or forged: ...". Empty if ok.
  std::string problem;
};

/// Checks `checkpoints` (in stored order) against a log whose highest seq is `last_seq`:
///  - none at all, although `key` exists: firedrill creates the key with the first checkpoint, so
///    they were deleted (or the copy predates the first checkpoint);
///  - ids run 1, 2, 3, ... (a gap: "checkpoint N missing (deleted?)", naming the events it
///    covered when the next one, version 2, says);
///  - each prev_hash is the CheckpointHash of the one before; a version 2 checkpoint's prev_seq
///    is the seq of the one before; no version 1 checkpoint follows a version 2 one;
///  - the last checkpoint's signature verifies with `key`; together with the links this
///    authenticates every checkpoint. When anything fails, every signature is checked to name the
///    first checkpoint that was altered or forged;
///  - every checkpoint names `key` in key_id (an edit shows for version 1 too, whose signature
///    does not cover it);
///  - seq never decreases from one checkpoint to the next;
///  - event `seq` exists and has hash head_hash. A missing event below the checkpoint means the
///    log was truncated or an event deleted: the report names the first missing event.
/// Stops at the first bad checkpoint. An Error means a lookup failed, not that the log is bad.
Expected<CheckpointReport> CheckCheckpoints(std::span<const Checkpoint> checkpoints,
                                            const SigningKey& key, std::int64_t last_seq,
                                            const EventHashLookup& hash_at);

/// Problems of a copy of the records as a whole, beyond its chain and checkpoints: an export whose
/// end line does not add up to the lines it holds.
struct CopyReport {
  std::vector<std::string> problems;           ///< each names the line; empty if none
  std::optional<std::int64_t> first_bad_seq;   ///< the first event known to be missing
  std::optional<std::int64_t> bad_checkpoint;  ///< the first checkpoint known to be missing
};

/// The outcome of verifying the whole record: the event chain, its checkpoints, the copy itself
/// (an export) and, if one was given, a witness.
struct RecordsReport {
  VerifyReport chain;
  CheckpointReport checkpoints;
  CopyReport copy;
  std::optional<WitnessReport> witness;  ///< set iff a witness was checked
  std::int64_t last_seq = 0;             ///< highest event seq present (0 if none)
  /// What this check could not cover, for people (not problems), e.g. an export's end line that
  /// is not signed.
  std::vector<std::string> notes;

  /// True iff the chain, the checkpoints, the copy and the witness (if any) are intact.
  bool ok() const {
    return chain.ok && checkpoints.ok && copy.problems.empty() && (!witness || witness->ok);
  }
  /// Events after the last verified checkpoint: not (yet) protected against truncation.
  std::int64_t EventsNotCovered() const;
  /// The first bad event named by any check (the lowest seq), if any.
  std::optional<std::int64_t> FirstBadSeq() const;
  /// The lowest bad checkpoint named by any check, if any.
  std::optional<std::int64_t> BadCheckpoint() const;
  /// Every problem found: chain, checkpoints, copy, then the witness's; empty when ok.
  std::vector<std::string> Problems() const;
};

/// Verifies the chain (EventLog::Verify), every checkpoint (CheckCheckpoints) and, when `witness`
/// is given (one origin, see SelectOrigin), the records against it (CheckAgainstWitness), all from
/// one consistent snapshot of `db`, so that a drill appending meanwhile cannot cause a false
/// alarm. `key` may be null only when there are no checkpoints; otherwise the Error says that a
/// key is needed (the state directory's or --pubkey). Reads only. An Error means the records could
/// not be read, not that they are bad.
Expected<RecordsReport> VerifyRecords(Database& db, const SigningKey* key,
                                      const WitnessSource* witness = nullptr);

}  // namespace firedrill
