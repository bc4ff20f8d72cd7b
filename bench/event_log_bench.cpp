// event_log_bench [N] [--dir DIR]: how fast the event log appends and verifies.
//
// Appends N events (default 1,000,000) in transactions of kBatch events, verifies the chain from
// a fresh read-only connection, then repeats with one durable transaction per event for a
// smaller count, which is how the orchestrator records during a drill. Then builds a log of N
// events with a signed checkpoint every kCheckpointEvery events and times what `records verify`
// does on it: open read-only, load the key, verify the chain and every checkpoint; each
// checkpoint is also published to a witness file, and `records verify --witness` is timed too.
// Works in a temporary directory that is removed at the end, or in DIR (kept) when given.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/event_log.h"
#include "orchestrator/store/records_check.h"
#include "orchestrator/store/signing_key.h"
#include "orchestrator/store/witness.h"
#include "orchestrator/store/witness_list.h"
#include "orchestrator/store/witness_publish.h"

namespace {

namespace fs = std::filesystem;
using firedrill::Database;
using firedrill::EventLog;
using firedrill::NewEvent;
using firedrill::OpenMode;

constexpr std::int64_t kDefaultEvents = 1'000'000;
constexpr std::int64_t kBatch = 10'000;
constexpr std::int64_t kPerEventCommits = 2'000;
// One checkpoint per this many events: 1,000 checkpoints over a million events. A drill records
// a few dozen events, so real logs have denser checkpoints; verify's cost does not depend on
// their number (one signature check), only on the events.
constexpr std::int64_t kCheckpointEvery = 1'000;
constexpr int kSignatureChecks = 1'000;

using Clock = std::chrono::steady_clock;

// 1234567 -> "1,234,567".
std::string Grouped(std::int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  int since_comma = static_cast<int>(digits.size() % 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && static_cast<int>(i) % 3 == since_comma % 3) out += ',';
    out += digits[i];
  }
  return out;
}

void Report(std::string_view what, std::int64_t events, Clock::duration elapsed) {
  double seconds = std::chrono::duration<double>(elapsed).count();
  auto rate = static_cast<std::int64_t>(static_cast<double>(events) / std::max(seconds, 1e-9));
  fmt::print("{}: {} events in {:.2f} s = {} events/s\n", what, events, seconds, Grouped(rate));
  std::fflush(stdout);
}

NewEvent MakeEvent(std::int64_t i) {
  NewEvent e;
  e.drill_id = fmt::format("drill-{}", i % 16);
  e.kind = "probe-result";
  e.actor = "orchestrator";
  e.payload_json =
      fmt::format(R"({{"probe":"checkout-http","ok":true,"latency_ms":{},"i":{}}})", i % 997, i);
  return e;
}

// Appends `count` events, `per_tx` per transaction; returns false (after printing why) on error.
bool AppendPhase(const fs::path& dir, std::int64_t count, std::int64_t per_tx,
                 std::string_view label) {
  auto db = Database::Open(dir, OpenMode::kReadWrite);
  if (!db) {
    fmt::print(stderr, "event_log_bench: {}\n", db.error().ToString());
    return false;
  }
  EventLog log(*db);
  std::vector<NewEvent> batch;
  batch.reserve(static_cast<std::size_t>(per_tx));
  Clock::duration elapsed{};
  for (std::int64_t done = 0; done < count;) {
    batch.clear();
    for (std::int64_t i = 0; i < per_tx && done + i < count; ++i) {
      batch.push_back(MakeEvent(done + i));
    }
    // Time only the store's work, not building the inputs.
    auto start = Clock::now();
    firedrill::Status status;
    if (per_tx == 1) {
      if (auto e = log.Append(batch.front()); !e) status = e.error();
    } else {
      if (auto last = log.AppendBatch(batch); !last) status = last.error();
    }
    elapsed += Clock::now() - start;
    if (!status) {
      fmt::print(stderr, "event_log_bench: append failed: {}\n", status.error().ToString());
      return false;
    }
    done += static_cast<std::int64_t>(batch.size());
  }
  Report(label, count, elapsed);
  return true;
}

bool VerifyPhase(const fs::path& dir, std::int64_t expected, std::string_view label) {
  auto db = Database::Open(dir, OpenMode::kReadOnly);
  if (!db) {
    fmt::print(stderr, "event_log_bench: {}\n", db.error().ToString());
    return false;
  }
  auto start = Clock::now();
  auto report = EventLog(*db).Verify();
  auto elapsed = Clock::now() - start;
  if (!report) {
    fmt::print(stderr, "event_log_bench: verify failed: {}\n", report.error().ToString());
    return false;
  }
  if (!report->ok || report->events_checked != expected) {
    fmt::print(stderr, "event_log_bench: chain not intact after {} events: {}\n",
               report->events_checked, report->problem);
    return false;
  }
  Report(label, report->events_checked, elapsed);
  return true;
}

// The witness file of the checkpointed phase: beside the state directory, never in it.
fs::path WitnessFile(const fs::path& dir) { return dir.parent_path() / "witness.jsonl"; }

// Appends `count` events in transactions of kCheckpointEvery, signing a checkpoint after each
// and publishing it to a file witness.
bool CheckpointedAppendPhase(const fs::path& dir, std::int64_t count) {
  firedrill::WitnessList witnesses;
  witnesses.origin = "event_log_bench";
  firedrill::Witness file;
  file.kind = firedrill::WitnessKind::kFile;
  file.target = WitnessFile(dir).string();
  witnesses.witnesses.push_back(file);
  auto db = Database::Open(dir, OpenMode::kReadWrite);
  if (!db) {
    fmt::print(stderr, "event_log_bench: {}\n", db.error().ToString());
    return false;
  }
  EventLog log(*db);
  std::vector<NewEvent> batch;
  Clock::duration appending{}, checkpointing{}, publishing{};
  std::int64_t checkpoints = 0;
  for (std::int64_t done = 0; done < count;) {
    batch.clear();
    for (std::int64_t i = 0; i < kCheckpointEvery && done + i < count; ++i) {
      batch.push_back(MakeEvent(done + i));
    }
    auto start = Clock::now();
    auto last = log.AppendBatch(batch);
    auto appended = Clock::now();
    if (!last) {
      fmt::print(stderr, "event_log_bench: append failed: {}\n", last.error().ToString());
      return false;
    }
    auto cp = firedrill::WriteCheckpoint(*db, dir);
    checkpointing += Clock::now() - appended;
    appending += appended - start;
    if (!cp) {
      fmt::print(stderr, "event_log_bench: checkpoint failed: {}\n", cp.error().ToString());
      return false;
    }
    auto published = Clock::now();
    for (const firedrill::WitnessDelivery& d : firedrill::PublishCheckpoint(*cp, witnesses)) {
      if (!d.ok) {
        fmt::print(stderr, "event_log_bench: publishing failed: {}\n", d.error);
        return false;
      }
    }
    publishing += Clock::now() - published;
    ++checkpoints;
    done += static_cast<std::int64_t>(batch.size());
  }
  Report(fmt::format("append ({} per transaction, then a checkpoint)", Grouped(kCheckpointEvery)),
         count, appending);
  fmt::print(
      "write checkpoint (check new events, sign, durable insert): {} in {:.2f} s = {:.2f} ms "
      "each\n",
      Grouped(checkpoints), std::chrono::duration<double>(checkpointing).count(),
      std::chrono::duration<double, std::milli>(checkpointing).count() /
          static_cast<double>(std::max<std::int64_t>(checkpoints, 1)));
  fmt::print("publish to a file witness (append, fsync): {} in {:.2f} s = {:.2f} ms each\n",
             Grouped(checkpoints), std::chrono::duration<double>(publishing).count(),
             std::chrono::duration<double, std::milli>(publishing).count() /
                 static_cast<double>(std::max<std::int64_t>(checkpoints, 1)));
  std::fflush(stdout);
  return true;
}

// What `records verify` does, timed from opening the database to the finished report.
bool VerifyRecordsPhase(const fs::path& dir, std::int64_t expected) {
  auto start = Clock::now();
  auto db = Database::Open(dir, OpenMode::kReadOnly);
  if (!db) {
    fmt::print(stderr, "event_log_bench: {}\n", db.error().ToString());
    return false;
  }
  auto key = firedrill::SigningKey::LoadFromStateDir(dir);
  if (!key || !*key) {
    fmt::print(stderr, "event_log_bench: no checkpoint key in {}\n", dir.string());
    return false;
  }
  auto report = firedrill::VerifyRecords(*db, &**key);
  auto elapsed = Clock::now() - start;
  if (!report) {
    fmt::print(stderr, "event_log_bench: verify failed: {}\n", report.error().ToString());
    return false;
  }
  if (!report->ok() || report->chain.events_checked != expected ||
      report->EventsNotCovered() != 0) {
    fmt::print(stderr, "event_log_bench: records not intact after {} events: {}\n",
               report->chain.events_checked, fmt::join(report->Problems(), "; "));
    return false;
  }
  Report(fmt::format("records verify (chain and {} checkpoints)",
                     Grouped(report->checkpoints.verified)),
         report->chain.events_checked, elapsed);

  // The same with --witness: read and parse the witness file, then check against it.
  auto witness_start = Clock::now();
  std::ifstream in(WitnessFile(dir), std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto parsed = firedrill::ParseWitnessText(text, WitnessFile(dir).string());
  if (!parsed) {
    fmt::print(stderr, "event_log_bench: {}\n", parsed.error().ToString());
    return false;
  }
  auto witnessed = firedrill::VerifyRecords(*db, &**key, &*parsed);
  auto witness_elapsed = Clock::now() - witness_start;
  if (!witnessed || !witnessed->ok() || !witnessed->witness ||
      witnessed->witness->witnessed != report->checkpoints.verified) {
    fmt::print(stderr, "event_log_bench: verify against the witness failed\n");
    return false;
  }
  Report(fmt::format("records verify --witness (chain, {} checkpoints, {} witnessed)",
                     Grouped(report->checkpoints.verified), Grouped(witnessed->witness->witnessed)),
         witnessed->chain.events_checked, witness_elapsed);

  // For scale: checking every checkpoint's own signature instead of the checkpoint chain.
  std::vector<unsigned char> message(112, 0x5a);
  auto sig = (*key)->Sign(message);
  if (!sig) return false;
  auto sig_start = Clock::now();
  int good = 0;
  for (int i = 0; i < kSignatureChecks; ++i) good += (*key)->Verify(message, *sig) ? 1 : 0;
  double seconds = std::chrono::duration<double>(Clock::now() - sig_start).count();
  fmt::print("Ed25519 signature checks: {} in {:.3f} s = {} per second\n", good, seconds,
             Grouped(static_cast<std::int64_t>(kSignatureChecks / std::max(seconds, 1e-9))));
  std::fflush(stdout);
  return good == kSignatureChecks;
}

int Usage() {
  fmt::print(stderr, "usage: event_log_bench [N] [--dir DIR]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t count = kDefaultEvents;
  std::optional<fs::path> dir_flag;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--dir") {
      if (++i == argc) return Usage();
      dir_flag = fs::path(argv[i]);
      continue;
    }
    auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), count);
    if (ec != std::errc() || end != arg.data() + arg.size() || count <= 0) return Usage();
  }

  fs::path base;
  if (dir_flag) {
    base = *dir_flag;
  } else {
    std::string pattern = (fs::temp_directory_path() / "event_log_bench-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) {
      fmt::print(stderr, "event_log_bench: cannot create a temporary directory\n");
      return 1;
    }
    base = pattern;
  }

  std::int64_t small = std::min(count, kPerEventCommits);
  bool ok =
      AppendPhase(base / "batched", count, kBatch,
                  fmt::format("append ({} per transaction)", Grouped(kBatch))) &&
      VerifyPhase(base / "batched", count, "verify") &&
      AppendPhase(base / "per-event", small, 1, "append (1 per transaction, synchronous=FULL)") &&
      VerifyPhase(base / "per-event", small, "verify (per-transaction log)") &&
      CheckpointedAppendPhase(base / "checkpointed", count) &&
      VerifyRecordsPhase(base / "checkpointed", count);

  if (!dir_flag) {
    std::error_code ec;
    fs::remove_all(base, ec);
  }
  return ok ? 0 : 1;
}
