#include "orchestrator/store/witness_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "drills/zoned_time.h"

namespace firedrill {
namespace {

// Problems beyond this many are counted, not listed: one tampering can break every line.
constexpr std::size_t kMaxProblems = 12;

std::string Short(const std::string& hex) { return hex.substr(0, 16); }

// The fields in which two copies of one checkpoint differ, for people.
std::string Differences(const Checkpoint& a, const Checkpoint& b) {
  std::vector<std::string> out;
  if (a.version != b.version) out.push_back(fmt::format("version {} vs {}", a.version, b.version));
  if (a.seq != b.seq) out.push_back(fmt::format("events up to #{} vs #{}", a.seq, b.seq));
  if (a.ts != b.ts) out.push_back(fmt::format("time {} vs {}", FormatUtc(a.ts), FormatUtc(b.ts)));
  if (a.head_hash != b.head_hash) {
    out.push_back(
        fmt::format("head hash {} vs {}", Short(Hex(a.head_hash)), Short(Hex(b.head_hash))));
  }
  if (a.prev_hash != b.prev_hash) out.push_back("prev_hash");
  if (a.prev_seq != b.prev_seq) {
    out.push_back(fmt::format("prev_seq {} vs {}", a.prev_seq, b.prev_seq));
  }
  if (a.key_id != b.key_id) {
    out.push_back(fmt::format("key {} vs {}", Short(a.key_id), Short(b.key_id)));
  }
  if (a.signature != b.signature) out.push_back("signature");
  std::string joined;
  for (const std::string& d : out) joined += (joined.empty() ? "" : ", ") + d;
  return joined;
}

class Collector {
 public:
  explicit Collector(WitnessReport* report) : report_(report) {}

  // Says how many problems were left out; call once, last.
  void Finish() {
    if (dropped_ > 0) {
      report_->problems.push_back(fmt::format("... and {} more problem{} with {}", dropped_,
                                              dropped_ == 1 ? "" : "s", report_->source));
    }
  }

  void Add(std::optional<std::int64_t> checkpoint, std::optional<std::int64_t> seq,
           std::string problem) {
    report_->ok = false;
    if (checkpoint && (!report_->bad_checkpoint || *checkpoint < *report_->bad_checkpoint)) {
      report_->bad_checkpoint = checkpoint;
    }
    if (seq && (!report_->first_bad_seq || *seq < *report_->first_bad_seq)) {
      report_->first_bad_seq = seq;
    }
    if (report_->problems.size() < kMaxProblems) {
      report_->problems.push_back(std::move(problem));
    } else {
      ++dropped_;
    }
  }

 private:
  WitnessReport* report_;
  std::size_t dropped_ = 0;
};

}  // namespace

Expected<WitnessReport> CheckAgainstWitness(const WitnessSource& witness,
                                            std::span<const Checkpoint> records,
                                            const SigningKey* key, std::int64_t last_seq,
                                            const EventHashLookup& hash_at) {
  WitnessReport report;
  report.source = witness.name;
  if (!witness.checkpoints.empty()) report.origin = witness.checkpoints.front().origin;
  auto sha = Sha256::Create();
  if (!sha) return sha.error();
  Collector problems(&report);
  auto at = [&](std::int64_t line) { return fmt::format("{} line {}", witness.name, line); };

  // 1. The witness on its own. The first line published for an id is the reference: a later,
  // different one for the same id can only come from re-signing.
  std::map<std::int64_t, const WitnessedCheckpoint*> by_id;
  for (const WitnessedCheckpoint& w : witness.checkpoints) {
    auto [it, fresh] = by_id.emplace(w.checkpoint.id, &w);
    if (fresh) continue;
    const WitnessedCheckpoint& first = *it->second;
    if (Differences(first.checkpoint, w.checkpoint).empty()) continue;  // published twice
    problems.Add(w.checkpoint.id, std::nullopt,
                 fmt::format("{} and line {} hold two different checkpoints {} ({}): the records "
                             "were re-signed after the first was published",
                             at(first.line), w.line, w.checkpoint.id,
                             Differences(first.checkpoint, w.checkpoint)));
  }
  report.witnessed = static_cast<std::int64_t>(by_id.size());
  if (!by_id.empty()) {
    report.last_witnessed = by_id.rbegin()->second->checkpoint;
    report.last_witnessed_line = by_id.rbegin()->second->line;
  }
  const WitnessedCheckpoint* before = nullptr;
  for (const auto& [id, w] : by_id) {
    const Checkpoint& cp = w->checkpoint;
    if (before != nullptr && before->checkpoint.id + 1 == id) {
      Hash256 link{};
      if (!CheckpointHash(before->checkpoint, *sha, &link)) {
        return Error{"SHA-256 failed inside OpenSSL"};
      }
      bool extends = cp.prev_hash == link && cp.seq >= before->checkpoint.seq &&
                     (cp.version < kCheckpointV2 || cp.prev_seq == before->checkpoint.seq);
      if (!extends) {
        problems.Add(id, std::nullopt,
                     fmt::format("{}: witnessed checkpoint {} does not extend witnessed checkpoint "
                                 "{} (line {}): two histories were signed",
                                 at(w->line), id, id - 1, before->line));
      }
    }
    before = w;
  }

  // 2. Every witnessed checkpoint is in the records, unchanged.
  std::map<std::int64_t, const Checkpoint*> stored;
  for (const Checkpoint& cp : records) stored.emplace(cp.id, &cp);
  auto flush_missing = [&](std::vector<const WitnessedCheckpoint*>& run) {
    if (run.empty()) return;
    const WitnessedCheckpoint& a = *run.front();
    const WitnessedCheckpoint& b = *run.back();
    if (run.size() == 1) {
      problems.Add(a.checkpoint.id, std::nullopt,
                   fmt::format("checkpoint {} (events up to #{}) is missing from the records, but "
                               "{} holds it: it was deleted",
                               a.checkpoint.id, a.checkpoint.seq, at(a.line)));
    } else {
      problems.Add(a.checkpoint.id, std::nullopt,
                   fmt::format("checkpoints {}..{} (events up to #{}) are missing from the "
                               "records, but {} holds them (lines {}..{}): they were deleted",
                               a.checkpoint.id, b.checkpoint.id, b.checkpoint.seq, witness.name,
                               a.line, b.line));
    }
    run.clear();
  };
  std::vector<const WitnessedCheckpoint*> missing;
  for (const auto& entry : by_id) {
    // Named copies: a lambda may not capture a structured binding before C++20 in clang 14.
    const auto id = entry.first;
    const auto& w = entry.second;
    auto found = stored.find(id);
    auto signed_by_key = [&] {
      return key == nullptr ||
             (w->checkpoint.key_id == key->id() &&
              key->Verify(CheckpointMessage(w->checkpoint), w->checkpoint.signature));
    };
    auto not_signed = [&] {
      problems.Add(id, std::nullopt,
                   fmt::format("{}: witnessed checkpoint {} is not signed by key {} (it names key "
                               "{}): the records' key was replaced, or the line is not from "
                               "these records",
                               at(w->line), id, Short(key->id()), Short(w->checkpoint.key_id)));
    };
    if (found == stored.end()) {
      if (!missing.empty() && missing.back()->checkpoint.id + 1 != id) flush_missing(missing);
      if (!signed_by_key()) {
        flush_missing(missing);
        not_signed();
        continue;
      }
      missing.push_back(w);
      continue;
    }
    flush_missing(missing);
    std::string diff = Differences(w->checkpoint, *found->second);
    // Only a line that differs from the records needs its own signature checked: one equal to
    // them is as authentic as the records' checkpoint, which CheckCheckpoints verifies.
    if (!diff.empty() && !signed_by_key()) not_signed();
    if (!diff.empty()) {
      problems.Add(id, std::nullopt,
                   fmt::format("checkpoint {} differs from the one {} holds (witnessed vs "
                               "records: {}): it was re-signed or edited",
                               id, at(w->line), diff));
    }
  }
  flush_missing(missing);

  // 3. The events each witnessed checkpoint vouches for. The first that fails is reported: the
  // hash chain makes every later one fail with it.
  std::int64_t covered = 0;  // events up to here match an earlier witnessed checkpoint
  for (const auto& [id, w] : by_id) {
    const Checkpoint& cp = w->checkpoint;
    if (cp.seq <= 0) continue;
    auto hash = hash_at(cp.seq);
    if (!hash) return hash.error();
    if (!*hash) {
      if (cp.seq > last_seq) {
        problems.Add(id, last_seq + 1,
                     fmt::format("events {}..{} missing (truncated?): checkpoint {} witnessed at "
                                 "{} vouches for events up to #{}, but the log {}",
                                 last_seq + 1, cp.seq, id, at(w->line), cp.seq,
                                 last_seq == 0 ? std::string("is empty")
                                               : fmt::format("ends at event {}", last_seq)));
      } else {
        problems.Add(id, cp.seq,
                     fmt::format("event {} missing (deleted?): checkpoint {} witnessed at {} "
                                 "vouches for it",
                                 cp.seq, id, at(w->line)));
      }
      break;
    }
    if (**hash != cp.head_hash) {
      problems.Add(id, cp.seq,
                   fmt::format("event {} does not match checkpoint {} witnessed at {}: its hash "
                               "is {}, the witness holds {}; events {}..{} were rewritten",
                               cp.seq, id, at(w->line), Short(Hex(**hash)),
                               Short(Hex(cp.head_hash)), covered + 1, cp.seq));
      break;
    }
    covered = cp.seq;
  }

  for (const Checkpoint& cp : records) {
    if (report.last_witnessed && cp.id > report.last_witnessed->id) ++report.unwitnessed;
  }
  problems.Finish();
  return report;
}

}  // namespace firedrill
