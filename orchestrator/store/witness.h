// A witnessed checkpoint: the copy of a signed checkpoint that firedrill publishes outside the
// state directory (an append-only file on another volume, syslog, an HTTP service), and the
// reading of such copies back for `records verify --witness`.
//
// Whoever can rewrite the state directory can also re-sign it: the key lives there. A copy of each
// checkpoint kept where that person cannot reach pins the log as it was when the checkpoint was
// signed (Certificate Transparency's signed tree heads, and the witnesses of transparency logs,
// do the same for their logs): a rewritten or truncated log, or a deleted checkpoint, no longer
// matches the copy, whoever holds the key.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drills/expected.h"
#include "orchestrator/store/checkpoint.h"

namespace firedrill {

/// The word that marks a witnessed checkpoint: its "type", and the prefix of the syslog message.
inline constexpr std::string_view kWitnessTag = "firedrill-checkpoint";

/// One checkpoint as a witness holds it.
struct WitnessedCheckpoint {
  /// Which records it belongs to (the witness list's `origin`): one witness may serve several
  /// state directories.
  std::string origin;
  Checkpoint checkpoint;
  std::int64_t line = 0;  ///< where it was found: 1-based line of the witness source
};

/// What a witness source held, for one origin or several.
struct WitnessSource {
  std::string name;                              ///< the file or URL it was read from, for messages
  std::vector<WitnessedCheckpoint> checkpoints;  ///< in the order the source holds them
  std::int64_t lines = 0;                        ///< lines read
};

/// Returns the line a witness receives for checkpoint `cp` of the records `origin` (JSON, no line
/// break): {"type":"firedrill-checkpoint","origin":...} followed by the fields of CheckpointJson.
std::string WitnessRecord(const Checkpoint& cp, std::string_view origin);

/// Reads witnessed checkpoints from `text` (`name` names it in messages). A line holds one when
/// it is, or ends with, a witness record: the record itself (a witness file, an HTTP witness's
/// answer), a syslog line "... firedrill-checkpoint {...}" (journalctl -o short or -o cat), or a
/// journal export line (journalctl -o json) whose MESSAGE is such a line. Lines without the tag are
/// skipped (a journal holds other messages). Fails, naming the source and line, on a line that
/// carries the tag but no valid record, and when no line holds one at all.
Expected<WitnessSource> ParseWitnessText(std::string_view text, std::string name);

/// Keeps the checkpoints of one origin: `origin` when given, else the only one the source holds.
/// Fails, listing the origins present, when `origin` is absent from the source or when none is
/// given and there are several.
Expected<WitnessSource> SelectOrigin(const WitnessSource& source,
                                     const std::optional<std::string>& origin);

}  // namespace firedrill
