// A checkpoint as JSON: the one form an export line and a witness line share, so that a copy of a
// checkpoint anywhere can be compared field by field with the one in the database.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "drills/expected.h"
#include "orchestrator/store/checkpoint.h"

namespace firedrill {

/// Returns {"version", "id", "seq", "ts", "head_hash", "prev_hash", "prev_seq", "key_id",
/// "signature"}: times as FormatRecordTime, hashes and the signature as lowercase hex. prev_seq is
/// left out for version 1 checkpoints, whose signature does not cover it.
boost::json::object CheckpointJson(const Checkpoint& cp);

/// Reads a checkpoint written by CheckpointJson. A missing "version" means 1 (exports made before
/// version 2 existed). Fails with a message naming the first field that is missing or malformed
/// (e.g. "\"head_hash\" is not 64 lowercase hex digits"), or an unknown version.
Expected<Checkpoint> CheckpointFromJson(const boost::json::object& o);

}  // namespace firedrill
