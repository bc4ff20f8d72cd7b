#include "orchestrator/store/export_verify.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <istream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "orchestrator/store/chain_verifier.h"
#include "orchestrator/store/checkpoint_json.h"
#include "orchestrator/store/export_seal.h"
#include "orchestrator/store/record_export.h"
#include "orchestrator/store/record_text.h"

namespace firedrill {
namespace {

namespace json = boost::json;

constexpr std::string_view kFormatName = "firedrill-records";

// A malformed line: the report is bad, naming it.
struct LineError {
  std::string message;
};

// Field readers for one parsed line; throw LineError naming the field.
const json::value& Field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) throw LineError{fmt::format("no \"{}\" field", name)};
  return *v;
}
std::int64_t IntField(const json::object& o, std::string_view name) {
  const json::value& v = Field(o, name);
  if (!v.is_int64()) throw LineError{fmt::format("\"{}\" is not an integer", name)};
  return v.get_int64();
}
std::string_view StringField(const json::object& o, std::string_view name) {
  const json::value& v = Field(o, name);
  if (!v.is_string()) throw LineError{fmt::format("\"{}\" is not a string", name)};
  return {v.get_string().data(), v.get_string().size()};
}
std::int64_t TimeField(const json::object& o, std::string_view name) {
  auto ms = ParseExportTime(StringField(o, name));
  if (!ms)
    throw LineError{fmt::format("\"{}\" is not a UTC time like 2026-01-31T09:00:00.000Z", name)};
  return *ms;
}
Hash256 HashField(const json::object& o, std::string_view name) {
  Hash256 h{};
  if (!FromHex(StringField(o, name), &h)) {
    throw LineError{fmt::format("\"{}\" is not 64 lowercase hex digits", name)};
  }
  return h;
}

// Reads the header line; returns the export format version.
Expected<std::int64_t> ReadHeader(const std::string& line, std::string_view name) {
  boost::system::error_code ec;
  json::value header = json::parse(line, ec);
  const json::object* h = !ec && header.is_object() ? &header.as_object() : nullptr;
  const json::value* type = h ? h->if_contains("type") : nullptr;
  const json::value* format = h ? h->if_contains("format") : nullptr;
  if (h == nullptr || type == nullptr || *type != "header" || format == nullptr ||
      *format != json::string_view(kFormatName.data(), kFormatName.size())) {
    return Error{fmt::format(
        "{} is not a firedrill JSONL export (its first line is not the export header; make "
        "one with firedrill records export --format jsonl)",
        name)};
  }
  const json::value* version = h->if_contains("version");
  if (version == nullptr || !version->is_int64() || version->get_int64() < 1 ||
      version->get_int64() > kExportFormatVersion) {
    return Error{fmt::format("{}: export format version {} is not one this firedrill reads (1, {})",
                             name, version ? json::serialize(*version) : "missing",
                             kExportFormatVersion)};
  }
  const json::value* complete = h->if_contains("complete");
  if (complete == nullptr || *complete != true) {
    const json::value* filter = h->if_contains("filter");
    return Error{fmt::format(
        "{} is a partial export (filter {}); only a complete export (no --service, --from, "
        "--to or --what) shows the whole chain and can be verified on its own",
        name, filter ? json::serialize(*filter) : "{}")};
  }
  return version->get_int64();
}

// What the export held, to compare with its end line.
struct Held {
  std::int64_t events = 0;
  std::int64_t last_seq = 0;
  Hash256 head_hash{};
  const std::vector<Checkpoint>* checkpoints = nullptr;
};

// Compares the end line (at `line`) with what the export held; problems go to `copy`.
Status CheckSeal(const ExportSeal& seal, std::int64_t line, const Held& held, std::string_view name,
                 const SigningKey* key, RecordsReport* report) {
  CopyReport& copy = report->copy;
  auto at = fmt::format("{} line {}", name, line);
  if (!seal.complete) {
    copy.problems.push_back(fmt::format(
        "{}: the end line says the export is filtered, but its header says it is complete: the "
        "header was edited",
        at));
  }
  if (seal.events != held.events || seal.last_seq != held.last_seq ||
      seal.head_hash != held.head_hash) {
    std::string what;
    if (held.last_seq < seal.last_seq) {
      what = fmt::format("event lines {}..{} were removed (the export was cut)", held.last_seq + 1,
                         seal.last_seq);
      copy.first_bad_seq = held.last_seq + 1;
    } else if (held.events < seal.events) {
      what = fmt::format("{} event line{} removed", seal.events - held.events,
                         seal.events - held.events == 1 ? " was" : "s were");
    } else if (held.events > seal.events) {
      what = fmt::format("{} event line{} added", held.events - seal.events,
                         held.events - seal.events == 1 ? " was" : "s were");
    } else {
      what = "event lines were altered";
    }
    copy.problems.push_back(
        fmt::format("{}: the end line counts {} event{} up to #{}, but the export holds {} up to "
                    "#{}: {}",
                    at, seal.events, seal.events == 1 ? "" : "s", seal.last_seq, held.events,
                    held.last_seq, what));
  }
  const std::vector<Checkpoint>& cps = *held.checkpoints;
  auto count = static_cast<std::int64_t>(cps.size());
  std::int64_t last_id = cps.empty() ? 0 : cps.back().id;
  Hash256 last_hash{};
  if (!cps.empty()) {
    auto sha = Sha256::Create();
    if (!sha) return sha.error();
    if (!CheckpointHash(cps.back(), *sha, &last_hash)) {
      return Error{"SHA-256 failed inside OpenSSL"};
    }
  }
  if (seal.checkpoints != count || seal.last_checkpoint != last_id ||
      seal.last_checkpoint_hash != last_hash) {
    std::string what;
    if (last_id < seal.last_checkpoint) {
      what =
          last_id + 1 == seal.last_checkpoint
              ? fmt::format("checkpoint {} was removed", seal.last_checkpoint)
              : fmt::format("checkpoints {}..{} were removed", last_id + 1, seal.last_checkpoint);
      copy.bad_checkpoint = last_id + 1;
    } else if (count < seal.checkpoints) {
      what = fmt::format("{} checkpoint line{} removed", seal.checkpoints - count,
                         seal.checkpoints - count == 1 ? " was" : "s were");
    } else if (count > seal.checkpoints) {
      what = fmt::format("{} checkpoint line{} added", count - seal.checkpoints,
                         count - seal.checkpoints == 1 ? " was" : "s were");
    } else {
      what =
          fmt::format("checkpoint {} is not the one the end line names: it was altered", last_id);
      copy.bad_checkpoint = last_id;
    }
    copy.problems.push_back(fmt::format(
        "{}: the end line counts {} checkpoint{}{}, but the export holds {}{}: {}", at,
        seal.checkpoints, seal.checkpoints == 1 ? "" : "s",
        seal.checkpoints > 0 ? fmt::format(" (the last, checkpoint {})", seal.last_checkpoint)
                             : std::string(),
        count, count > 0 ? fmt::format(" (the last, checkpoint {})", last_id) : std::string(),
        what));
  }
  if (seal.signature.empty()) {
    report->notes.push_back(fmt::format(
        "{}: the end line is not signed (exported without the checkpoint key): lines removed "
        "together with a matching edit of the end line would not show",
        at));
  } else if (key == nullptr) {
    report->notes.push_back(
        fmt::format("{}: the end line's signature (key {}) was not checked: no key given", at,
                    seal.key_id.substr(0, 16)));
  } else if (seal.key_id != key->id() || !key->Verify(SealMessage(seal), seal.signature)) {
    copy.problems.push_back(fmt::format(
        "{}: the end line's signature does not verify with key {} (it names key {}): the end "
        "line was altered, or the export is not of these records",
        at, key->id().substr(0, 16), seal.key_id.substr(0, 16)));
  }
  return Status::Ok();
}

}  // namespace

Expected<RecordsReport> VerifyExport(std::istream& in, std::string_view name, const SigningKey* key,
                                     const WitnessSource* witness) {
  std::string line;
  if (!std::getline(in, line)) {
    return Error{fmt::format("{} is empty: not a firedrill JSONL export", name)};
  }
  auto version = ReadHeader(line, name);
  if (!version) return version.error();

  auto verifier = ChainVerifier::Start();
  if (!verifier) return verifier.error();
  RecordsReport report;
  std::vector<Hash256> hashes;            // hashes[seq - 1], for the unbroken run of seqs from 1
  std::map<std::int64_t, Hash256> stray;  // events after a gap or out of order
  std::vector<Checkpoint> checkpoints;
  Held held;
  held.checkpoints = &checkpoints;
  std::optional<ExportSeal> seal;
  std::int64_t seal_line = 0;
  std::optional<std::string> bad_line;
  bool chain_done = false;
  std::int64_t line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    try {
      boost::system::error_code ec;
      json::value v = json::parse(line, ec);
      if (ec) throw LineError{"not valid JSON (" + ec.message() + ")"};
      if (!v.is_object()) throw LineError{"not a JSON object"};
      const json::object& o = v.as_object();
      std::string_view type = StringField(o, "type");
      if (seal) throw LineError{fmt::format("a \"{}\" record after the end line", type)};
      if (type == "event") {
        if (!checkpoints.empty()) throw LineError{"an event after the checkpoints"};
        std::int64_t seq = IntField(o, "seq");
        Hash256 prev = HashField(o, "prev_hash");
        Hash256 hash = HashField(o, "hash");
        StoredEventView view{seq,
                             TimeField(o, "ts"),
                             StringField(o, "drill"),
                             StringField(o, "kind"),
                             StringField(o, "actor"),
                             StringField(o, "payload"),
                             prev,
                             hash};
        report.last_seq = std::max(report.last_seq, seq);
        if (seq == static_cast<std::int64_t>(hashes.size()) + 1) {
          hashes.push_back(hash);
        } else {
          stray.emplace(seq, hash);
        }
        ++held.events;
        held.last_seq = seq;
        held.head_hash = hash;
        if (!chain_done && !verifier->Add(view)) chain_done = true;
      } else if (type == "checkpoint") {
        auto cp = CheckpointFromJson(o);
        if (!cp) throw LineError{cp.error().message};
        checkpoints.push_back(std::move(*cp));
      } else if (type == "end") {
        if (*version < 2) throw LineError{"an end line in a version 1 export"};
        auto read = SealFromJson(o);
        if (!read) throw LineError{"the end line: " + read.error().message};
        seal = std::move(*read);
        seal_line = line_no;
      } else if (type == "header") {
        throw LineError{"a second header (two exports joined?)"};
      } else {
        throw LineError{fmt::format("unknown record type \"{}\"", type)};
      }
    } catch (const LineError& e) {
      bad_line = fmt::format("{} line {}: not a valid export record: {}", name, line_no, e.message);
      break;
    }
  }
  if (in.bad()) return Error{fmt::format("cannot read {}", name)};
  auto chain = verifier->Finish();
  if (!chain) return chain.error();
  report.chain = std::move(*chain);
  if (bad_line) {
    // The export itself is damaged: nothing after the bad line can be trusted or checked.
    report.chain.ok = false;
    report.chain.problem =
        report.chain.problem.empty() ? *bad_line : report.chain.problem + "; and " + *bad_line;
    return report;
  }
  if (*version >= 2 && !seal) {
    report.copy.problems.push_back(fmt::format(
        "{} ends at line {} without its end line: the export was cut (truncated?), so its last "
        "events or checkpoints may be missing",
        name, line_no));
  } else if (seal) {
    if (Status st = CheckSeal(*seal, seal_line, held, name, key, &report); !st) {
      return st.error();
    }
  } else {
    report.notes.push_back(fmt::format(
        "{} is a version 1 export: it has no end line, so checkpoint lines removed from its end "
        "would not show (export again with this firedrill)",
        name));
  }
  if (!checkpoints.empty() && key == nullptr) {
    return Error{fmt::format("{} holds {} checkpoint{}: pass --pubkey FILE to check them", name,
                             checkpoints.size(), checkpoints.size() == 1 ? "" : "s")};
  }
  EventHashLookup hash_at = [&](std::int64_t seq) -> Expected<std::optional<Hash256>> {
    if (seq >= 1 && seq <= static_cast<std::int64_t>(hashes.size())) {
      return std::optional<Hash256>(hashes[static_cast<std::size_t>(seq - 1)]);
    }
    auto it = stray.find(seq);
    return it == stray.end() ? std::optional<Hash256>() : std::optional<Hash256>(it->second);
  };
  if (key != nullptr) {
    auto checked = CheckCheckpoints(checkpoints, *key, report.last_seq, hash_at);
    if (!checked) return checked.error();
    report.checkpoints = std::move(*checked);
  }
  if (witness != nullptr) {
    auto witnessed = CheckAgainstWitness(*witness, checkpoints, key, report.last_seq, hash_at);
    if (!witnessed) return witnessed.error();
    report.witness = std::move(*witnessed);
  }
  return report;
}

}  // namespace firedrill
