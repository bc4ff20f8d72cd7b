#include "orchestrator/store/typed_event.h"

#include <array>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <cstddef>

namespace firedrill {
namespace {

namespace json = boost::json;

constexpr std::size_t kAlternatives = std::variant_size_v<EventPayload>;
constexpr std::size_t kKindCount = static_cast<std::size_t>(EventKind::kTokenRevoked) + 1;

// Which alternative of EventPayload each kind carries (0: none), built from the structs' kKinds.
template <std::size_t I = 1>
constexpr void FillAlternatives(std::array<std::size_t, kKindCount>& out) {
  if constexpr (I < kAlternatives) {
    using P = std::variant_alternative_t<I, EventPayload>;
    for (EventKind k : P::kKinds) {
      // Two structs claiming one kind would make the table ambiguous: not a constant then.
      if (out[static_cast<std::size_t>(k)] != 0) throw "an event kind carries two payload structs";
      out[static_cast<std::size_t>(k)] = I;
    }
    FillAlternatives<I + 1>(out);
  }
}

constexpr std::array<std::size_t, kKindCount> Alternatives() {
  std::array<std::size_t, kKindCount> out{};
  FillAlternatives(out);
  return out;
}

constexpr std::array<std::size_t, kKindCount> kAlternativeOf = Alternatives();

// Reads `v` as alternative I into `out`.
template <std::size_t I>
void ReadAs(const json::value& v, TypedEvent& out) {
  using P = std::variant_alternative_t<I, EventPayload>;
  Expected<P> p = ReadPayload<P>(v);
  if (p.ok()) {
    out.payload.emplace<I>(std::move(*p));
  } else {
    out.problem = p.error().message;
  }
}

using Reader = void (*)(const json::value&, TypedEvent&);

template <std::size_t... I>
constexpr std::array<Reader, kAlternatives> Readers(std::index_sequence<0, I...>) {
  return {nullptr, &ReadAs<I>...};
}

constexpr std::array<Reader, kAlternatives> kReaders =
    Readers(std::make_index_sequence<kAlternatives>());

// Finds the top-level "run" string of a JSON text (basic_parser's handler).
class RunFinder {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    ++depth_;
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    --depth_;
    return true;
  }
  bool on_array_begin(json::error_code&) {
    ++depth_;
    return true;
  }
  bool on_array_end(std::size_t, json::error_code&) {
    --depth_;
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    if (depth_ == 1) key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    if (depth_ == 1) {
      key_.append(s.data(), s.size());
      at_run_ = key_ == "run";
      key_.clear();
    }
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    if (Wanted()) run_.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code& ec) {
    if (!Wanted()) return true;
    run_.append(s.data(), s.size());
    found_ = true;
    ec = json::error::test_failure;  // enough read: stop here
    return false;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { return Value(); }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { return Value(); }
  bool on_double(double, json::string_view, json::error_code&) { return Value(); }
  bool on_bool(bool, json::error_code&) { return Value(); }
  bool on_null(json::error_code&) { return Value(); }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

  bool found() const { return found_; }
  std::string& run() { return run_; }

 private:
  bool Wanted() const { return depth_ == 1 && at_run_; }
  // A scalar member: a "run" that is not a string is no run id.
  bool Value() {
    if (depth_ == 1) at_run_ = false;
    return true;
  }

  int depth_ = 0;
  bool at_run_ = false;
  bool found_ = false;
  std::string key_;
  std::string run_;
};

}  // namespace

TypedEvent DecodeEvent(const Event& e) {
  TypedEvent out;
  out.event = &e;
  out.kind = ParseKind(e.kind);
  // The payload's DOM lives in a stack arena for as long as it is read; most payloads fit.
  unsigned char buffer[4096];
  json::monotonic_resource arena(buffer, sizeof buffer);
  json::error_code ec;
  json::value v = json::parse(e.payload_json, ec, json::storage_ptr(&arena));
  if (ec) {
    out.problem = "the payload is not JSON: " + ec.message();
    return out;
  }
  if (const json::object* o = v.if_object()) {
    if (const json::value* run = o->if_contains("run"); run != nullptr && run->is_string()) {
      out.run.assign(run->get_string().data(), run->get_string().size());
    }
  }
  std::size_t alternative = kAlternativeOf[static_cast<std::size_t>(out.kind)];
  if (alternative != 0) kReaders[alternative](v, out);
  return out;
}

std::vector<TypedEvent> DecodeEvents(std::span<const Event> events) {
  std::vector<TypedEvent> out;
  out.reserve(events.size());
  for (const Event& e : events) out.push_back(DecodeEvent(e));
  return out;
}

std::string PayloadRunId(std::string_view payload_json) {
  json::basic_parser<RunFinder> parser(json::parse_options{});
  json::error_code ec;
  parser.write_some(false, payload_json.data(), payload_json.size(), ec);
  RunFinder& finder = parser.handler();
  // A "run" found before the end counts only in text that was JSON up to there; the event log
  // accepts nothing else anyway.
  return finder.found() ? std::move(finder.run()) : std::string();
}

}  // namespace firedrill
