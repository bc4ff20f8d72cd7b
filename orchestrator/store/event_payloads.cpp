#include "orchestrator/store/event_payloads.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>
#include <limits>

#include "drills/timestamp.h"
#include "drills/zoned_time.h"

namespace firedrill {
namespace {

namespace json = boost::json;

// Reads the members of one payload object, tolerantly: a member that is missing or null leaves
// its default. The first member of the wrong type makes the payload unreadable; later reads do
// nothing.
class In {
 public:
  explicit In(const json::value& v) : o_(v.if_object()) {
    if (o_ == nullptr) Fail(json::error::not_object, "the payload is not a JSON object");
  }

  /// How Members (below) takes the payload it reads into.
  template <typename T>
  using Of = T&;

  bool ok() const { return !ec_; }
  json::error_code error() const { return ec_; }
  const std::string& problem() const { return problem_; }

  void Text(std::string_view key, std::string& out) {
    if (const json::value* v = Find(key)) {
      if (v->is_string()) {
        out.assign(v->get_string().data(), v->get_string().size());
      } else {
        Wrong(key, json::error::not_string, "text");
      }
    }
  }
  void Text(std::string_view key, std::optional<std::string>& out) {
    if (Find(key) == nullptr) return;
    Text(key, out.emplace());
  }
  /// Reads what Out::TextIfAny writes: a text, absent when empty.
  void TextIfAny(std::string_view key, std::string& out) { Text(key, out); }
  /// Reads what Out::Run writes.
  void Run(std::string& run) { Text("run", run); }
  void Int(std::string_view key, std::int64_t& out) {
    if (const json::value* v = Find(key)) {
      if (v->is_int64()) {
        out = v->get_int64();
      } else if (v->is_uint64() &&
                 v->get_uint64() <=
                     static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        out = static_cast<std::int64_t>(v->get_uint64());
      } else if (v->is_double() && std::isfinite(v->get_double()) &&
                 std::abs(v->get_double()) < 9.2e18) {
        out = static_cast<std::int64_t>(v->get_double());  // as earlier readers did
      } else {
        Wrong(key, json::error::not_number, "a number");
      }
    }
  }
  void Int(std::string_view key, std::optional<std::int64_t>& out) {
    if (Find(key) == nullptr) return;
    Int(key, out.emplace());
  }
  /// Reads what Out::IntOrNull writes (null reads as absent).
  void IntOrNull(std::string_view key, std::optional<std::int64_t>& out) { Int(key, out); }
  void Flag(std::string_view key, bool& out) {
    if (const json::value* v = Find(key)) {
      if (v->is_bool()) {
        out = v->get_bool();
      } else {
        Wrong(key, json::error::not_bool, "true or false");
      }
    }
  }
  void Flag(std::string_view key, std::optional<bool>& out) {
    if (Find(key) == nullptr) return;
    Flag(key, out.emplace());
  }
  void Time(std::string_view key, std::optional<SysTime>& out) {
    if (const json::value* v = Find(key)) {
      if (v->is_string()) {
        if (auto t = ParseUtc(std::string_view(v->get_string()))) {
          out = *t;
          return;
        }
      }
      Wrong(key, json::error::not_string, "a UTC time");
    }
  }
  /// Reads what Out::TimeOrNull writes (null reads as absent).
  void TimeOrNull(std::string_view key, std::optional<SysTime>& out) { Time(key, out); }
  void Texts(std::string_view key, std::vector<std::string>& out) {
    const json::array* a = Array(key);
    if (a == nullptr) return;
    out.clear();
    out.reserve(a->size());
    for (const json::value& x : *a) {
      if (!x.is_string()) {
        Wrong(key, json::error::not_string, "a list of texts");
        return;
      }
      out.emplace_back(x.get_string().data(), x.get_string().size());
    }
  }
  void Texts(std::string_view key, std::optional<std::vector<std::string>>& out) {
    if (Find(key) == nullptr) return;
    Texts(key, out.emplace());
  }
  /// An object whose members are all texts.
  void TextMap(std::string_view key, std::optional<std::map<std::string, std::string>>& out) {
    const json::value* v = Find(key);
    if (v == nullptr) return;
    const json::object* o = v->if_object();
    if (o == nullptr) return Wrong(key, json::error::not_object, "an object of texts");
    auto& map = out.emplace();
    for (const auto& [k, x] : *o) {
      if (!x.is_string()) return Wrong(key, json::error::not_string, "an object of texts");
      map.emplace(std::string(k), std::string(x.get_string()));
    }
  }
  /// A list of objects, each read by `read`.
  template <typename T>
  void Objects(std::string_view key, std::vector<T>& out, void (*read)(In&, T&)) {
    const json::array* a = Array(key);
    if (a == nullptr) return;
    out.clear();
    for (const json::value& x : *a) {
      In item(x);
      read(item, out.emplace_back());
      if (!item.ok()) {
        Wrong(key, item.error(), "a list of objects (" + item.problem() + ")");
        return;
      }
    }
  }
  /// Drill facts: unreadable ones read as absent (the reader falls back to the drill text).
  void Facts(std::string_view key, std::optional<DrillFacts>& out) {
    if (const json::value* v = Find(key)) out = ParseDrillFacts(*v);
  }

 private:
  const json::value* Find(std::string_view key) const {
    if (o_ == nullptr || ec_) return nullptr;
    const json::value* v = o_->if_contains(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }
  const json::array* Array(std::string_view key) {
    const json::value* v = Find(key);
    if (v == nullptr) return nullptr;
    if (!v->is_array()) Wrong(key, json::error::not_array, "a list");
    return v->if_array();
  }
  void Wrong(std::string_view key, json::error_code ec, std::string_view what) {
    Fail(ec, fmt::format("member \"{}\" is not {}", key, what));
  }
  void Fail(json::error_code ec, std::string problem) {
    ec_ = ec;
    problem_ = std::move(problem);
  }

  const json::object* o_;
  json::error_code ec_;
  std::string problem_;
};

// Writes the members of one payload object, in call order.
class Out {
 public:
  explicit Out(json::value& v) : o_(v.emplace_object()) {}

  /// How Members (below) takes the payload it writes from.
  template <typename T>
  using Of = const T&;

  void Text(std::string_view key, const std::string& s) { o_.emplace(key, s); }
  void Text(std::string_view key, const std::optional<std::string>& s) {
    if (s) Text(key, *s);
  }
  void TextIfAny(std::string_view key, const std::string& s) {
    if (!s.empty()) Text(key, s);
  }
  void Int(std::string_view key, std::int64_t n) { o_.emplace(key, n); }
  void Int(std::string_view key, const std::optional<std::int64_t>& n) {
    if (n) Int(key, *n);
  }
  void IntOrNull(std::string_view key, const std::optional<std::int64_t>& n) {
    o_.emplace(key, n ? json::value(*n) : json::value(nullptr));
  }
  void Flag(std::string_view key, bool b) { o_.emplace(key, b); }
  void Flag(std::string_view key, const std::optional<bool>& b) {
    if (b) Flag(key, *b);
  }
  void Time(std::string_view key, const std::optional<SysTime>& t) {
    if (t) o_.emplace(key, FormatUtc(*t));
  }
  void TimeOrNull(std::string_view key, const std::optional<SysTime>& t) {
    o_.emplace(key, t ? json::value(FormatUtc(*t)) : json::value(nullptr));
  }
  void Texts(std::string_view key, const std::vector<std::string>& list) {
    o_.emplace(key, json::value_from(list));
  }
  void TextMap(std::string_view key, const std::optional<std::map<std::string, std::string>>& map) {
    if (!map) return;
    json::object o;
    for (const auto& [k, v] : *map) o.emplace(k, v);
    o_.emplace(key, std::move(o));
  }
  void Value(std::string_view key, json::value v) { o_.emplace(key, std::move(v)); }
  /// "run", when set: the engine's recorder adds it itself (last) when it is not.
  void Run(const std::string& run) { TextIfAny("run", run); }

 private:
  json::object& o_;
};

// --- Each payload's members, in the order they are recorded ------------------------------------
// One list per payload, read by In and written by Out (Members), unless reading and writing differ
// (Read and Write, where a member is written only sometimes or in another form).

void Read(In& in, RunStarted& p) {
  in.Text("file", p.file);
  in.Text("source", p.source);
  in.Facts("drill_facts", p.drill_facts);
  in.Time("window_start", p.window_start);
  in.Time("window_end", p.window_end);
  in.Text("run", p.run);
}
void Write(Out& out, const RunStarted& p) {
  out.Text("file", p.file);
  out.Text("source", p.source);
  if (p.drill_facts) out.Value("drill_facts", DrillFactsJson(*p.drill_facts));
  out.Time("window_start", p.window_start);
  out.Time("window_end", p.window_end);
  out.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<WheelSpun> p) {
  io.Text("seed", p.seed);
  io.Texts("faults", p.faults);
  io.Int("offset_ms", p.offset_ms);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<Announced> p) {
  io.Time("at", p.at);
  io.TextIfAny("channel", p.channel);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<AnnounceOverridden> p) {
  io.Text("reason", p.reason);
  io.Text("detail", p.detail);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<Briefed> p) {
  io.Time("at", p.at);
  io.Text("note", p.note);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<Waiting> p) {
  io.Time("inject_at", p.inject_at);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<PreflightPassed> p) {
  io.Int("probes", p.probes);
  io.Int("faults", p.faults);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<PreflightRefused> p) {
  io.Texts("reasons", p.reasons);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<TargetConnected> p) {
  io.Text("target", p.target);
  io.Text("via", p.via);
  io.Text("host_key", p.host_key);
  io.Flag("host_key_recorded", p.host_key_recorded);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<DeadmanArmed> p) {
  io.Text("fault", p.fault);
  io.Text("target", p.target);
  io.Time("fires_at", p.fires_at);
  io.Text("name", p.name);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<DeadmanDisarm> p) {
  io.Text("fault", p.fault);
  io.Text("kind", p.kind);
  io.Text("target", p.target);
  io.Text("error", p.error);
  io.Run(p.run);
  io.Flag("verified", p.verified);
  io.Text("message", p.message);
  io.Text("ledger_status", p.ledger_status);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<T0> p) {
  io.Time("at", p.at);
  io.Text("fault", p.fault);
  io.Text("target", p.target);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<FaultInjected> p) {
  io.Text("fault", p.fault);
  io.Text("kind", p.kind);
  io.Text("target", p.target);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<InjectFailed> p) {
  io.Text("fault", p.fault);
  io.Text("target", p.target);
  io.Text("error", p.error);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<PartialInjection> p) {
  io.Text("fault", p.fault);
  io.Texts("injected", p.injected);
  io.Texts("failed", p.failed);
  io.Text("policy", p.policy);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<Warning> p) {
  io.Text("fault", p.fault);
  io.Text("error", p.error);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<Active> p) {
  io.Time("restore_at", p.restore_at);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<ProbeChange> p) {
  io.Text("probe", p.probe);
  io.Text("detail", p.detail);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<Recovered> p) {
  io.Text("by", p.by);
  io.Int("ttr_ms", p.ttr_ms);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<AckPayload> p) {
  io.Text("by", p.by);
  io.Text("note", p.note);
  io.Int("since_t0_ms", p.since_t0_ms);
  io.Flag("first", p.first);
  io.Text("by_as_given", p.by_as_given);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<AlertDetected> p) {
  io.Text("source", p.source);
  io.Text("fingerprint", p.fingerprint);
  io.Text("summary", p.summary);
  io.Time("starts_at", p.starts_at);
  io.Int("since_t0_ms", p.since_t0_ms);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<GuardTripped> p) {
  io.Text("guard", p.guard);
  io.Text("reason", p.reason);
  io.Text("probe", p.probe);
  io.Text("command", p.command);
  io.Text("fingerprint", p.fingerprint);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<AbortRequested> p) {
  io.Text("by", p.by);
  io.Text("reason", p.reason);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<Aborted> p) {
  io.Text("reason", p.reason);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<InternalError> p) {
  io.Text("where", p.where);
  io.Text("error", p.error);
  io.Text("phase", p.phase);
  io.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<RestoreStarted> p) {
  io.Text("reason", p.reason);
  io.Run(p.run);
}

void Read(In& in, FaultRestored& p) {
  in.Text("fault", p.fault);
  in.Text("kind", p.kind);
  in.Text("target", p.target);
  in.Text("run", p.run);
  in.Flag("verified", p.verified);
  in.Text("message", p.message);
  in.Text("ledger_status", p.ledger_status);
  in.Int("attempt", p.attempt);
  in.Time("next_attempt_at", p.next_attempt_at);
}
void Write(Out& out, const FaultRestored& p) {
  out.Text("fault", p.fault);
  out.Text("kind", p.kind);
  out.Text("target", p.target);
  out.Text("run", p.run);  // always, here: the restorer has written it after "target"
  out.Flag("verified", p.verified);
  out.Text("message", p.message);
  out.Text("ledger_status", p.ledger_status);
  out.Int("attempt", p.attempt);
  out.Time("next_attempt_at", p.next_attempt_at);
}

void Read(In& in, RemainingFault& p) {
  in.Text("fault", p.fault);
  in.Text("error", p.error);
  in.Text("undo", p.undo);
}
void Read(In& in, RestoredFault& p) {
  in.Text("fault", p.fault);
  in.Text("target", p.target);
  in.Flag("verified", p.verified);
  in.Text("message", p.message);
}

json::value Remaining(const std::vector<RemainingFault>& list) {
  json::array a;
  for (const RemainingFault& r : list) {
    a.push_back(json::object{{"fault", r.fault}, {"error", r.error}, {"undo", r.undo}});
  }
  return a;
}

void Read(In& in, RunEnded& p) {
  in.Objects("remaining", p.remaining, &Read);
  in.Text("outcome", p.outcome);
  in.Text("outcome_text", p.outcome_text);
  in.Flag("recovered_by_team", p.recovered_by_team);
  in.Flag("auto_restored", p.auto_restored);
  in.Time("t0", p.t0);
  in.Int("ttd_human_ms", p.ttd_human_ms);
  in.Int("ttd_alert_ms", p.ttd_alert_ms);
  in.Int("ttr_ms", p.ttr_ms);
  in.Int("ttr_team_ms", p.ttr_team_ms);
  in.Text("closed_by", p.closed_by);
  in.Objects("restored", p.restored, &Read);
  in.Text("run", p.run);
}
void Write(Out& out, const RunEnded& p) {
  if (!p.closed_by.empty()) {
    // An interrupted run, closed by whoever restored its faults.
    out.Text("run", p.run);
    out.Text("outcome", p.outcome);
    out.Text("closed_by", p.closed_by);
    json::array restored;
    for (const RestoredFault& r : p.restored) {
      restored.push_back(json::object{{"fault", r.fault},
                                      {"target", r.target},
                                      {"verified", r.verified},
                                      {"message", r.message}});
    }
    out.Value("restored", std::move(restored));
    if (!p.remaining.empty()) out.Value("remaining", Remaining(p.remaining));
    return;
  }
  if (!p.remaining.empty()) out.Value("remaining", Remaining(p.remaining));
  out.Text("outcome", p.outcome);
  out.Text("outcome_text", p.outcome_text);
  out.Flag("recovered_by_team", p.recovered_by_team.value_or(false));
  out.Flag("auto_restored", p.auto_restored.value_or(false));
  out.TimeOrNull("t0", p.t0);
  out.IntOrNull("ttd_human_ms", p.ttd_human_ms);
  out.IntOrNull("ttd_alert_ms", p.ttd_alert_ms);
  out.IntOrNull("ttr_ms", p.ttr_ms);
  out.IntOrNull("ttr_team_ms", p.ttr_team_ms);
  out.Run(p.run);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<Scheduled> p) {
  io.Text("file", p.file);
  io.Text("sha256", p.sha256);
  io.Int("sequence", p.sequence);
  io.Time("window_start", p.window_start);
  io.Time("window_end", p.window_end);
  io.Texts("targets", p.targets);
  io.Text("invite", p.invite);
  io.TextIfAny("lead_override", p.lead_override);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<Cancelled> p) {
  io.Text("reason", p.reason);
  io.Int("sequence", p.sequence);
  io.Text("invite", p.invite);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<NotRun> p) {
  io.Text("blackout", p.blackout);
  io.Text("reason", p.reason);
  io.Time("window_start", p.window_start);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<BlackoutAdded> p) {
  io.Text("name", p.name);
  io.Time("start", p.start);
  io.Time("end", p.end);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<NoticeSent> p) {
  io.Text("event", p.event);
  io.Text("channel", p.channel);
  io.Text("target", p.target);
  io.Int("attempts", p.attempts);
  io.Int("status", p.status);
  io.Text("error", p.error);
}

void Read(In& in, FreezeUpdate& p) {
  in.Int("freeze", p.freeze);
  in.Text("cause", p.cause);
  in.Text("reason", p.reason);
  in.Int("drills_stopped", p.drills_stopped);
  in.Text("alert", p.alert);
  in.TextMap("labels", p.labels);
  in.TextMap("rule", p.rule);
  in.Flag("resolved", p.resolved);
  in.Time("thaw_at", p.thaw_at);
  in.Int("cooldown_ms", p.cooldown_ms);
  in.Texts("open_alerts", p.open_alerts);
  in.Int("lasted_ms", p.lasted_ms);
}
void Write(Out& out, const FreezeUpdate& p) {
  out.Int("freeze", p.freeze);
  out.Text("cause", p.cause);
  out.Text("reason", p.reason);
  out.Int("drills_stopped", p.drills_stopped);
  out.Text("alert", p.alert);
  out.TextMap("labels", p.labels);
  out.TextMap("rule", p.rule);
  out.Flag("resolved", p.resolved);
  out.Time("thaw_at", p.thaw_at);
  out.Int("cooldown_ms", p.cooldown_ms);
  if (p.open_alerts) out.Texts("open_alerts", *p.open_alerts);
  out.Int("lasted_ms", p.lasted_ms);
}

template <typename Io>
void Members(Io& io, typename Io::template Of<TokenChange> p) {
  io.Text("id", p.id);
  io.Text("role", p.role);
  io.Text("name", p.name);
}

// The payloads whose one member list reads and writes them.
template <typename P>
void Read(In& in, P& p) {
  Members(in, p);
}
template <typename P>
void Write(Out& out, const P& p) {
  Members(out, p);
}

}  // namespace

template <EventPayloadStruct P>
void tag_invoke(const json::value_from_tag&, json::value& v, const P& p) {
  Out out(v);
  Write(out, p);
}

template <EventPayloadStruct P>
json::result<P> tag_invoke(const json::try_value_to_tag<P>&, const json::value& v) {
  In in(v);
  P p;
  Read(in, p);
  if (!in.ok()) return in.error();
  return p;
}

template <EventPayloadStruct P>
Expected<P> ReadPayload(const json::value& v) {
  In in(v);
  P p;
  Read(in, p);
  if (!in.ok()) return Error(ErrorCode::kInvalidInput, in.problem());
  return p;
}

// The conversions of every payload struct, compiled here once.
#define FIREDRILL_PAYLOAD_CODEC(P)                                                              \
  template void tag_invoke<P>(const json::value_from_tag&, json::value&, const P&);             \
  template json::result<P> tag_invoke<P>(const json::try_value_to_tag<P>&, const json::value&); \
  template Expected<P> ReadPayload<P>(const json::value&);

FIREDRILL_PAYLOAD_CODEC(RunStarted)
FIREDRILL_PAYLOAD_CODEC(WheelSpun)
FIREDRILL_PAYLOAD_CODEC(Announced)
FIREDRILL_PAYLOAD_CODEC(AnnounceOverridden)
FIREDRILL_PAYLOAD_CODEC(Briefed)
FIREDRILL_PAYLOAD_CODEC(Waiting)
FIREDRILL_PAYLOAD_CODEC(PreflightPassed)
FIREDRILL_PAYLOAD_CODEC(PreflightRefused)
FIREDRILL_PAYLOAD_CODEC(TargetConnected)
FIREDRILL_PAYLOAD_CODEC(DeadmanArmed)
FIREDRILL_PAYLOAD_CODEC(DeadmanDisarm)
FIREDRILL_PAYLOAD_CODEC(T0)
FIREDRILL_PAYLOAD_CODEC(FaultInjected)
FIREDRILL_PAYLOAD_CODEC(InjectFailed)
FIREDRILL_PAYLOAD_CODEC(PartialInjection)
FIREDRILL_PAYLOAD_CODEC(Warning)
FIREDRILL_PAYLOAD_CODEC(Active)
FIREDRILL_PAYLOAD_CODEC(ProbeChange)
FIREDRILL_PAYLOAD_CODEC(Recovered)
FIREDRILL_PAYLOAD_CODEC(AckPayload)
FIREDRILL_PAYLOAD_CODEC(AlertDetected)
FIREDRILL_PAYLOAD_CODEC(GuardTripped)
FIREDRILL_PAYLOAD_CODEC(AbortRequested)
FIREDRILL_PAYLOAD_CODEC(Aborted)
FIREDRILL_PAYLOAD_CODEC(InternalError)
FIREDRILL_PAYLOAD_CODEC(RestoreStarted)
FIREDRILL_PAYLOAD_CODEC(FaultRestored)
FIREDRILL_PAYLOAD_CODEC(RunEnded)
FIREDRILL_PAYLOAD_CODEC(Scheduled)
FIREDRILL_PAYLOAD_CODEC(Cancelled)
FIREDRILL_PAYLOAD_CODEC(NotRun)
FIREDRILL_PAYLOAD_CODEC(BlackoutAdded)
FIREDRILL_PAYLOAD_CODEC(NoticeSent)
FIREDRILL_PAYLOAD_CODEC(FreezeUpdate)
FIREDRILL_PAYLOAD_CODEC(TokenChange)

#undef FIREDRILL_PAYLOAD_CODEC

}  // namespace firedrill
