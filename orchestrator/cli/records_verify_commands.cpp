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
#include <sstream>
#include <system_error>

#include "drills/zoned_time.h"
#include "orchestrator/announce/webhook_url.h"
#include "orchestrator/cli/records_common.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/export_verify.h"
#include "orchestrator/store/record_export.h"
#include "orchestrator/store/records_check.h"
#include "orchestrator/store/sha256.h"
#include "orchestrator/store/signing_key.h"
#include "orchestrator/store/state_dir.h"
#include "orchestrator/store/witness.h"
#include "orchestrator/store/witness_http.h"
#include "orchestrator/store/witness_publish.h"

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

json::object CheckpointSummaryJson(const Checkpoint& cp) {
  return json::object{{"id", cp.id},
                      {"seq", cp.seq},
                      {"ts", FormatUtc(cp.ts)},
                      {"head_hash", ToHex(cp.head_hash)},
                      {"key_id", cp.key_id},
                      {"version", cp.version}};
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
    o["head_hash"] = ToHex(r.chain.head_hash);
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
               ToHex(r.chain.head_hash));
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

int RunExport(const Invocation& inv) {
  ExportOptions options;
  std::string format = inv.args.Value("format").value_or("jsonl");
  if (format == "jsonl") {
    options.format = ExportFormat::kJsonl;
  } else if (format == "csv") {
    options.format = ExportFormat::kCsv;
  } else {
    fmt::print(inv.err, "firedrill: --format \"{}\" is not one of: jsonl, csv\n", format);
    return kExitUsage;
  }
  std::string what = inv.args.Value("what").value_or(format == "csv" ? "events" : "all");
  if (what == "all") {
    options.what = ExportWhat::kAll;
  } else if (what == "events") {
    options.what = ExportWhat::kEvents;
  } else if (what == "checkpoints") {
    options.what = ExportWhat::kCheckpoints;
  } else {
    fmt::print(inv.err, "firedrill: --what \"{}\" is not one of: all, events, checkpoints\n", what);
    return kExitUsage;
  }
  if (options.format == ExportFormat::kCsv && options.what == ExportWhat::kAll) {
    fmt::print(inv.err,
               "firedrill: a CSV export holds one table: --what events (the default) or --what "
               "checkpoints; JSONL holds both\n");
    return kExitUsage;
  }
  auto period = ReadPeriod(inv);
  if (!period) return kExitUsage;
  options.filter.service = inv.args.Value("service");
  options.filter.from = period->from;
  options.filter.until = period->until;

  int exit = kExitOk;
  auto db = OpenRecords(inv, exit, false);
  if (!db) return exit;

  // The end line is signed with the checkpoint key when this account can read it (it never
  // creates one): then lines cut from the export cannot be hidden by editing the end line.
  std::optional<SigningKey> seal_key;
  if (options.format == ExportFormat::kJsonl) {
    auto loaded = SigningKey::LoadFromStateDir(ResolveStateDir(inv.args.Value("state")));
    if (loaded && *loaded) {
      seal_key = std::move(**loaded);
      options.seal_key = &*seal_key;
    } else {
      fmt::print(inv.err, "firedrill: note: the export's end line is not signed ({})\n",
                 loaded ? "no checkpoint key yet" : loaded.error().message);
    }
  }

  std::optional<std::string> output = inv.args.Value("output");
  if (!output) {
    auto counts = ExportRecords(*db, options, inv.out);
    if (!counts) {
      fmt::print(inv.err, "firedrill: {}\n", counts.error().ToString());
      return kExitFailure;
    }
    return kExitOk;
  }
  // Written beside the target and renamed at the end: a failed export never leaves a file that
  // looks complete.
  std::filesystem::path target(*output);
  std::filesystem::path partial = target;
  partial += ".partial";
  Expected<ExportCounts> counts = Error{""};
  {
    std::ofstream file(partial, std::ios::binary | std::ios::trunc);
    if (!file) {
      fmt::print(inv.err, "firedrill: cannot write {}: {}\n", partial.string(),
                 std::generic_category().message(errno));
      return kExitFailure;
    }
    counts = ExportRecords(*db, options, file);
    file.close();
    if (counts && !file) counts = Error{fmt::format("writing {} failed", partial.string())};
  }
  std::error_code ec;
  if (counts) std::filesystem::rename(partial, target, ec);
  if (!counts || ec) {
    std::filesystem::remove(partial, ec);
    fmt::print(inv.err, "firedrill: {}\n",
               counts ? fmt::format("cannot create {}: {}", target.string(), ec.message())
                      : counts.error().ToString());
    return kExitFailure;
  }
  fmt::print(inv.out, "exported {} event{} and {} checkpoint{} to {}\n", counts->events,
             counts->events == 1 ? "" : "s", counts->checkpoints,
             counts->checkpoints == 1 ? "" : "s", target.string());
  return kExitOk;
}

int RunPubkey(const Invocation& inv) {
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  auto key = SigningKey::LoadFromStateDir(dir);
  if (!key) {
    fmt::print(inv.err, "firedrill: {}\n", key.error().ToString());
    return kExitStateError;
  }
  if (!*key) {
    fmt::print(inv.err,
               "firedrill: no checkpoint key yet: {} holds no {} (it is created with the first "
               "checkpoint, after the first drill or by firedrill records checkpoint)\n",
               dir.string(), SigningKey::kFileName);
    return kExitStateError;
  }
  if (inv.args.Has("json")) {
    inv.out << json::serialize(json::object{{"key_id", (*key)->id()},
                                            {"public_key_pem", (*key)->PublicKeyPem()}})
            << "\n";
  } else {
    inv.out << (*key)->PublicKeyPem();
  }
  return kExitOk;
}

int RunCheckpoint(const Invocation& inv) {
  std::filesystem::path dir = ResolveStateDir(inv.args.Value("state"));
  std::error_code ec;
  if (!std::filesystem::exists(dir / Database::kFileName, ec)) {
    fmt::print(inv.err, "firedrill: no records at {} (no {}); nothing to checkpoint\n",
               dir.string(), Database::kFileName);
    return kExitStateError;
  }
  auto db = Database::Open(dir, OpenMode::kReadWrite);
  if (!db) {
    fmt::print(inv.err, "firedrill: {}\n", db.error().ToString());
    return kExitStateError;
  }
  auto cp = WriteCheckpoint(*db, dir);
  if (!cp) {
    fmt::print(inv.err, "firedrill: {}\n", cp.error().ToString());
    return kExitFailure;
  }
  Publication published = PublishToWitnesses(*cp, dir);
  if (inv.args.Has("json")) {
    json::object o = CheckpointSummaryJson(*cp);
    json::array witnesses;
    for (const WitnessDelivery& d : published.deliveries) {
      json::object w{{"witness", d.witness}, {"ok", d.ok}};
      if (!d.ok) w["error"] = d.error;
      witnesses.push_back(std::move(w));
    }
    o["witnesses"] = std::move(witnesses);
    if (published.list) o["witness_list"] = published.list->string();
    if (published.problem) o["witness_problem"] = *published.problem;
    inv.out << json::serialize(o) << "\n";
  } else {
    fmt::print(inv.out, "checkpoint {}: events up to #{}, head hash {}, signed at {} with key {}\n",
               cp->id, cp->seq, ToHex(cp->head_hash), FormatUtc(cp->ts), cp->key_id);
    for (const std::string& line : published.Describe(*cp)) fmt::print(inv.out, "{}\n", line);
  }
  if (!published.ok()) {
    fmt::print(inv.err,
               "firedrill: checkpoint {} is signed and stored, but not every witness has it (see "
               "above); the next checkpoint published links to it\n",
               cp->id);
    return kExitFailure;
  }
  return kExitOk;
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

Command RecordsExportCommand() {
  return Command{
      "records export",
      "firedrill records export [--format jsonl|csv] [--what all|events|checkpoints] "
      "[--service NAME] [--from DATE] [--to DATE] [--output FILE] [--state DIR]",
      "every event and checkpoint as JSONL or CSV, for auditors",
      "Writes the records from one consistent snapshot. Each event: seq, ts (UTC, ISO-8601 with\n"
      "milliseconds), drill, kind, actor, payload (the recorded JSON text, verbatim), prev_hash\n"
      "and hash (hex). Each checkpoint: version, id, seq, ts, head_hash, prev_hash, prev_seq,\n"
      "key_id, signature. A JSONL export ends with an end line counting its events and\n"
      "checkpoints, signed with the checkpoint key when it can be read. A complete JSONL export\n"
      "can be verified on its own: firedrill records verify --from-export FILE --pubkey KEY.\n"
      "Read-only.\n"
      "\n"
      "Options:\n"
      "  --format jsonl|csv  JSONL (default): a header line, then {\"type\":\"event\",...} lines,\n"
      "                      {\"type\":\"checkpoint\",...} lines and the {\"type\":\"end\",...} "
      "line.\n"
      "                      CSV (RFC 4180, CRLF): one table with a header row\n"
      "  --what WHAT         all (JSONL default), events (CSV default) or checkpoints\n"
      "  --service NAME      only events of drills of this service (checkpoints are kept)\n"
      "  --from DATE         only records at or after DATE\n"
      "  --to DATE           only records on or before DATE (a date includes the whole day)\n"
      "  --output FILE       write to FILE (replaced only when the export is complete) instead\n"
      "                      of standard output\n"
      "\n"
      "A filtered export (--service, --from, --to, --what) is for reading; only a complete one\n"
      "shows the whole chain.\n"
      "\n"
      "Exit status: 0, 4 if the records cannot be read, 1 if the output cannot be written.\n",
      ArgSpec{{}, {"format", "what", "service", "from", "to", "output"}, 0, 0},
      RunExport};
}

Command RecordsPubkeyCommand() {
  return Command{
      "records pubkey",
      "firedrill records pubkey [--json] [--state DIR]",
      "the public key that checkpoints are verified with (PEM)",
      "Prints the public half of the state directory's checkpoint key as PEM. Give it to\n"
      "auditors through a separate channel (not together with a copy of the records): with it\n"
      "they can verify a copy offline, firedrill records verify --pubkey FILE. Read-only.\n"
      "\n"
      "Options:\n"
      "  --json   {key_id, public_key_pem}\n"
      "\n"
      "Exit status: 0, 4 if there is no key yet (it is created with the first checkpoint).\n",
      ArgSpec{{"json"}, {}, 0, 0},
      RunPubkey};
}

Command RecordsCheckpointCommand() {
  return Command{
      "records checkpoint",
      "firedrill records checkpoint [--json] [--state DIR]",
      "sign a checkpoint of the event log now and publish it to the witnesses",
      "Signs \"the log ends at event N with hash H\" with the state directory's Ed25519 key\n"
      "(created with mode 0600 on first use) and stores it. firedrill signs one after every\n"
      "drill; this signs one now, e.g. before copying the records for an audit. Refuses to sign\n"
      "a log that does not extend the previous checkpoint (run firedrill records verify).\n"
      "\n"
      "Then publishes it to every witness of the operator's witness list ($FIREDRILL_WITNESSES,\n"
      "else /etc/firedrill/witnesses; see docs/records.md, Witnesses) and says where it went.\n"
      "\n"
      "Options:\n"
      "  --json   {id, seq, ts, head_hash, key_id, version, witnesses [{witness, ok, error}],\n"
      "           witness_list, witness_problem}\n"
      "\n"
      "Exit status: 0, 4 if there are no records, 1 if the checkpoint could not be signed, or\n"
      "was signed but a witness did not get it (or the witness list is unusable).\n",
      ArgSpec{{"json"}, {}, 0, 0},
      RunCheckpoint};
}

}  // namespace firedrill
