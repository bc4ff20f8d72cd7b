// Checking records (a database or an export) against the checkpoints a witness holds: every
// witnessed checkpoint must still be in the records, unchanged, and the event it names must still
// have the hash it signed. Because the witness copy lives outside the state directory, this holds
// even against someone who holds the signing key.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "drills/expected.h"
#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/signing_key.h"
#include "orchestrator/store/witness.h"

namespace firedrill {

/// The outcome of checking records against one witness source (one origin).
struct WitnessReport {
  bool ok = true;
  std::string source;          ///< the witness source's name
  std::string origin;          ///< the records it was checked for
  std::int64_t witnessed = 0;  ///< distinct checkpoints the witness holds for the origin
  /// The newest checkpoint the witness holds (highest id; the first line published for it).
  std::optional<Checkpoint> last_witnessed;
  std::int64_t last_witnessed_line = 0;  ///< its line in the source
  /// Checkpoints of the records newer than the last witnessed one: published after the witness
  /// was read, or their publication failed. Not protected by this witness.
  std::int64_t unwitnessed = 0;
  /// Everything wrong, each naming the checkpoint, the event and the witness line. Empty if ok.
  std::vector<std::string> problems;
  std::optional<std::int64_t> first_bad_seq;   ///< the first bad event a problem names
  std::optional<std::int64_t> bad_checkpoint;  ///< the lowest checkpoint id a problem names
};

/// Checks `records` (the checkpoints of a database or export, in id order) of a log whose highest
/// seq is `last_seq` against `witness` (one origin, see SelectOrigin):
///  - the witness itself: two different lines for one checkpoint id (re-signed and published
///    again), a witnessed checkpoint that does not extend the witnessed one before it, and, with
///    `key`, a line not signed by `key`;
///  - every witnessed checkpoint is in `records`, field for field (missing: deleted; different:
///    re-signed or edited);
///  - the event each witnessed checkpoint names exists with the hash it signed (missing:
///    truncated or deleted; different: rewritten), reported for the first one that fails.
/// `key` may be null (records without checkpoints and no key): the signatures of witness lines
/// are then not checked, everything else is. An Error means a lookup failed, not that the records
/// are bad.
Expected<WitnessReport> CheckAgainstWitness(const WitnessSource& witness,
                                            std::span<const Checkpoint> records,
                                            const SigningKey* key, std::int64_t last_seq,
                                            const EventHashLookup& hash_at);

}  // namespace firedrill
