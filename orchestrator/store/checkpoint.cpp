// Writing and reading signed checkpoints of the event log, and the bytes they sign.
#include "orchestrator/store/checkpoint.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <string_view>
#include <utility>

#include "drills/zoned_time.h"
#include "orchestrator/store/event_hash.h"
#include "orchestrator/store/record_text.h"
#include "orchestrator/store/signing_key.h"
#include "orchestrator/store/statement.h"
#include "orchestrator/store/transaction.h"

namespace firedrill {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kDomainV1 = "firedrill checkpoint v1\n";
constexpr std::string_view kDomainV2 = "firedrill checkpoint v2\n";
static_assert(kDomainV1.size() == 24 && kDomainV2.size() == 24);

constexpr std::string_view kSelectAll =
    "SELECT id, seq, ts_ms, head_hash, prev_hash, key_id, signature, version, prev_seq "
    "FROM checkpoints ORDER BY id";
constexpr std::string_view kSelectLast =
    "SELECT id, seq, ts_ms, head_hash, prev_hash, key_id, signature, version, prev_seq "
    "FROM checkpoints ORDER BY id DESC LIMIT 1";
constexpr std::string_view kInsert =
    "INSERT INTO checkpoints (id, seq, ts_ms, head_hash, prev_hash, key_id, signature, version, "
    "prev_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr std::string_view kEventsAfter =
    "SELECT seq, ts_ms, drill_id, kind, actor, payload, prev_hash, hash FROM events "
    "WHERE seq > ?1 ORDER BY seq";
constexpr std::string_view kEventHash = "SELECT hash FROM events WHERE seq = ?1";

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
  cp.version = static_cast<int>(row.ColumnInt64(7));
  cp.prev_seq = row.ColumnInt64(8);  // NULL (version 1) reads as 0
  return cp;
}

// The first 16 hex digits: enough to tell keys and hashes apart in a message.
std::string Short(std::string_view hex) { return std::string(hex.substr(0, 16)); }

std::string Refusal(std::string_view why) {
  return fmt::format("refusing to sign a checkpoint: {}; run firedrill records verify", why);
}

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
  const bool v1 = cp.version == kCheckpointV1;
  std::string_view domain = v1 ? kDomainV1 : kDomainV2;
  std::vector<unsigned char> m(domain.begin(), domain.end());
  m.reserve(domain.size() + 4 * 8 + 3 * 32);
  PutU64(static_cast<std::uint64_t>(cp.id), &m);
  PutU64(static_cast<std::uint64_t>(cp.seq), &m);
  PutU64(static_cast<std::uint64_t>(cp.ts.time_since_epoch().count()), &m);
  m.insert(m.end(), cp.head_hash.begin(), cp.head_hash.end());
  m.insert(m.end(), cp.prev_hash.begin(), cp.prev_hash.end());
  if (v1) return m;
  PutU64(static_cast<std::uint64_t>(cp.prev_seq), &m);
  // The key is named inside the signed bytes: an edited key_id breaks the signature.
  Hash256 key_id{};
  if (!FromHex(cp.key_id, &key_id)) key_id.fill(0);
  m.insert(m.end(), key_id.begin(), key_id.end());
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
    if (!last->well_formed || last->key_id != key->id() ||
        !key->Verify(CheckpointMessage(*last), last->signature)) {
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
    cp.prev_seq = last->seq;
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
  for (Status st :
       {insert->Bind(1, cp.id), insert->Bind(2, cp.seq),
        insert->Bind(3, static_cast<std::int64_t>(cp.ts.time_since_epoch().count())),
        insert->BindBlob(4, cp.head_hash), insert->BindBlob(5, cp.prev_hash),
        insert->Bind(6, cp.key_id), insert->BindBlob(7, cp.signature),
        insert->Bind(8, static_cast<std::int64_t>(cp.version)), insert->Bind(9, cp.prev_seq)}) {
    if (!st) return st.error();
  }
  if (Status st = insert->Run(); !st) return st.error();
  if (Status st = tx->Commit(); !st) return st.error();
  return cp;
}

}  // namespace firedrill
