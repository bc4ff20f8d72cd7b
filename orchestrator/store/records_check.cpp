#include "orchestrator/store/records_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

#include "drills/zoned_time.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/read_snapshot.h"
#include "orchestrator/store/statement.h"

namespace firedrill {
namespace {

constexpr std::string_view kEventHash = "SELECT hash FROM events WHERE seq = ?1";
constexpr std::string_view kLastSeq = "SELECT COALESCE(MAX(seq), 0) FROM events";

// The first 16 hex digits: enough to tell keys and hashes apart in a message.
std::string Short(std::string_view hex) { return std::string(hex.substr(0, 16)); }

Expected<std::optional<Hash256>> StoredEventHash(Statement& stmt, std::int64_t seq) {
  stmt.Reset();
  if (Status st = stmt.Bind(1, seq); !st) return st.error();
  auto row = stmt.Step();
  if (!row) return row.error();
  if (!*row) return std::optional<Hash256>();
  Hash256 h{};
  // A wrong-length stored hash can never equal a checkpoint's head: an all-zero stand-in whose
  // mismatch is reported (the chain check names the malformed event itself).
  auto blob = stmt.ColumnBlob(0);
  if (blob.size() == h.size()) std::copy(blob.begin(), blob.end(), h.begin());
  return std::optional<Hash256>(h);
}

// Why checkpoint `cp` does not verify with `key`, for people.
std::string SignatureProblem(const Checkpoint& cp, const SigningKey& key) {
  if (cp.key_id != key.id()) {
    // An edited key_id breaks a version 2 signature; the same bytes with the real key id verify.
    Checkpoint as_signed = cp;
    as_signed.key_id = key.id();
    if (cp.version >= kCheckpointV2 && key.Verify(CheckpointMessage(as_signed), cp.signature)) {
      return fmt::format(
          "checkpoint {}'s key_id was edited: it names key {}, but it is signed by key {}", cp.id,
          Short(cp.key_id), Short(key.id()));
    }
    return fmt::format(
        "checkpoint {} was altered or forged: its signature does not verify with key {} (it "
        "names key {}; wrong --pubkey?)",
        cp.id, Short(key.id()), Short(cp.key_id));
  }
  return fmt::format(
      "checkpoint {} was altered or forged: its signature does not verify with key {}", cp.id,
      Short(key.id()));
}

// The problem with the link from checkpoints[i - 1] (or the genesis) to checkpoints[i], if any.
std::optional<std::string> LinkProblem(std::span<const Checkpoint> checkpoints, std::size_t i,
                                       const Hash256& link) {
  const Checkpoint& cp = checkpoints[i];
  if (!cp.well_formed) return fmt::format("checkpoint {} was altered: malformed hash", cp.id);
  if (cp.version != kCheckpointV1 && cp.version != kCheckpointV2) {
    return fmt::format("checkpoint {} has version {}, which no firedrill writes (altered?)", cp.id,
                       cp.version);
  }
  if (i > 0 && cp.version < checkpoints[i - 1].version) {
    return fmt::format(
        "checkpoint {} is version {} after a version {} checkpoint (downgraded: altered or "
        "forged?)",
        cp.id, cp.version, checkpoints[i - 1].version);
  }
  if (cp.prev_hash != link) {
    if (cp.id == 1) return "checkpoint 1 was altered: its prev_hash is not the genesis value";
    return fmt::format(
        "checkpoint chain broken at checkpoint {}: prev_hash does not match checkpoint {} "
        "(altered, deleted or inserted?)",
        cp.id, cp.id - 1);
  }
  std::int64_t before = i > 0 ? checkpoints[i - 1].seq : 0;
  if (cp.version >= kCheckpointV2 && cp.prev_seq != before) {
    return fmt::format(
        "checkpoint {} says the checkpoint before it covered events up to #{}, but {} (altered "
        "or forged?)",
        cp.id, cp.prev_seq,
        i > 0 ? fmt::format("checkpoint {} covers events up to #{}", cp.id - 1, before)
              : std::string("it is the first"));
  }
  return std::nullopt;
}

}  // namespace

Expected<CheckpointReport> CheckCheckpoints(std::span<const Checkpoint> checkpoints,
                                            const SigningKey& key, std::int64_t last_seq,
                                            const EventHashLookup& hash_at) {
  CheckpointReport report;
  report.total = static_cast<std::int64_t>(checkpoints.size());
  const std::size_t n = checkpoints.size();
  if (n == 0) {
    // The key is created with the first checkpoint: a key with none means they were removed.
    report.ok = false;
    report.bad_checkpoint = 1;
    report.problem = fmt::format(
        "no checkpoints, but key {} exists: firedrill creates it with the first checkpoint, so "
        "the checkpoints were deleted (unless this copy was taken before the first checkpoint "
        "was signed)",
        Short(key.id()));
    return report;
  }
  auto sha = Sha256::Create();
  if (!sha) return sha.error();

  // 1. The checkpoints' own chain: ids in order, each linking to the one before.
  std::size_t link_bad = n;
  std::optional<std::int64_t> link_bad_id;
  std::string link_problem;
  Hash256 prev{};
  for (std::size_t i = 0; i < n; ++i) {
    const Checkpoint& cp = checkpoints[i];
    auto expected = static_cast<std::int64_t>(i) + 1;
    if (cp.id != expected) {
      link_bad = i;
      link_bad_id = cp.id > expected ? expected : cp.id;
      if (cp.id < expected) {
        link_problem = fmt::format("checkpoint {} is out of sequence (inserted?)", cp.id);
      } else {
        // A version 2 checkpoint names the event count of the one it follows.
        std::string covered =
            cp.version >= kCheckpointV2
                ? fmt::format("; checkpoint {} says checkpoint {} covered events up to #{}", cp.id,
                              cp.id - 1, cp.prev_seq)
                : std::string();
        link_problem = cp.id == expected + 1
                           ? fmt::format("checkpoint {} missing (deleted?){}", expected, covered)
                           : fmt::format("checkpoints {}..{} missing (deleted?){}", expected,
                                         cp.id - 1, covered);
      }
      break;
    }
    if (auto problem = LinkProblem(checkpoints, i, prev)) {
      link_bad = i;
      link_bad_id = cp.id;
      link_problem = std::move(*problem);
      break;
    }
    if (!CheckpointHash(cp, *sha, &prev)) return Error{"SHA-256 failed inside OpenSSL"};
  }

  // 2. Signatures. With every link intact, the last signature vouches for all checkpoints (one
  // Ed25519 verification, however many there are). Otherwise check each one, to name the first
  // that does not verify: that one was altered or forged.
  std::size_t authentic = link_bad;
  std::optional<std::string> sig_problem;
  auto signature_ok = [&](const Checkpoint& cp) {
    return key.Verify(CheckpointMessage(cp), cp.signature);
  };
  if (link_bad < n || !signature_ok(checkpoints[n - 1])) {
    std::size_t limit = std::min(link_bad + 1, n);
    for (std::size_t i = 0; i < limit; ++i) {
      const Checkpoint& cp = checkpoints[i];
      if (i == link_bad && link_bad_id != cp.id) break;  // a missing one: nothing to check here
      if (!signature_ok(cp)) {
        authentic = i;
        sig_problem = SignatureProblem(cp, key);
        break;
      }
    }
  }

  // 3. What the authentic checkpoints vouch for, in order; then the first inauthentic one.
  for (std::size_t i = 0; i <= authentic && i < n; ++i) {
    if (i == authentic) {
      const Checkpoint& cp = checkpoints[i];
      report.ok = false;
      if (sig_problem) {
        report.bad_checkpoint = cp.id;
        // Both wrong at once (a downgrade, a renumbering): say both, the link first.
        report.problem = link_bad == i && link_bad_id == cp.id
                             ? link_problem + "; and " + *sig_problem
                             : *sig_problem;
      } else {
        report.bad_checkpoint = link_bad_id;
        report.problem = link_problem;
      }
      return report;
    }
    const Checkpoint& cp = checkpoints[i];
    auto fail = [&](std::optional<std::int64_t> seq, std::string problem) {
      report.ok = false;
      report.bad_checkpoint = cp.id;
      report.first_bad_seq = seq;
      report.problem = std::move(problem);
      return report;
    };
    // Authentic, so signed by `key`: a version 1 checkpoint's key_id is outside its signature,
    // and one that names another key was edited.
    if (cp.key_id != key.id()) {
      return fail(std::nullopt,
                  fmt::format("checkpoint {}'s key_id was edited: it names key {}, but it is "
                              "signed by key {}",
                              cp.id, Short(cp.key_id), Short(key.id())));
    }
    if (i > 0 && cp.seq < checkpoints[i - 1].seq) {
      return fail(std::nullopt,
                  fmt::format("checkpoint {} covers fewer events (up to #{}) than checkpoint {} "
                              "(up to #{}): signed out of order",
                              cp.id, cp.seq, cp.id - 1, checkpoints[i - 1].seq));
    }
    if (cp.seq > 0) {
      auto stored = hash_at(cp.seq);
      if (!stored) return stored.error();
      if (!*stored) {
        if (cp.seq > last_seq) {
          return fail(
              last_seq + 1,
              fmt::format("events {}..{} missing (truncated?): checkpoint {} of {} vouches for "
                          "events up to #{}, but the log {}",
                          last_seq + 1, cp.seq, cp.id, FormatUtc(cp.ts), cp.seq,
                          last_seq == 0 ? std::string("is empty")
                                        : fmt::format("ends at event {}", last_seq)));
        }
        return fail(cp.seq, fmt::format("event {} missing (deleted?): checkpoint {} of {} vouches "
                                        "for it",
                                        cp.seq, cp.id, FormatUtc(cp.ts)));
      }
      if (**stored != cp.head_hash) {
        std::int64_t from = i > 0 ? checkpoints[i - 1].seq + 1 : 1;
        return fail(cp.seq,
                    fmt::format("event {} does not match checkpoint {} of {}: its hash is {}, the "
                                "checkpoint signed {}; events {}..{} were rewritten",
                                cp.seq, cp.id, FormatUtc(cp.ts), Short(Hex(**stored)),
                                Short(Hex(cp.head_hash)), from, cp.seq));
      }
    }
    ++report.verified;
    report.last_verified = cp;
  }
  return report;
}

std::int64_t RecordsReport::EventsNotCovered() const {
  std::int64_t covered = checkpoints.last_verified ? checkpoints.last_verified->seq : 0;
  return std::max<std::int64_t>(0, last_seq - covered);
}

std::optional<std::int64_t> RecordsReport::FirstBadSeq() const {
  std::optional<std::int64_t> first;
  for (const std::optional<std::int64_t>& seq :
       {chain.first_bad_seq, checkpoints.first_bad_seq, copy.first_bad_seq,
        witness ? witness->first_bad_seq : std::optional<std::int64_t>()}) {
    if (seq && (!first || *seq < *first)) first = seq;
  }
  return first;
}

std::optional<std::int64_t> RecordsReport::BadCheckpoint() const {
  std::optional<std::int64_t> lowest;
  for (const std::optional<std::int64_t>& id :
       {checkpoints.bad_checkpoint, copy.bad_checkpoint,
        witness ? witness->bad_checkpoint : std::optional<std::int64_t>()}) {
    if (id && (!lowest || *id < *lowest)) lowest = id;
  }
  return lowest;
}

std::vector<std::string> RecordsReport::Problems() const {
  std::vector<std::string> out;
  if (!chain.ok) out.push_back(chain.problem);
  if (!checkpoints.ok) out.push_back(checkpoints.problem);
  out.insert(out.end(), copy.problems.begin(), copy.problems.end());
  if (witness) out.insert(out.end(), witness->problems.begin(), witness->problems.end());
  return out;
}

Expected<RecordsReport> VerifyRecords(Database& db, const SigningKey* key,
                                      const WitnessSource* witness) {
  ReadSnapshot snapshot(db);
  if (Status st = snapshot.Begin(); !st) return st.error();
  RecordsReport report;
  auto chain = EventLog(db).Verify();
  if (!chain) return chain.error();
  report.chain = std::move(*chain);
  {
    auto stmt = Statement::Prepare(db, kLastSeq);
    if (!stmt) return stmt.error();
    auto row = stmt->Step();
    if (!row) return row.error();
    report.last_seq = *row ? stmt->ColumnInt64(0) : 0;
  }
  auto checkpoints = ListCheckpoints(db);
  if (!checkpoints) return checkpoints.error();
  if (!checkpoints->empty() && key == nullptr) {
    return Error{fmt::format(
        "{} checkpoint{} to check, but no key to check {} with: {} holds no {}; pass --pubkey "
        "FILE (from firedrill records pubkey on the original host)",
        checkpoints->size(), checkpoints->size() == 1 ? "" : "s",
        checkpoints->size() == 1 ? "it" : "them", db.path().parent_path().string(),
        SigningKey::kFileName)};
  }
  auto lookup = Statement::Prepare(db, kEventHash);
  if (!lookup) return lookup.error();
  EventHashLookup hash_at = [&](std::int64_t seq) { return StoredEventHash(*lookup, seq); };
  if (key != nullptr) {
    auto checked = CheckCheckpoints(*checkpoints, *key, report.last_seq, hash_at);
    if (!checked) return checked.error();
    report.checkpoints = std::move(*checked);
  }
  if (witness != nullptr) {
    auto witnessed = CheckAgainstWitness(*witness, *checkpoints, key, report.last_seq, hash_at);
    if (!witnessed) return witnessed.error();
    report.witness = std::move(*witnessed);
  }
  return report;
}

}  // namespace firedrill
