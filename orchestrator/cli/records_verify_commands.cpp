#include "orchestrator/cli/records_verify_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <system_error>

#include "drills/zoned_time.h"
#include "orchestrator/cli/records_common.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/http/http_url.h"
#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/export_verify.h"
#include "orchestrator/store/records_check.h"
#include "orchestrator/store/sha256.h"
#include "orchestrator/store/signing_key.h"
#include "orchestrator/store/state_dir.h"
#include "orchestrator/store/witness.h"
#include "orchestrator/store/witness_http.h"

namespace firedrill {
namespace {

namespace json = boost::json;

// A witness source over HTTP may hold years of checkpoints of many records: generous, bounded.
constexpr std::chrono::seconds kWitnessGetTimeout{30};

// The key to check checkpoints with: --pubkey FILE, else the state directory's key (if any).
// Creates nothing. Prints and returns false on an unusable key; `exit` says with which code.
bool LoadVerifyKey(const Invocation& inv, std::optional<SigningKey>* key, int& exit) {
  if (auto file = inv.args.Value("pubkey")) {
    auto loaded = SigningKey::LoadPublicKeyFile(*file);
    if (!loaded) {
      fmt::print(inv.err, "firedrill: --pubkey: {}\n", loaded.error().ToString());
      exit = kExitFailure;
      return false;
    }
    key->emplace(std::move(*loaded));
    return true;
  }
  auto loaded = SigningKey::LoadFromStateDir(ResolveStateDir(inv.args.Value("state")));
  if (!loaded) {
    fmt::print(inv.err, "firedrill: {}\n", loaded.error().ToString());
    exit = kExitStateError;
    return false;
  }
  *key = std::move(*loaded);
  return true;
}

// Reads --witness SOURCE (a file, or an http(s) URL to GET) for --origin. Prints and returns
// nullopt when it cannot be used.
std::optional<WitnessSource> LoadWitness(const Invocation& inv, const std::string& source) {
  std::string text;
  if (source.starts_with("http://") || source.starts_with("https://")) {
    WitnessHttpRequest request;
    request.url = source;
    request.timeout = kWitnessGetTimeout;
    if (auto ca = inv.args.Value("witness-ca")) request.ca_file = *ca;
    auto answer = ExchangeWithWitness(request);
    if (!answer) {
      fmt::print(inv.err, "firedrill: --witness: {}\n", answer.error().message);
      return std::nullopt;
    }
    if (answer->status != 200) {
      fmt::print(inv.err, "firedrill: --witness: {} answered HTTP {}\n", RedactUrl(source),
                 answer->status);
      return std::nullopt;
    }
    text = std::move(answer->body);
  } else {
    std::ifstream in(source, std::ios::binary);
    if (!in) {
      fmt::print(inv.err, "firedrill: --witness: cannot read {}: {}\n", source,
                 std::generic_category().message(errno));
      return std::nullopt;
    }
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // A URL is named by its origin only: its path may hold a secret.
  bool url = source.starts_with("http://") || source.starts_with("https://");
  auto parsed = ParseWitnessText(text, url ? RedactUrl(source) : source);
  if (!parsed) {
    fmt::print(inv.err, "firedrill: --witness: {}\n", parsed.error().message);
    return std::nullopt;
  }
  auto chosen = SelectOrigin(*parsed, inv.args.Value("origin"));
  if (!chosen) {
    fmt::print(inv.err, "firedrill: --witness: {}\n", chosen.error().message);
    return std::nullopt;
  }
  return std::move(*chosen);
}

json::object WitnessJson(const WitnessReport& w) {
  json::object o;
  o["source"] = w.source;
  o["origin"] = w.origin;
  o["ok"] = w.ok;
  o["witnessed"] = w.witnessed;
  if (w.last_witnessed) {
    json::object last = CheckpointSummaryJson(*w.last_witnessed);
    last["line"] = w.last_witnessed_line;
    o["last_witnessed"] = std::move(last);
  }
  o["unwitnessed_checkpoints"] = w.unwitnessed;
  json::array problems;
  for (const std::string& p : w.problems) problems.push_back(json::value(p));
  o["problems"] = std::move(problems);
  return o;
}

void PrintVerifyReport(const Invocation& inv, const RecordsReport& r, const SigningKey* key,
                       bool from_export) {
  const CheckpointReport& cps = r.checkpoints;
  if (inv.args.Has("json")) {
    json::object o;
    o["ok"] = r.ok();
    o["events_checked"] = r.chain.events_checked;
    o["head_hash"] = Hex(r.chain.head_hash);
    if (auto bad = r.FirstBadSeq()) o["first_bad_event"] = *bad;
    json::array problems;
    for (const std::string& p : r.Problems()) problems.push_back(json::value(p));
    if (!r.ok()) o["problem"] = problems.front();
    o["problems"] = std::move(problems);
    o["checkpoints"] = cps.total;
    o["checkpoints_verified"] = cps.verified;
    if (key != nullptr && cps.total > 0) o["key_id"] = key->id();
    if (cps.last_verified) o["last_checkpoint"] = CheckpointSummaryJson(*cps.last_verified);
    if (auto bad = r.BadCheckpoint()) o["bad_checkpoint"] = *bad;
    o["events_not_covered"] = r.EventsNotCovered();
    if (r.witness) o["witness"] = WitnessJson(*r.witness);
    json::array notes;
    for (const std::string& n : r.notes) notes.push_back(json::value(n));
    o["notes"] = std::move(notes);
    inv.out << json::serialize(o) << "\n";
    return;
  }
  if (r.chain.ok) {
    fmt::print(inv.out, "ok: {} event{} verified; the chain is intact. Head hash {}\n",
               r.chain.events_checked, r.chain.events_checked == 1 ? "" : "s",
               Hex(r.chain.head_hash));
  }
  if (cps.total == 0 && cps.ok) {
    if (from_export) {
      fmt::print(inv.out,
                 "the export holds no checkpoints: deleting its newest events would go unnoticed "
                 "(ask for an export made after a checkpoint: firedrill records checkpoint on "
                 "the recording host, then records export)\n");
    } else {
      fmt::print(inv.out,
                 "no checkpoints yet: deleting the newest events would go unnoticed (a "
                 "checkpoint is signed after each drill; firedrill records checkpoint signs one "
                 "now)\n");
    }
  } else if (cps.ok && cps.last_verified) {
    const Checkpoint& last = *cps.last_verified;
    fmt::print(inv.out,
               "ok: {} checkpoint{} verified with key {}; the last, checkpoint {} of {}, covers "
               "events up to #{}\n",
               cps.verified, cps.verified == 1 ? "" : "s", key->id().substr(0, 16), last.id,
               FormatUtc(last.ts), last.seq);
  }
  if (r.ok() && cps.total > 0) {
    std::int64_t uncovered = r.EventsNotCovered();
    if (uncovered == 0) {
      fmt::print(inv.out, "every event is covered by a checkpoint\n");
    } else {
      fmt::print(inv.out, "{} event{} (#{}..#{}) not yet covered by a checkpoint\n", uncovered,
                 uncovered == 1 ? "" : "s", r.last_seq - uncovered + 1, r.last_seq);
    }
  }
  if (r.witness) {
    const WitnessReport& w = *r.witness;
    if (w.ok && w.last_witnessed) {
      const Checkpoint& last = *w.last_witnessed;
      fmt::print(inv.out,
                 "ok: the records match all {} checkpoint{} witnessed in {} (origin {}); the "
                 "newest, checkpoint {} of {} (line {}), covers events up to #{}\n",
                 w.witnessed, w.witnessed == 1 ? "" : "s", w.source, w.origin, last.id,
                 FormatUtc(last.ts), w.last_witnessed_line, last.seq);
      if (r.last_seq > last.seq) {
        fmt::print(inv.out,
                   "{} event{} (#{}..#{}) after the last witnessed checkpoint: not "
                   "protected by this witness\n",
                   r.last_seq - last.seq, r.last_seq - last.seq == 1 ? "" : "s", last.seq + 1,
                   r.last_seq);
      }
    }
    if (w.unwitnessed > 0) {
      fmt::print(inv.out,
                 "note: the records hold {} checkpoint{} newer than any in {} (published after "
                 "it was read, or their publication failed)\n",
                 w.unwitnessed, w.unwitnessed == 1 ? "" : "s", w.source);
    }
  } else if (r.ok() && cps.total > 0) {
    fmt::print(inv.out,
               "note: not checked against a witness: whoever can write the state directory holds "
               "the signing key and could have rewritten all of this unseen (see --witness)\n");
  }
  for (const std::string& n : r.notes) fmt::print(inv.out, "note: {}\n", n);
  for (const std::string& p : r.Problems()) fmt::print(inv.out, "TAMPERED: {}\n", p);
  if (auto bad = r.FirstBadSeq()) {
    fmt::print(inv.out, "first bad event: #{}; events before it verified: {}\n", *bad,
               std::min(r.chain.events_checked, *bad - 1));
  }
  if (auto bad = r.BadCheckpoint()) fmt::print(inv.out, "bad checkpoint: {}\n", *bad);
}

int RunVerify(const Invocation& inv) {
  int exit = kExitOk;
  std::optional<SigningKey> key;
  std::optional<WitnessSource> witness;
  if (auto source = inv.args.Value("witness")) {
    witness = LoadWitness(inv, *source);
    if (!witness) return kExitFailure;
  } else if (inv.args.Value("origin") || inv.args.Value("witness-ca")) {
    fmt::print(inv.err, "firedrill: --origin and --witness-ca go with --witness SOURCE\n");
    return kExitUsage;
  }
  const WitnessSource* witnessed = witness ? &*witness : nullptr;
  if (auto file = inv.args.Value("from-export")) {
    // An export stands on its own: the state directory is only consulted for its key, and only
    // when no --pubkey is given.
    if (!LoadVerifyKey(inv, &key, exit)) return exit;
    std::ifstream in(*file, std::ios::binary);
    if (!in) {
      fmt::print(inv.err, "firedrill: cannot read {}: {}\n", *file,
                 std::generic_category().message(errno));
      return kExitFailure;
    }
    auto report = VerifyExport(in, *file, key ? &*key : nullptr, witnessed);
    if (!report.ok()) {
      fmt::print(inv.err, "firedrill: {}\n", report.error().ToString());
      return kExitFailure;
    }
    PrintVerifyReport(inv, *report, key ? &*key : nullptr, true);
    return report->ok() ? kExitOk : kExitTampered;
  }
  auto db = OpenRecords(inv, exit, false);
  if (!db) return exit;
  if (!LoadVerifyKey(inv, &key, exit)) return exit;
  auto report = VerifyRecords(*db, key ? &*key : nullptr, witnessed);
  if (!report.ok()) {
    fmt::print(inv.err, "firedrill: {}\n", report.error().ToString());
    return kExitStateError;
  }
  PrintVerifyReport(inv, *report, key ? &*key : nullptr, false);
  return report->ok() ? kExitOk : kExitTampered;
}

}  // namespace

Command RecordsVerifyCommand() {
  return Command{
      "records verify",
      "firedrill records verify [--pubkey FILE] [--from-export FILE] [--witness SOURCE "
      "[--origin NAME] [--witness-ca FILE]] [--json] [--state DIR]",
      "check that no recorded event or checkpoint was altered, deleted, inserted, reordered or "
      "truncated",
      "Walks the event log from the first event. Each event stores the SHA-256 of the event\n"
      "before it, and its own hash covers its sequence number, time, drill, kind, actor and\n"
      "payload; any edit, deletion, insertion or reordering breaks the chain. Then checks every\n"
      "signed checkpoint: its Ed25519 signature and key, its link to the checkpoint before it,\n"
      "and that the event it vouches for is still there with the hash it signed, so deleting\n"
      "the newest events is caught too, up to the last checkpoint. Events after it are reported\n"
      "as not yet covered (not an error). Names the first bad event and the bad checkpoint.\n"
      "Read-only.\n"
      "\n"
      "The signing key lives in the state directory, so whoever can rewrite the records can\n"
      "also re-sign them. --witness checks them against the copies of the checkpoints that\n"
      "firedrill published outside the state directory (docs/records.md, Witnesses): every\n"
      "witnessed checkpoint must still be there, unchanged, and its event must still have the\n"
      "hash it signed, whoever holds the key.\n"
      "\n"
      "Options:\n"
      "  --pubkey FILE       check the checkpoints with this public key (from firedrill records\n"
      "                      pubkey, received through a separate channel) instead of the state\n"
      "                      directory's key; the private key need not be present\n"
      "  --from-export FILE  verify a complete JSONL export (firedrill records export) instead of\n"
      "                      the database: every event is re-hashed from the exported fields,\n"
      "                      and the export must add up to its end line\n"
      "  --witness SOURCE    also check against a witness: a witness file, a file of exported\n"
      "                      journal lines (journalctl -t firedrill -o cat, or -o json), or an\n"
      "                      http(s):// URL that answers GET with the witnessed lines\n"
      "  --origin NAME       the records to check when SOURCE holds several (the witness list's\n"
      "                      origin)\n"
      "  --witness-ca FILE   for an https SOURCE: trust these CA certificates (PEM) instead of\n"
      "                      the system's\n"
      "  --json              {ok, events_checked, head_hash, first_bad_event, problem, problems,\n"
      "                      checkpoints, checkpoints_verified, key_id, last_checkpoint,\n"
      "                      bad_checkpoint, events_not_covered, witness, notes}\n"
      "\n"
      "Exit status: 0 if the records are intact, 5 if they are not, 4 if the records (or the\n"
      "key to check checkpoints with) cannot be read, 1 if --pubkey, the export or the witness\n"
      "source is unusable.\n",
      ArgSpec{{"json"}, {"pubkey", "from-export", "witness", "origin", "witness-ca"}, 0, 0},
      RunVerify};
}
}  // namespace firedrill
