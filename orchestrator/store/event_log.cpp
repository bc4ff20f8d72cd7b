#include "orchestrator/store/event_log.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <utility>

#include "orchestrator/store/statement.h"
#include "orchestrator/store/transaction.h"

namespace firedrill {
namespace {

constexpr std::string_view kSelectAll =
    "SELECT seq, ts_ms, drill_id, kind, actor, payload, prev_hash, hash FROM events "
    "ORDER BY seq";
constexpr std::string_view kSelectAfter =
    "SELECT seq, ts_ms, drill_id, kind, actor, payload, prev_hash, hash FROM events "
    "WHERE seq > ?1 ORDER BY seq";
constexpr std::string_view kSelectDrill =
    "SELECT seq, ts_ms, drill_id, kind, actor, payload, prev_hash, hash FROM events "
    "WHERE drill_id = ?1 ORDER BY seq";
constexpr std::string_view kSelectHead = "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1";
constexpr std::string_view kInsert =
    "INSERT INTO events (seq, ts_ms, drill_id, kind, actor, payload, prev_hash, hash) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";

// Column order of kSelectAll / kSelectDrill.
enum Column { kSeq, kTs, kDrillId, kKind, kActor, kPayload, kPrevHash, kHash };

Status CheckNewEvent(const NewEvent& e) {
  if (e.kind.empty()) return Error{"cannot record an event without a kind"};
  if (e.actor.empty()) {
    return Error{fmt::format("cannot record a \"{}\" event without an actor", e.kind)};
  }
  // Validation only: a small stack arena keeps the throw-away DOM off the heap.
  unsigned char arena[4096];
  boost::json::monotonic_resource resource(arena, sizeof arena);
  boost::system::error_code ec;
  boost::json::parse(boost::json::string_view(e.payload_json.data(), e.payload_json.size()), ec,
                     &resource);
  if (ec) {
    return Error{fmt::format("cannot record a \"{}\" event: its payload is not valid JSON ({})",
                             e.kind, ec.message())};
  }
  return Status::Ok();
}

SysTime Now() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

Hash256 ToHash(std::span<const unsigned char> blob) {
  // Malformed (wrong-length) hashes are reported by Verify; readers just show what is there.
  Hash256 h{};
  std::copy_n(blob.begin(), std::min(blob.size(), h.size()), h.begin());
  return h;
}

Event ReadEvent(const Statement& row) {
  Event e;
  e.seq = row.ColumnInt64(kSeq);
  e.ts = SysTime(std::chrono::milliseconds(row.ColumnInt64(kTs)));
  e.drill_id = row.ColumnText(kDrillId);
  e.kind = row.ColumnText(kKind);
  e.actor = row.ColumnText(kActor);
  e.payload_json = row.ColumnText(kPayload);
  e.prev_hash = ToHash(row.ColumnBlob(kPrevHash));
  e.hash = ToHash(row.ColumnBlob(kHash));
  return e;
}

}  // namespace

Expected<Sha256*> EventLog::Hasher() {
  if (!hasher_) {
    auto created = Sha256::Create();
    if (!created) return created.error();
    hasher_.emplace(std::move(*created));
  }
  return &*hasher_;
}

Expected<Event> EventLog::Append(const NewEvent& event) {
  Event last;
  auto seq = AppendLocked(std::span(&event, 1), &last);
  if (!seq) return seq.error();
  return last;
}

Expected<std::int64_t> EventLog::AppendBatch(std::span<const NewEvent> events) {
  return AppendLocked(events, nullptr);
}

Expected<std::int64_t> EventLog::AppendLocked(std::span<const NewEvent> events, Event* last) {
  // Check everything before taking the write lock, so a bad event never holds up others.
  for (const NewEvent& e : events) {
    if (Status st = CheckNewEvent(e); !st) return st.error();
  }
  auto hasher = Hasher();
  if (!hasher) return hasher.error();

  // IMMEDIATE: the write lock is ours before we read the head, so no other process can append
  // between our read and our insert. Waiting for it is the busy timeout's job.
  auto tx = Transaction::Begin(db_);
  if (!tx) return tx.error();

  std::int64_t seq = 0;
  Hash256 prev{};
  {
    auto head = Statement::Prepare(db_, kSelectHead);
    if (!head) return head.error();
    auto row = head->Step();
    if (!row) return row.error();
    if (*row) {
      seq = head->ColumnInt64(0);
      auto blob = head->ColumnBlob(1);
      if (blob.size() != prev.size()) {
        return Error{
            fmt::format("cannot append to {}: the last event ({}) has a malformed hash; run verify",
                        db_.path().string(), seq)};
      }
      std::copy(blob.begin(), blob.end(), prev.begin());
    }
  }

  auto insert = Statement::Prepare(db_, kInsert);
  if (!insert) return insert.error();
  for (const NewEvent& e : events) {
    ++seq;
    std::int64_t ts_ms = e.ts.value_or(Now()).time_since_epoch().count();
    Hash256 hash;
    if (!HashEvent({prev, seq, ts_ms, e.drill_id, e.kind, e.actor, e.payload_json}, **hasher,
                   &buffer_, &hash)) {
      return Error{"SHA-256 failed inside OpenSSL"};
    }
    for (Status st :
         {insert->Bind(1, seq), insert->Bind(2, ts_ms), insert->Bind(3, e.drill_id),
          insert->Bind(4, e.kind), insert->Bind(5, e.actor), insert->Bind(6, e.payload_json),
          insert->BindBlob(7, prev), insert->BindBlob(8, hash)}) {
      if (!st) return st.error();
    }
    if (Status st = insert->Run(); !st) return st.error();
    if (last != nullptr) {
      *last = Event{seq,        SysTime(std::chrono::milliseconds(ts_ms)),
                    e.drill_id, e.kind,
                    e.actor,    e.payload_json,
                    prev,       hash};
    }
    prev = hash;
  }
  if (Status st = tx->Commit(); !st) return st.error();
  return seq;
}

Expected<std::vector<Event>> EventLog::ForDrill(std::string_view drill_id) {
  auto stmt = Statement::Prepare(db_, kSelectDrill);
  if (!stmt) return stmt.error();
  if (Status st = stmt->Bind(1, drill_id); !st) return st.error();
  std::vector<Event> events;
  for (;;) {
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row) break;
    events.push_back(ReadEvent(*stmt));
  }
  return events;
}

Status EventLog::ForEach(const std::function<bool(const Event&)>& visit) {
  auto stmt = Statement::Prepare(db_, kSelectAll);
  if (!stmt) return stmt.error();
  for (;;) {
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row || !visit(ReadEvent(*stmt))) break;
  }
  return Status::Ok();
}

Expected<std::map<std::string, DrillEventSummary>> EventLog::SummaryByDrill() {
  auto st = Statement::Prepare(
      db_, "SELECT drill_id, COUNT(*), MIN(ts_ms), MAX(ts_ms) FROM events GROUP BY drill_id");
  if (!st) return st.error();
  std::map<std::string, DrillEventSummary> out;
  while (true) {
    auto row = st->Step();
    if (!row) return row.error();
    if (!*row) break;
    out[std::string(st->ColumnText(0))] = {st->ColumnInt64(1),
                                           SysTime{std::chrono::milliseconds{st->ColumnInt64(2)}},
                                           SysTime{std::chrono::milliseconds{st->ColumnInt64(3)}}};
  }
  return out;
}

Status EventLog::ForEachAfter(std::int64_t after, const std::function<bool(const Event&)>& visit) {
  auto stmt = Statement::Prepare(db_, kSelectAfter);
  if (!stmt) return stmt.error();
  if (Status st = stmt->Bind(1, after); !st) return st;
  for (;;) {
    auto row = stmt->Step();
    if (!row) return row.error();
    if (!*row || !visit(ReadEvent(*stmt))) break;
  }
  return Status::Ok();
}

Expected<VerifyReport> EventLog::Verify() {
  auto stmt = Statement::Prepare(db_, kSelectAll);
  if (!stmt) return stmt.error();
  auto verifier = ChainVerifier::Start();
  if (!verifier) return verifier.error();
  // The hot loop: columns are viewed in place, never copied into strings. A single SELECT is
  // one consistent snapshot, even while another process appends.
  const Statement& row = *stmt;
  for (;;) {
    auto more = stmt->Step();
    if (!more) return more.error();
    if (!*more) break;
    StoredEventView view{row.ColumnInt64(kSeq),     row.ColumnInt64(kTs),
                         row.ColumnText(kDrillId),  row.ColumnText(kKind),
                         row.ColumnText(kActor),    row.ColumnText(kPayload),
                         row.ColumnBlob(kPrevHash), row.ColumnBlob(kHash)};
    if (!verifier->Add(view)) break;
  }
  return verifier->Finish();
}

}  // namespace firedrill
