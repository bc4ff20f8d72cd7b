#include "orchestrator/store/event_hash.h"

#include <algorithm>
#include <cstring>

namespace firedrill {
namespace {

inline unsigned char* PutU64(std::uint64_t v, unsigned char* p) {
  // Byte by byte so the encoding is little-endian on every host; compilers turn this into one
  // store on little-endian machines.
  for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (8 * i));
  return p + 8;
}

inline unsigned char* PutString(std::string_view s, unsigned char* p) {
  p = PutU64(s.size(), p);
  if (!s.empty()) std::memcpy(p, s.data(), s.size());
  return p + s.size();
}

}  // namespace

std::size_t EncodedEventSize(const EventHashInput& in) {
  return 32 + 8 + 8 + 4 * 8 + in.drill_id.size() + in.kind.size() + in.actor.size() +
         in.payload_json.size();
}

void EncodeEvent(const EventHashInput& in, unsigned char* out) {
  std::memcpy(out, in.prev_hash.data(), in.prev_hash.size());
  unsigned char* p = out + in.prev_hash.size();
  p = PutU64(static_cast<std::uint64_t>(in.seq), p);
  p = PutU64(static_cast<std::uint64_t>(in.ts_ms), p);
  p = PutString(in.drill_id, p);
  p = PutString(in.kind, p);
  p = PutString(in.actor, p);
  PutString(in.payload_json, p);
}

void EncodeEventForHash(const EventHashInput& in, std::vector<unsigned char>* out) {
  std::size_t start = out->size();
  out->resize(start + EncodedEventSize(in));
  EncodeEvent(in, out->data() + start);
}

bool HashEvent(const EventHashInput& in, Sha256& sha, std::vector<unsigned char>* scratch,
               Hash256* out) {
  std::size_t size = EncodedEventSize(in);
  // Grow geometrically and never shrink: resize() zero-fills, which is wasted work per event.
  if (scratch->size() < size) scratch->resize(std::max(size, 2 * scratch->size()));
  EncodeEvent(in, scratch->data());
  return sha.Hash(std::span(scratch->data(), size), out);
}

}  // namespace firedrill
