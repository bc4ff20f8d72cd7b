#include "orchestrator/cli/records_evidence_commands.h"

#include <fmt/format.h>
#include <fmt/ostream.h>

#include <boost/json.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <system_error>

#include "drills/zoned_time.h"
#include "orchestrator/cli/records_common.h"
#include "orchestrator/exit_status.h"
#include "orchestrator/store/checkpoint.h"
#include "orchestrator/store/database.h"
#include "orchestrator/store/record_export.h"
#include "orchestrator/store/sha256.h"
#include "orchestrator/store/signing_key.h"
#include "orchestrator/store/state_dir.h"
#include "orchestrator/store/witness_publish.h"

namespace firedrill {
namespace {

namespace json = boost::json;

int RunExport(const Invocation& inv) {
  ExportOptions options;
  // --json, as every command that writes JSON takes it: the JSON form of an export is JSONL.
  if (inv.args.Has("json") && inv.args.Value("format") && *inv.args.Value("format") != "jsonl") {
    fmt::print(inv.err, "firedrill: --json and --format {} disagree; give one of them\n",
               *inv.args.Value("format"));
    return kExitUsage;
  }
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
               cp->id, cp->seq, Hex(cp->head_hash), FormatUtc(cp->ts), cp->key_id);
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

Command RecordsExportCommand() {
  return Command{
      "records export",
      "firedrill records export [--format jsonl|csv] [--json] [--what all|events|checkpoints] "
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
      "  --json              same as --format jsonl\n"
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
      ArgSpec{{"json"}, {"format", "what", "service", "from", "to", "output"}, 0, 0},
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
