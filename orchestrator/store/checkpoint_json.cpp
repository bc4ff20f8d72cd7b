#include "orchestrator/store/checkpoint_json.h"

#include <fmt/format.h>

#include <chrono>
#include <string_view>

#include "orchestrator/store/record_text.h"

namespace firedrill {
namespace {

namespace json = boost::json;

// A malformed field; caught in CheckpointFromJson and turned into its Error.
struct FieldError {
  std::string message;
};

const json::value& Field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) throw FieldError{fmt::format("no \"{}\" field", name)};
  return *v;
}

std::int64_t IntField(const json::object& o, std::string_view name) {
  const json::value& v = Field(o, name);
  if (!v.is_int64()) throw FieldError{fmt::format("\"{}\" is not an integer", name)};
  return v.get_int64();
}

std::string_view StringField(const json::object& o, std::string_view name) {
  const json::value& v = Field(o, name);
  if (!v.is_string()) throw FieldError{fmt::format("\"{}\" is not a string", name)};
  return {v.get_string().data(), v.get_string().size()};
}

Hash256 HashField(const json::object& o, std::string_view name) {
  Hash256 h{};
  if (!FromHex(StringField(o, name), &h)) {
    throw FieldError{fmt::format("\"{}\" is not 64 lowercase hex digits", name)};
  }
  return h;
}

}  // namespace

json::object CheckpointJson(const Checkpoint& cp) {
  json::object o;
  o["version"] = cp.version;
  o["id"] = cp.id;
  o["seq"] = cp.seq;
  o["ts"] = FormatRecordTime(cp.ts.time_since_epoch().count());
  o["head_hash"] = Hex(cp.head_hash);
  o["prev_hash"] = Hex(cp.prev_hash);
  if (cp.version >= kCheckpointV2) o["prev_seq"] = cp.prev_seq;
  o["key_id"] = cp.key_id;
  o["signature"] = Hex(cp.signature);
  return o;
}

Expected<Checkpoint> CheckpointFromJson(const json::object& o) {
  try {
    Checkpoint cp;
    cp.version = o.contains("version") ? static_cast<int>(IntField(o, "version")) : kCheckpointV1;
    if (cp.version != kCheckpointV1 && cp.version != kCheckpointV2) {
      return Error{
          fmt::format("checkpoint version {} is not one this firedrill knows (1, 2)", cp.version)};
    }
    cp.id = IntField(o, "id");
    cp.seq = IntField(o, "seq");
    auto ms = ParseExportTime(StringField(o, "ts"));
    if (!ms) throw FieldError{"\"ts\" is not a UTC time like 2026-01-31T09:00:00.000Z"};
    cp.ts = SysTime(std::chrono::milliseconds(*ms));
    cp.head_hash = HashField(o, "head_hash");
    cp.prev_hash = HashField(o, "prev_hash");
    if (cp.version >= kCheckpointV2) cp.prev_seq = IntField(o, "prev_seq");
    cp.key_id = StringField(o, "key_id");
    if (!FromHex(StringField(o, "signature"), &cp.signature)) {
      throw FieldError{"\"signature\" is not lowercase hex digits"};
    }
    return cp;
  } catch (const FieldError& e) {
    return Error{e.message};
  }
}

}  // namespace firedrill
