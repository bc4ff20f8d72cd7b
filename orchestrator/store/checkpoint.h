// Signed checkpoints of the event log: "at time T the log ended at event S with hash H", signed
// with the state directory's Ed25519 key. A hash chain alone cannot show that its newest events
// were deleted; a checkpoint can, for every event up to the last checkpoint.
//
// Checkpoints form a chain of their own: each signs the hash of the one before and (version 2)
// the event count that one covered and the id of the signing key, so deleting or editing one
// shows from the next, and one valid signature (the last one's) vouches for all earlier ones.
// Part of the on-disk format: changing a signed encoding breaks every existing checkpoint, so a
// new encoding is a new version and the old ones keep verifying as they did.
//
// Checking checkpoints against a log is in records_check.h; copies kept outside the state
// directory (witnesses) are in witness*.h.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "drills/drill.h"
#include "drills/expected.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/sha256.h"

namespace firedrill {

/// Version 1: signs id, seq, ts, head_hash and prev_hash. Written until schema 8.
inline constexpr int kCheckpointV1 = 1;
/// Version 2: also signs prev_seq and the signing key's id. Written from schema 8 on.
inline constexpr int kCheckpointV2 = 2;

/// One checkpoint as stored (or as read from an export or a witness).
struct Checkpoint {
  int version = kCheckpointV2;  ///< which encoding its signature covers (CheckpointMessage)
  std::int64_t id = 0;          ///< 1, 2, 3, ... in the order they were written
  std::int64_t seq = 0;         ///< the last event it covers (0: the log was empty)
  SysTime ts;                   ///< when it was written (UTC, millisecond precision)
  Hash256 head_hash{};          ///< hash of event `seq` (32 zero bytes when seq is 0)
  /// CheckpointHash of the checkpoint before it; 32 zero bytes for checkpoint 1.
  Hash256 prev_hash{};
  /// Version 2: the seq of the checkpoint before it (0 for checkpoint 1). Version 1: not signed,
  /// always 0.
  std::int64_t prev_seq = 0;
  /// SigningKey::id() of the key that signed it. Version 2 signs it; for version 1 the verifier
  /// checks it against the key (records_check.h), so an edit shows either way.
  std::string key_id;
  std::vector<unsigned char> signature;  ///< Ed25519 signature of CheckpointMessage; 64 bytes
  /// False if a stored hash had the wrong length (only possible by editing the database).
  bool well_formed = true;
};

/// The bytes a checkpoint's signature covers.
///   Version 1 (112 bytes): "firedrill checkpoint v1\n" (24 ASCII bytes) | id (8, little-endian)
///     | seq (8, LE) | ts_ms (8, LE, milliseconds since the Unix epoch) | head_hash (32)
///     | prev_hash (32).
///   Version 2 (152 bytes): "firedrill checkpoint v2\n" | id | seq | ts_ms | head_hash
///     | prev_hash | prev_seq (8, LE) | key id (32: the raw SHA-256 that key_id spells in hex;
///     32 zero bytes if key_id is not 64 lowercase hex digits, which then never verifies).
std::vector<unsigned char> CheckpointMessage(const Checkpoint& cp);

/// The hash that the next checkpoint's prev_hash must equal: SHA-256 of CheckpointMessage(cp)
/// followed by cp.signature. Returns false only if OpenSSL fails.
[[nodiscard]] bool CheckpointHash(const Checkpoint& cp, Sha256& sha, Hash256* out);

/// Signs and appends a version 2 checkpoint of the current head of the log, in one write
/// transaction. The first checkpoint creates the key (SigningKey::LoadOrCreate); later ones need
/// the same key and refuse, naming the file, if it is missing or different (a new key would make
/// the earlier checkpoints unverifiable). Before signing, checks that the log still extends the
/// previous checkpoint: that checkpoint's signature and key id, that event `seq` still has its
/// hash, and every event after it (sequence, links, hashes); from the first event when there is
/// no checkpoint yet. It refuses, naming the bad event or checkpoint, to sign a log that does not
/// pass. Does not publish the checkpoint to witnesses (witness_publish.h does). Must not be called
/// while a transaction is open on `db`; `db` must be read-write and in `state_dir`.
Expected<Checkpoint> WriteCheckpoint(Database& db, const std::filesystem::path& state_dir);

/// Returns every stored checkpoint in id order. Needs schema version 8 or later.
Expected<std::vector<Checkpoint>> ListCheckpoints(const Database& db);

/// Looks up the stored hash of event `seq` in whatever holds the log (the database, an export):
/// nullopt if there is no such event; an Error only if it cannot be read.
using EventHashLookup = std::function<Expected<std::optional<Hash256>>(std::int64_t seq)>;

}  // namespace firedrill
