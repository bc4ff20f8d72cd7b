// The canonical byte encoding of an event and its SHA-256: the core of the tamper-evident chain.
// Part of the on-disk format: changing it breaks verification of every existing log.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "orchestrator/store/sha256.h"

namespace firedrill {

/// The fields an event's hash covers, viewed in place (nothing is copied). The views must stay
/// valid for the duration of the call they are passed to.
struct EventHashInput {
  std::span<const unsigned char, 32> prev_hash;  ///< hash of the previous event (genesis: zeros)
  std::int64_t seq = 0;
  std::int64_t ts_ms = 0;  ///< milliseconds since the Unix epoch, UTC
  std::string_view drill_id;
  std::string_view kind;
  std::string_view actor;
  std::string_view payload_json;
};

/// Returns the size of the encoding of `in`.
std::size_t EncodedEventSize(const EventHashInput& in);

/// Writes the encoding of `in`, exactly EncodedEventSize(in) bytes, at `out`:
///   prev_hash (32 bytes) | seq (8, little-endian) | ts_ms (8, little-endian two's complement)
///   | drill_id, kind, actor, payload_json: each as its byte length (8, little-endian) followed by
///   its bytes.
/// Fixed-width integers and length-prefixed strings make the encoding unambiguous: no two
/// different events encode to the same bytes.
void EncodeEvent(const EventHashInput& in, unsigned char* out);

/// Appends the encoding of `in` to `*out`. Convenience form of EncodeEvent.
void EncodeEventForHash(const EventHashInput& in, std::vector<unsigned char>* out);

/// Computes the event hash, SHA-256 of the encoding, into `*out`, using `*scratch` as the
/// encoding buffer (grown when needed, never shrunk; reuse it across calls to avoid allocation).
/// Returns false only if OpenSSL fails.
[[nodiscard]] bool HashEvent(const EventHashInput& in, Sha256& sha,
                             std::vector<unsigned char>* scratch, Hash256* out);

}  // namespace firedrill
