#include "orchestrator/store/witness.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <set>
#include <utility>

#include "orchestrator/store/checkpoint_json.h"

namespace firedrill {
namespace {

namespace json = boost::json;

std::string_view View(const json::string& s) { return {s.data(), s.size()}; }

// Reads a record from a JSON object: the record itself, or a journal entry (journalctl -o json)
// whose MESSAGE holds a syslog-style line. nullopt for an object that is neither.
Expected<std::optional<WitnessedCheckpoint>> ParseLine(std::string_view line, int depth);

Expected<std::optional<WitnessedCheckpoint>> FromObject(const json::object& o, int depth) {
  if (const json::value* message = o.if_contains("MESSAGE"); message != nullptr && depth == 0) {
    // A binary journal field: not ours.
    if (!message->is_string()) return std::optional<WitnessedCheckpoint>();
    return ParseLine(View(message->get_string()), depth + 1);
  }
  const json::value* type = o.if_contains("type");
  if (type == nullptr || !type->is_string() || View(type->get_string()) != kWitnessTag) {
    return std::optional<WitnessedCheckpoint>();
  }
  const json::value* origin = o.if_contains("origin");
  if (origin == nullptr || !origin->is_string() || origin->get_string().empty()) {
    return Error{"the record has no \"origin\""};
  }
  auto cp = CheckpointFromJson(o);
  if (!cp) return cp.error();
  WitnessedCheckpoint w;
  w.origin = std::string(View(origin->get_string()));
  w.checkpoint = std::move(*cp);
  return std::optional<WitnessedCheckpoint>(std::move(w));
}

Expected<std::optional<WitnessedCheckpoint>> ParseLine(std::string_view line, int depth) {
  const bool tagged = line.find(kWitnessTag) != std::string_view::npos;
  std::size_t start = line.find_first_not_of(" \t");
  std::string_view json_text;
  if (start != std::string_view::npos && line[start] == '{') {
    json_text = line.substr(start);  // a witness file's line, or a journal entry
  } else {
    // A syslog line: "<prefix> firedrill-checkpoint {...}".
    std::string marker = std::string(kWitnessTag) + " {";
    std::size_t at = line.find(marker);
    if (at == std::string_view::npos) return std::optional<WitnessedCheckpoint>();
    json_text = line.substr(at + marker.size() - 1);
  }
  boost::system::error_code ec;
  json::value v = json::parse(json::string_view(json_text.data(), json_text.size()), ec);
  if (ec || !v.is_object()) {
    // Damage to one of ours is reported; anything else in a journal is none of our business.
    if (!tagged) return std::optional<WitnessedCheckpoint>();
    return Error{ec ? fmt::format("not valid JSON ({})", ec.message())
                    : std::string("not a JSON object")};
  }
  return FromObject(v.as_object(), depth);
}

}  // namespace

std::string WitnessRecord(const Checkpoint& cp, std::string_view origin) {
  json::object o;
  o["type"] = kWitnessTag;
  o["origin"] = origin;
  for (const json::key_value_pair& field : CheckpointJson(cp)) o[field.key()] = field.value();
  return json::serialize(o);
}

Expected<WitnessSource> ParseWitnessText(std::string_view text, std::string name) {
  WitnessSource source;
  source.name = std::move(name);
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos = end + 1;
    ++source.lines;
    auto parsed = ParseLine(line, 0);
    if (!parsed) {
      return Error{fmt::format("{} line {}: not a valid witnessed checkpoint: {}", source.name,
                               source.lines, parsed.error().message)};
    }
    if (!*parsed) continue;
    (*parsed)->line = source.lines;
    source.checkpoints.push_back(std::move(**parsed));
  }
  if (source.checkpoints.empty()) {
    return Error{fmt::format(
        "{} holds no witnessed firedrill checkpoint ({} line{} read; each published checkpoint "
        "is a line with \"{}\")",
        source.name, source.lines, source.lines == 1 ? "" : "s", kWitnessTag)};
  }
  return source;
}

Expected<WitnessSource> SelectOrigin(const WitnessSource& source,
                                     const std::optional<std::string>& origin) {
  std::set<std::string> origins;
  for (const WitnessedCheckpoint& w : source.checkpoints) origins.insert(w.origin);
  auto list = [&] {
    std::string out;
    for (const std::string& o : origins) out += (out.empty() ? "\"" : ", \"") + o + "\"";
    return out;
  };
  std::string chosen;
  if (origin) {
    if (!origins.contains(*origin)) {
      return Error{fmt::format("{} holds no checkpoint of origin \"{}\"; it holds: {}", source.name,
                               *origin, list())};
    }
    chosen = *origin;
  } else if (origins.size() == 1) {
    chosen = *origins.begin();
  } else {
    return Error{
        fmt::format("{} holds the checkpoints of {} records (origins {}): choose one with --origin",
                    source.name, origins.size(), list())};
  }
  WitnessSource out;
  out.name = source.name;
  out.lines = source.lines;
  for (const WitnessedCheckpoint& w : source.checkpoints) {
    if (w.origin == chosen) out.checkpoints.push_back(w);
  }
  return out;
}

}  // namespace firedrill
