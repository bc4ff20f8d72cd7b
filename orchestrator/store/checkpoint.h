// Signed checkpoints of the event log: "at time T the log ended at event S with hash H", signed
// with the state directory's Ed25519 key. A hash chain alone cannot show that its newest events
// were deleted; a checkpoint can, for every event up to the last checkpoint.
//
// Checkpoints form a chain of their own: each signs the hash of the one before, so one valid
// signature (the last one's) vouches for all earlier checkpoints, and verifying stays fast however
// many there are. Part of the on-disk format: changing the signed encoding breaks every existing
// checkpoint.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "drills/expected.h"
#include "orchestrator/store/chain_verifier.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/sha256.h"
#include "orchestrator/store/signing_key.h"

namespace firedrill {

/// One checkpoint as stored (or as read from an export).
struct Checkpoint {
  std::int64_t id = 0;   ///< 1, 2, 3, ... in the order they were written
  std::int64_t seq = 0;  ///< the last event it covers (0: the log was empty)
  SysTime ts;            ///< when it was written (UTC, millisecond precision)
  Hash256 head_hash{};   ///< hash of event `seq` (32 zero bytes when seq is 0)
  /// CheckpointHash of the checkpoint before it; 32 zero bytes for checkpoint 1.
  Hash256 prev_hash{};
  std::string key_id;  ///< SigningKey::id() of the key that signed it (informational)
  std::vector<unsigned char> signature;  ///< Ed25519 signature of CheckpointMessage; 64 bytes
  /// False if a stored hash had the wrong length (only possible by editing the database).
  bool well_formed = true;
};

/// The bytes a checkpoint's signature covers (112 bytes):
///   "firedrill checkpoint v1\n" (24 ASCII bytes) | id (8, little-endian) | seq (8, LE)
///   | ts_ms (8, LE, milliseconds since the Unix epoch) | head_hash (32) | prev_hash (32).
std::vector<unsigned char> CheckpointMessage(const Checkpoint& cp);

/// The hash that the next checkpoint's prev_hash must equal: SHA-256 of CheckpointMessage(cp)
/// followed by cp.signature. Returns false only if OpenSSL fails.
[[nodiscard]] bool CheckpointHash(const Checkpoint& cp, Sha256& sha, Hash256* out);

/// Signs and appends a checkpoint of the current head of the log, in one write transaction.
/// The first checkpoint creates the key (SigningKey::LoadOrCreate); later ones need the same key
/// and refuse, naming the file, if it is missing or different (a new key would make the earlier
/// checkpoints unverifiable). Before signing, checks that the log still extends the previous
/// checkpoint: that checkpoint's signature, that event `seq` still has its hash, and every event
/// after it (sequence, links, hashes); from the first event when there is no checkpoint yet. It
/// refuses, naming the bad event or checkpoint, to sign a log that does not pass. Must not be
/// called while a transaction is open on `db`; `db` must be read-write and in `state_dir`.
Expected<Checkpoint> WriteCheckpoint(Database& db, const std::filesystem::path& state_dir);

/// Returns every stored checkpoint in id order. Needs schema version 3 or later.
Expected<std::vector<Checkpoint>> ListCheckpoints(const Database& db);

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

/// Looks up the stored hash of event `seq`; nullopt if there is no such event.
using EventHashLookup = std::function<Expected<std::optional<Hash256>>(std::int64_t seq)>;

/// Checks `checkpoints` (in stored order) against a log whose highest seq is `last_seq`:
///  - ids run 1, 2, 3, ... (a gap: "checkpoint N missing (deleted?)");
///  - each prev_hash is the CheckpointHash of the one before, and the last checkpoint's signature
///    verifies with `key`; together these authenticate every checkpoint. When either fails, every
///    signature is checked to name the first checkpoint that was altered or forged;
///  - seq never decreases from one checkpoint to the next;
///  - event `seq` exists and has hash head_hash. A missing event below the checkpoint means the
///    log was truncated or an event deleted: the report names the first missing event.
/// Stops at the first bad checkpoint. An Error means a lookup failed, not that the log is bad.
Expected<CheckpointReport> CheckCheckpoints(std::span<const Checkpoint> checkpoints,
                                            const SigningKey& key, std::int64_t last_seq,
                                            const EventHashLookup& hash_at);

/// The outcome of verifying the whole record: the event chain and its checkpoints.
struct RecordsReport {
  VerifyReport chain;
  CheckpointReport checkpoints;
  std::int64_t last_seq = 0;  ///< highest event seq present (0 if none)

  /// True iff both the chain and the checkpoints are intact.
  bool ok() const { return chain.ok && checkpoints.ok; }
  /// Events after the last verified checkpoint: not (yet) protected against truncation.
  std::int64_t EventsNotCovered() const;
  /// The first bad event named by either check (the lower seq), if any.
  std::optional<std::int64_t> FirstBadSeq() const;
  /// Every problem found, chain first; empty when ok.
  std::vector<std::string> Problems() const;
};

/// Verifies the chain (EventLog::Verify) and every checkpoint (CheckCheckpoints), all from one
/// consistent snapshot of `db`, so that a drill appending meanwhile cannot cause a false alarm.
/// `key` may be null only when there are no checkpoints; otherwise the Error says that a key is
/// needed (the state directory's or --pubkey). Reads only. An Error means the records could not
/// be read, not that they are bad.
Expected<RecordsReport> VerifyRecords(Database& db, const SigningKey* key);

}  // namespace firedrill
