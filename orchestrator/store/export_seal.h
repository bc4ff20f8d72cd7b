// The end line of a JSONL export: how many events and checkpoints it holds and the last of each,
// signed with the checkpoint key when the exporter can read it. Lines cut from an export (the
// newest checkpoints, say) no longer add up to its end line, and a cut export has no end line.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "drills/expected.h"
#include "orchestrator/store/sha256.h"
#include "orchestrator/store/signing_key.h"

namespace firedrill {

/// What an export's end line says about the export.
struct ExportSeal {
  bool complete = false;             ///< the header's "complete": unfiltered, everything exported
  std::int64_t events = 0;           ///< event lines written
  std::int64_t last_seq = 0;         ///< seq of the last event line (0 if none)
  Hash256 head_hash{};               ///< hash of that event (zeros if none)
  std::int64_t checkpoints = 0;      ///< checkpoint lines written
  std::int64_t last_checkpoint = 0;  ///< id of the last checkpoint line (0 if none)
  /// CheckpointHash of that checkpoint (zeros if none): it covers its signature and, through the
  /// checkpoints' own chain, every checkpoint before it.
  Hash256 last_checkpoint_hash{};
  std::string key_id;                    ///< the key that signed the seal; empty if unsigned
  std::vector<unsigned char> signature;  ///< Ed25519 over SealMessage; empty if unsigned
};

/// The bytes an end line's signature covers (153 bytes): "firedrill export end v1\n" (24 ASCII
/// bytes) | complete (1: 0 or 1) | events (8, little-endian) | last_seq (8) | head_hash (32)
/// | checkpoints (8) | last_checkpoint (8) | last_checkpoint_hash (32) | key id (32: the raw
/// SHA-256 that key_id spells in hex; zeros if it is not 64 lowercase hex digits).
std::vector<unsigned char> SealMessage(const ExportSeal& seal);

/// Signs `*seal` with `key` (sets key_id and signature). Fails if `key` holds no private half or
/// OpenSSL fails.
Status SignSeal(const SigningKey& key, ExportSeal* seal);

/// Returns the end line's object: {"type":"end","events",...,"last_checkpoint_hash"} plus
/// "key_id" and "signature" (hex) when signed.
boost::json::object SealJson(const ExportSeal& seal);

/// Reads an end line written by SealJson; fails naming the first missing or malformed field.
Expected<ExportSeal> SealFromJson(const boost::json::object& o);

}  // namespace firedrill
