// Writing, reading and checking signed checkpoints of the event log.
#include "orchestrator/store/checkpoint.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string_view>
#include <utility>

#include "drills/zoned_time.h"
#include "orchestrator/store/event_hash.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/statement.h"
#include "orchestrator/store/transaction.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kDomain = "firedrill checkpoint v1\n";
static_assert(kDomain.size() == 24);

constexpr std::string_view kSelectAll =
    "SELECT id, seq, ts_ms, head_hash, prev_hash, key_id, signature FROM checkpoints ORDER BY id";
constexpr std::string_view kSelectLast =
    "SELECT id, seq, ts_ms, head_hash, prev_hash, key_id, signature FROM checkpoints "
    "ORDER BY id DESC LIMIT 1";
constexpr std::string_view kInsert =
    "INSERT INTO checkpoints (id, seq, ts_ms, head_hash, prev_hash, key_id, signature) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
constexpr std::string_view kEventsAfter =
    "SELECT seq, ts_ms, drill_id, kind, actor, payload, prev_hash, hash FROM events "
    "WHERE seq > ?1 ORDER BY seq";
constexpr std::string_view kEventHash = "SELECT hash FROM events WHERE seq = ?1";
constexpr std::string_view kLastSeq = "SELECT COALESCE(MAX(seq), 0) FROM events";

void PutU64(std::uint64_t v, std::vector<unsigned char>* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<unsigned char>(v >> (8 * i)));
}

// Copies a stored blob into a hash; false if it has the wrong length.
bool ToHash(std::span<const unsigned char> blob, Hash256* out) {
  if (blob.size() != out->size()) return false;
  std::copy(blob.begin(), blob.end(), out->begin());
  return true;
}

Checkpoint ReadCheckpoint(const Statement& row) {
  Checkpoint cp;
  cp.id = row.ColumnInt64(0);
  cp.seq = row.ColumnInt64(1);
  cp.ts = SysTime(std::chrono::milliseconds(row.ColumnInt64(2)));
  cp.well_formed =
      ToHash(row.ColumnBlob(3), &cp.head_hash) && ToHash(row.ColumnBlob(4), &cp.prev_hash);
  cp.key_id = row.ColumnText(5);
  auto sig = row.ColumnBlob(6);
  cp.signature.assign(sig.begin(), sig.end());
  return cp;
}

// The first 16 hex digits: enough to tell keys and hashes apart in a message.
std::string Short(std::string_view hex) { return std::string(hex.substr(0, 16)); }

std::string Refusal(std::string_view why) {
  return fmt::format("refusing to sign a checkpoint: {}; run firedrill records verify", why);
}

// Ends a read snapshot (a deferred transaction) on every path.
class ReadSnapshot {
 public:
  explicit ReadSnapshot(Database& db) : db_(db) {}
  ReadSnapshot(const ReadSnapshot&) = delete;
  ReadSnapshot& operator=(const ReadSnapshot&) = delete;
  ~ReadSnapshot() {
    if (open_) (void)db_.Exec("COMMIT");
  }
  Status Begin() {
    Status st = db_.Exec("BEGIN");
    open_ = st.ok();
    return st;
  }

 private:
  Database& db_;
  bool open_ = false;
};

Expected<std::optional<Hash256>> StoredEventHash(Statement& stmt, std::int64_t seq) {
  stmt.Reset();
  if (Status st = stmt.Bind(1, seq); !st) return st.error();
  auto row = stmt.Step();
  if (!row) return row.error();
  if (!*row) return std::optional<Hash256>();
  Hash256 h{};
  // A wrong-length stored hash can never equal a checkpoint's head: an all-zero stand-in whose
  // mismatch is reported (the chain check names the malformed event itself).
  (void)ToHash(stmt.ColumnBlob(0), &h);
  return std::optional<Hash256>(h);
}

}  // namespace

std::vector<unsigned char> CheckpointMessage(const Checkpoint& cp) {
  std::vector<unsigned char> m(kDomain.begin(), kDomain.end());
  m.reserve(kDomain.size() + 3 * 8 + 2 * 32);
  PutU64(static_cast<std::uint64_t>(cp.id), &m);
  PutU64(static_cast<std::uint64_t>(cp.seq), &m);
  PutU64(static_cast<std::uint64_t>(cp.ts.time_since_epoch().count()), &m);
  m.insert(m.end(), cp.head_hash.begin(), cp.head_hash.end());
  m.insert(m.end(), cp.prev_hash.begin(), cp.prev_hash.end());
  return m;
}

bool CheckpointHash(const Checkpoint& cp, Sha256& sha, Hash256* out) {
  std::vector<unsigned char> bytes = CheckpointMessage(cp);
  bytes.insert(bytes.end(), cp.signature.begin(), cp.signature.end());
  return sha.Hash(bytes, out);
}

Expected<std::vector<Checkpoint>> ListCheckpoints(const Database& db) {
  auto stmt = Statement::Prepare(db, kSelectAll);
  if (!stmt) return stmt.error();
  std::vector<Checkpoint> out;
  for (;;) {
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row) break;
    out.push_back(ReadCheckpoint(*stmt));
  }
  return out;
}

Expected<Checkpoint> WriteCheckpoint(Database& db, const fs::path& state_dir) {
  auto sha = Sha256::Create();
  if (!sha) return sha.error();
  // The write lock first: the head we sign must be the head when we insert.
  auto tx = Transaction::Begin(db);
  if (!tx) return tx.error();

  std::optional<Checkpoint> last;
  {
    auto stmt = Statement::Prepare(db, kSelectLast);
    if (!stmt) return stmt.error();
    auto row = stmt->Step();
    if (!row) return row.error();
    if (*row) last = ReadCheckpoint(*stmt);
  }

  fs::path key_file = state_dir / SigningKey::kFileName;
  std::error_code ec;
  if (last && !fs::exists(fs::symlink_status(key_file, ec))) {
    return Error{fmt::format(
        "cannot sign a checkpoint: the checkpoint key {} is missing, but {} checkpoint{} signed "
        "with it exist; restore it from a backup (a new key would leave them unverifiable)",
        key_file.string(), last->id, last->id == 1 ? " was" : "s were")};
  }
  // An existing key is needed to check the last checkpoint; a new one is only created once the
  // log has been checked, so a refused first checkpoint leaves nothing behind.
  std::optional<SigningKey> key;
  if (last) {
    auto loaded = SigningKey::LoadOrCreate(state_dir);
    if (!loaded) return loaded.error();
    key.emplace(std::move(*loaded));
  }

  Checkpoint cp;
  std::int64_t seq = 0;
  Hash256 prev{};
  if (last) {
    if (!last->well_formed || !key->Verify(CheckpointMessage(*last), last->signature)) {
      return Error{Refusal(fmt::format(
          "checkpoint {} does not verify with the key in {} (key {}; the checkpoint names key "
          "{}): the checkpoint or the key was replaced",
          last->id, key_file.string(), Short(key->id()), Short(last->key_id)))};
    }
    if (last->seq > 0) {
      auto stmt = Statement::Prepare(db, kEventHash);
      if (!stmt) return stmt.error();
      auto stored = StoredEventHash(*stmt, last->seq);
      if (!stored) return stored.error();
      if (!*stored || **stored != last->head_hash) {
        return Error{Refusal(fmt::format("event {} {} checkpoint {}", last->seq,
                                         *stored ? "no longer matches" : "is missing, covered by",
                                         last->id))};
      }
    }
    seq = last->seq;
    prev = last->head_hash;
    if (!CheckpointHash(*last, *sha, &cp.prev_hash)) return Error{"SHA-256 failed inside OpenSSL"};
    cp.id = last->id + 1;
  } else {
    cp.id = 1;
  }

  // Every event since the previous checkpoint must extend it: never sign over a damaged log.
  {
    auto stmt = Statement::Prepare(db, kEventsAfter);
    if (!stmt) return stmt.error();
    if (Status st = stmt->Bind(1, seq); !st) return st.error();
    std::vector<unsigned char> scratch;
    for (;;) {
      auto row = stmt->Step();
      if (!row) return row.error();
      if (!*row) break;
      const Statement& r = *stmt;
      std::int64_t s = r.ColumnInt64(0);
      if (s != seq + 1) return Error{Refusal(fmt::format("event {} missing (deleted?)", seq + 1))};
      Hash256 stored_prev{}, stored{}, computed{};
      if (!ToHash(r.ColumnBlob(6), &stored_prev) || !ToHash(r.ColumnBlob(7), &stored)) {
        return Error{Refusal(fmt::format("event {} has a malformed hash", s))};
      }
      if (stored_prev != prev) {
        return Error{Refusal(fmt::format("chain broken at event {}: prev_hash does not match", s))};
      }
      if (!HashEvent({prev, s, r.ColumnInt64(1), r.ColumnText(2), r.ColumnText(3), r.ColumnText(4),
                      r.ColumnText(5)},
                     *sha, &scratch, &computed)) {
        return Error{"SHA-256 failed inside OpenSSL"};
      }
      if (computed != stored) {
        return Error{Refusal(fmt::format("event {} was altered: hash mismatch", s))};
      }
      seq = s;
      prev = stored;
    }
  }

  if (!key) {
    auto created = SigningKey::LoadOrCreate(state_dir);
    if (!created) return created.error();
    key.emplace(std::move(*created));
  }
  cp.seq = seq;
  cp.head_hash = prev;
  cp.ts = NowUtc();
  cp.key_id = key->id();
  auto sig = key->Sign(CheckpointMessage(cp));
  if (!sig) return sig.error();
  cp.signature.assign(sig->begin(), sig->end());

  auto insert = Statement::Prepare(db, kInsert);
  if (!insert) return insert.error();
  for (Status st : {insert->Bind(1, cp.id), insert->Bind(2, cp.seq),
                    insert->Bind(3, static_cast<std::int64_t>(cp.ts.time_since_epoch().count())),
                    insert->BindBlob(4, cp.head_hash), insert->BindBlob(5, cp.prev_hash),
                    insert->Bind(6, cp.key_id), insert->BindBlob(7, cp.signature)}) {
    if (!st) return st.error();
  }
  if (Status st = insert->Run(); !st) return st.error();
  if (Status st = tx->Commit(); !st) return st.error();
  return cp;
}

Expected<CheckpointReport> CheckCheckpoints(std::span<const Checkpoint> checkpoints,
                                            const SigningKey& key, std::int64_t last_seq,
                                            const EventHashLookup& hash_at) {
  CheckpointReport report;
  report.total = static_cast<std::int64_t>(checkpoints.size());
  const std::size_t n = checkpoints.size();
  if (n == 0) return report;
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
      link_problem = cp.id > expected
                         ? fmt::format("checkpoint {} missing (deleted?)", expected)
                         : fmt::format("checkpoint {} is out of sequence (inserted?)", cp.id);
      break;
    }
    if (!cp.well_formed) {
      link_bad = i;
      link_bad_id = cp.id;
      link_problem = fmt::format("checkpoint {} was altered: malformed hash", cp.id);
      break;
    }
    if (cp.prev_hash != prev) {
      link_bad = i;
      link_bad_id = cp.id;
      link_problem = cp.id == 1 ? std::string(
                                      "checkpoint 1 was altered: its prev_hash is not the "
                                      "genesis value")
                                : fmt::format(
                                      "checkpoint chain broken at checkpoint {}: prev_hash does "
                                      "not match checkpoint {} (altered, deleted or inserted?)",
                                      cp.id, cp.id - 1);
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
        sig_problem = fmt::format(
            "checkpoint {} was altered or forged: its signature does not verify with key {}{}",
            cp.id, Short(key.id()),
            cp.key_id != key.id()
                ? fmt::format(" (it names key {}; wrong --pubkey?)", Short(cp.key_id))
                : std::string());
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
        report.problem = *sig_problem;
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
                                cp.seq, cp.id, FormatUtc(cp.ts), Short(ToHex(**stored)),
                                Short(ToHex(cp.head_hash)), from, cp.seq));
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
  if (chain.first_bad_seq && checkpoints.first_bad_seq) {
    return std::min(*chain.first_bad_seq, *checkpoints.first_bad_seq);
  }
  return chain.first_bad_seq ? chain.first_bad_seq : checkpoints.first_bad_seq;
}

std::vector<std::string> RecordsReport::Problems() const {
  std::vector<std::string> out;
  if (!chain.ok) out.push_back(chain.problem);
  if (!checkpoints.ok) out.push_back(checkpoints.problem);
  return out;
}

Expected<RecordsReport> VerifyRecords(Database& db, const SigningKey* key) {
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
  if (checkpoints->empty()) return report;
  if (key == nullptr) {
    return Error{fmt::format(
        "{} checkpoint{} to check, but no key to check {} with: {} holds no {}; pass --pubkey "
        "FILE (from firedrill records pubkey on the original host)",
        checkpoints->size(), checkpoints->size() == 1 ? "" : "s",
        checkpoints->size() == 1 ? "it" : "them", db.path().parent_path().string(),
        SigningKey::kFileName)};
  }
  auto lookup = Statement::Prepare(db, kEventHash);
  if (!lookup) return lookup.error();
  auto checked = CheckCheckpoints(*checkpoints, *key, report.last_seq,
                                  [&](std::int64_t seq) { return StoredEventHash(*lookup, seq); });
  if (!checked) return checked.error();
  report.checkpoints = std::move(*checked);
  return report;
}

}  // namespace firedrill
