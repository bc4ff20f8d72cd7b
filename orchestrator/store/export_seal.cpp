#include "orchestrator/store/export_seal.h"

#include <fmt/format.h>

#include <string_view>

#include "orchestrator/store/record_text.h"

namespace firedrill {
namespace {

namespace json = boost::json;

constexpr std::string_view kDomain = "firedrill export end v1\n";
static_assert(kDomain.size() == 24);

std::string_view View(const json::string& s) { return {s.data(), s.size()}; }

void PutU64(std::uint64_t v, std::vector<unsigned char>* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<unsigned char>(v >> (8 * i)));
}

}  // namespace

std::vector<unsigned char> SealMessage(const ExportSeal& seal) {
  std::vector<unsigned char> m(kDomain.begin(), kDomain.end());
  m.reserve(kDomain.size() + 1 + 4 * 8 + 3 * 32);
  m.push_back(seal.complete ? 1 : 0);
  PutU64(static_cast<std::uint64_t>(seal.events), &m);
  PutU64(static_cast<std::uint64_t>(seal.last_seq), &m);
  m.insert(m.end(), seal.head_hash.begin(), seal.head_hash.end());
  PutU64(static_cast<std::uint64_t>(seal.checkpoints), &m);
  PutU64(static_cast<std::uint64_t>(seal.last_checkpoint), &m);
  m.insert(m.end(), seal.last_checkpoint_hash.begin(), seal.last_checkpoint_hash.end());
  Hash256 key_id{};
  if (!FromHex(seal.key_id, &key_id)) key_id.fill(0);
  m.insert(m.end(), key_id.begin(), key_id.end());
  return m;
}

Status SignSeal(const SigningKey& key, ExportSeal* seal) {
  seal->key_id = key.id();
  auto signature = key.Sign(SealMessage(*seal));
  if (!signature) return signature.error();
  seal->signature.assign(signature->begin(), signature->end());
  return Status::Ok();
}

json::object SealJson(const ExportSeal& seal) {
  json::object o;
  o["type"] = "end";
  o["complete"] = seal.complete;
  o["events"] = seal.events;
  o["last_seq"] = seal.last_seq;
  o["head_hash"] = Hex(seal.head_hash);
  o["checkpoints"] = seal.checkpoints;
  o["last_checkpoint"] = seal.last_checkpoint;
  o["last_checkpoint_hash"] = Hex(seal.last_checkpoint_hash);
  if (!seal.signature.empty()) {
    o["key_id"] = seal.key_id;
    o["signature"] = Hex(seal.signature);
  }
  return o;
}

Expected<ExportSeal> SealFromJson(const json::object& o) {
  ExportSeal seal;
  auto integer = [&](std::string_view name, std::int64_t* out) -> Status {
    const json::value* v = o.if_contains(name);
    if (v == nullptr || !v->is_int64() || v->get_int64() < 0) {
      return Error{fmt::format("\"{}\" is missing or not a count", name)};
    }
    *out = v->get_int64();
    return Status::Ok();
  };
  auto hash = [&](std::string_view name, Hash256* out) -> Status {
    const json::value* v = o.if_contains(name);
    if (v == nullptr || !v->is_string() || !FromHex(View(v->get_string()), out)) {
      return Error{fmt::format("\"{}\" is not 64 lowercase hex digits", name)};
    }
    return Status::Ok();
  };
  const json::value* complete = o.if_contains("complete");
  if (complete == nullptr || !complete->is_bool())
    return Error{"\"complete\" is not true or false"};
  seal.complete = complete->get_bool();
  for (Status st : {integer("events", &seal.events), integer("last_seq", &seal.last_seq),
                    hash("head_hash", &seal.head_hash), integer("checkpoints", &seal.checkpoints),
                    integer("last_checkpoint", &seal.last_checkpoint),
                    hash("last_checkpoint_hash", &seal.last_checkpoint_hash)}) {
    if (!st) return st.error();
  }
  const json::value* key_id = o.if_contains("key_id");
  const json::value* signature = o.if_contains("signature");
  if ((key_id == nullptr) != (signature == nullptr)) {
    return Error{"\"key_id\" and \"signature\" come together"};
  }
  if (signature != nullptr) {
    if (!key_id->is_string()) return Error{"\"key_id\" is not a string"};
    seal.key_id = std::string(View(key_id->get_string()));
    if (!signature->is_string() || !FromHex(View(signature->get_string()), &seal.signature)) {
      return Error{"\"signature\" is not lowercase hex digits"};
    }
  }
  return seal;
}

}  // namespace firedrill
