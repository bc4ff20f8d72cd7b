// Checks a stored hash chain event by event, with the SHA-256 work on a helper thread so that
// verifying keeps up with reading the events from SQLite.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "drills/expected.h"
#include "orchestrator/store/sha256.h"

namespace firedrill {

/// The outcome of verifying a chain.
struct VerifyReport {
  bool ok = true;
  /// Events that passed every check: all of them when ok, else those before the first bad one.
  std::int64_t events_checked = 0;
  /// The first event found bad (for a gap: the first missing seq). Set iff !ok.
  std::optional<std::int64_t> first_bad_seq;
  /// What is wrong with it, for people, e.g. "event 7 was altered: hash mismatch". Empty if ok.
  std::string problem;
  /// Hash of the last good event (32 zero bytes if none): when ok, the head of the chain. Keep
  /// it somewhere else (a postmortem, a ticket) to also detect truncation or a re-hashed chain,
  /// which no self-contained hash chain can.
  Hash256 head_hash{};
};

/// One event as stored, viewed in place. The views need only live until Add() returns.
struct StoredEventView {
  std::int64_t seq = 0;
  std::int64_t ts_ms = 0;
  std::string_view drill_id;
  std::string_view kind;
  std::string_view actor;
  std::string_view payload_json;
  std::span<const unsigned char> prev_hash;  ///< as stored; may have the wrong length
  std::span<const unsigned char> hash;       ///< as stored; may have the wrong length
};

/// Verifies events fed in seq order, starting with the first one stored: seq must run 1, 2, 3...
/// without gaps, each prev_hash must equal the previous event's hash, and each hash must equal
/// the recomputed one. Reports the first bad event.
///
/// The caller's thread does the order and link checks and encodes; one helper thread hashes,
/// in batches. Both run in parallel, which matters on a machine with few cores. If the thread
/// cannot be started, hashing happens inline. Move-only; one thread drives it (Add, Finish).
/// Destroying it without Finish() stops and joins the helper.
class ChainVerifier {
 public:
  /// Fetches SHA-256 and starts the helper thread. Fails only if OpenSSL is unusable.
  static Expected<ChainVerifier> Start();

  /// Moves the verifier (and its running helper); the moved-from object must not be used.
  ChainVerifier(ChainVerifier&& other) noexcept;
  ChainVerifier& operator=(ChainVerifier&& other) noexcept;
  ChainVerifier(const ChainVerifier&) = delete;
  ChainVerifier& operator=(const ChainVerifier&) = delete;
  /// Stops and joins the helper thread if still running.
  ~ChainVerifier();

  /// Checks the next event. Returns false once a bad event has been found (by either thread):
  /// the outcome is decided and the caller may stop reading.
  bool Add(const StoredEventView& event);

  /// Waits for all hashing to finish and returns the report. Call at most once; Add() must not
  /// be called afterwards. Fails only if OpenSSL fails while hashing.
  Expected<VerifyReport> Finish();

 private:
  struct State;
  explicit ChainVerifier(std::unique_ptr<State> state);

  std::unique_ptr<State> state_;
};

}  // namespace firedrill
