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

// --- Each payload: Read and Write, member for member in the recorded order ---------------------

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

void Read(In& in, WheelSpun& p) {
  in.Text("seed", p.seed);
  in.Texts("faults", p.faults);
  in.Int("offset_ms", p.offset_ms);
  in.Text("run", p.run);
}
void Write(Out& out, const WheelSpun& p) {
  out.Text("seed", p.seed);
  out.Texts("faults", p.faults);
  out.Int("offset_ms", p.offset_ms);
  out.Run(p.run);
}

void Read(In& in, Announced& p) {
  in.Time("at", p.at);
  in.Text("channel", p.channel);
  in.Text("run", p.run);
}
void Write(Out& out, const Announced& p) {
  out.Time("at", p.at);
  out.TextIfAny("channel", p.channel);
  out.Run(p.run);
}

void Read(In& in, AnnounceOverridden& p) {
  in.Text("reason", p.reason);
  in.Text("detail", p.detail);
  in.Text("run", p.run);
}
void Write(Out& out, const AnnounceOverridden& p) {
  out.Text("reason", p.reason);
  out.Text("detail", p.detail);
  out.Run(p.run);
}

void Read(In& in, Briefed& p) {
  in.Time("at", p.at);
  in.Text("note", p.note);
  in.Text("run", p.run);
}
void Write(Out& out, const Briefed& p) {
  out.Time("at", p.at);
  out.Text("note", p.note);
  out.Run(p.run);
}

void Read(In& in, Waiting& p) {
  in.Time("inject_at", p.inject_at);
  in.Text("run", p.run);
}
void Write(Out& out, const Waiting& p) {
  out.Time("inject_at", p.inject_at);
  out.Run(p.run);
}

void Read(In& in, PreflightPassed& p) {
  in.Int("probes", p.probes);
  in.Int("faults", p.faults);
  in.Text("run", p.run);
}
void Write(Out& out, const PreflightPassed& p) {
  out.Int("probes", p.probes);
  out.Int("faults", p.faults);
  out.Run(p.run);
}

void Read(In& in, PreflightRefused& p) {
  in.Texts("reasons", p.reasons);
  in.Text("run", p.run);
}
void Write(Out& out, const PreflightRefused& p) {
  out.Texts("reasons", p.reasons);
  out.Run(p.run);
}

void Read(In& in, TargetConnected& p) {
  in.Text("target", p.target);
  in.Text("via", p.via);
  in.Text("host_key", p.host_key);
  in.Flag("host_key_recorded", p.host_key_recorded);
  in.Text("run", p.run);
}
void Write(Out& out, const TargetConnected& p) {
  out.Text("target", p.target);
  out.Text("via", p.via);
  out.Text("host_key", p.host_key);
  out.Flag("host_key_recorded", p.host_key_recorded);
  out.Run(p.run);
}

void Read(In& in, DeadmanArmed& p) {
  in.Text("fault", p.fault);
  in.Text("target", p.target);
  in.Time("fires_at", p.fires_at);
  in.Text("name", p.name);
  in.Text("run", p.run);
}
void Write(Out& out, const DeadmanArmed& p) {
  out.Text("fault", p.fault);
  out.Text("target", p.target);
  out.Time("fires_at", p.fires_at);
  out.Text("name", p.name);
  out.Run(p.run);
}

void Read(In& in, DeadmanDisarm& p) {
  in.Text("fault", p.fault);
  in.Text("kind", p.kind);
  in.Text("target", p.target);
  in.Text("error", p.error);
  in.Text("run", p.run);
  in.Flag("verified", p.verified);
  in.Text("message", p.message);
  in.Text("ledger_status", p.ledger_status);
}
void Write(Out& out, const DeadmanDisarm& p) {
  out.Text("fault", p.fault);
  out.Text("kind", p.kind);
  out.Text("target", p.target);
  out.Text("error", p.error);
  out.Run(p.run);
  out.Flag("verified", p.verified);
  out.Text("message", p.message);
  out.Text("ledger_status", p.ledger_status);
}

void Read(In& in, T0& p) {
  in.Time("at", p.at);
  in.Text("fault", p.fault);
  in.Text("target", p.target);
  in.Text("run", p.run);
}
void Write(Out& out, const T0& p) {
  out.Time("at", p.at);
  out.Text("fault", p.fault);
  out.Text("target", p.target);
  out.Run(p.run);
}

void Read(In& in, FaultInjected& p) {
  in.Text("fault", p.fault);
  in.Text("kind", p.kind);
  in.Text("target", p.target);
  in.Text("run", p.run);
}
void Write(Out& out, const FaultInjected& p) {
  out.Text("fault", p.fault);
  out.Text("kind", p.kind);
  out.Text("target", p.target);
  out.Run(p.run);
}

void Read(In& in, InjectFailed& p) {
  in.Text("fault", p.fault);
  in.Text("target", p.target);
  in.Text("error", p.error);
  in.Text("run", p.run);
}
void Write(Out& out, const InjectFailed& p) {
  out.Text("fault", p.fault);
  out.Text("target", p.target);
  out.Text("error", p.error);
  out.Run(p.run);
}

void Read(In& in, PartialInjection& p) {
  in.Text("fault", p.fault);
  in.Texts("injected", p.injected);
  in.Texts("failed", p.failed);
  in.Text("policy", p.policy);
  in.Text("run", p.run);
}
void Write(Out& out, const PartialInjection& p) {
  out.Text("fault", p.fault);
  out.Texts("injected", p.injected);
  out.Texts("failed", p.failed);
  out.Text("policy", p.policy);
  out.Run(p.run);
}

void Read(In& in, Warning& p) {
  in.Text("fault", p.fault);
  in.Text("error", p.error);
  in.Text("run", p.run);
}
void Write(Out& out, const Warning& p) {
  out.Text("fault", p.fault);
  out.Text("error", p.error);
  out.Run(p.run);
}

void Read(In& in, Active& p) {
  in.Time("restore_at", p.restore_at);
  in.Text("run", p.run);
}
void Write(Out& out, const Active& p) {
  out.Time("restore_at", p.restore_at);
  out.Run(p.run);
}

void Read(In& in, ProbeChange& p) {
  in.Text("probe", p.probe);
  in.Text("detail", p.detail);
  in.Text("run", p.run);
}
void Write(Out& out, const ProbeChange& p) {
  out.Text("probe", p.probe);
  out.Text("detail", p.detail);
  out.Run(p.run);
}

void Read(In& in, Recovered& p) {
  in.Text("by", p.by);
  in.Int("ttr_ms", p.ttr_ms);
  in.Text("run", p.run);
}
void Write(Out& out, const Recovered& p) {
  out.Text("by", p.by);
  out.Int("ttr_ms", p.ttr_ms);
  out.Run(p.run);
}

void Read(In& in, AckPayload& p) {
  in.Text("by", p.by);
  in.Text("note", p.note);
  in.Int("since_t0_ms", p.since_t0_ms);
  in.Flag("first", p.first);
  in.Text("by_as_given", p.by_as_given);
  in.Text("run", p.run);
}
void Write(Out& out, const AckPayload& p) {
  out.Text("by", p.by);
  out.Text("note", p.note);
  out.Int("since_t0_ms", p.since_t0_ms);
  out.Flag("first", p.first);
  out.Text("by_as_given", p.by_as_given);
  out.Run(p.run);
}

void Read(In& in, AlertDetected& p) {
  in.Text("source", p.source);
  in.Text("fingerprint", p.fingerprint);
  in.Text("summary", p.summary);
  in.Time("starts_at", p.starts_at);
  in.Int("since_t0_ms", p.since_t0_ms);
  in.Text("run", p.run);
}
void Write(Out& out, const AlertDetected& p) {
  out.Text("source", p.source);
  out.Text("fingerprint", p.fingerprint);
  out.Text("summary", p.summary);
  out.Time("starts_at", p.starts_at);
  out.Int("since_t0_ms", p.since_t0_ms);
  out.Run(p.run);
}

void Read(In& in, GuardTripped& p) {
  in.Text("guard", p.guard);
  in.Text("reason", p.reason);
  in.Text("probe", p.probe);
  in.Text("command", p.command);
  in.Text("fingerprint", p.fingerprint);
  in.Text("run", p.run);
}
void Write(Out& out, const GuardTripped& p) {
  out.Text("guard", p.guard);
  out.Text("reason", p.reason);
  out.Text("probe", p.probe);
  out.Text("command", p.command);
  out.Text("fingerprint", p.fingerprint);
  out.Run(p.run);
}

void Read(In& in, AbortRequested& p) {
  in.Text("by", p.by);
  in.Text("reason", p.reason);
  in.Text("run", p.run);
}
void Write(Out& out, const AbortRequested& p) {
  out.Text("by", p.by);
  out.Text("reason", p.reason);
  out.Run(p.run);
}

void Read(In& in, Aborted& p) {
  in.Text("reason", p.reason);
  in.Text("run", p.run);
}
void Write(Out& out, const Aborted& p) {
  out.Text("reason", p.reason);
  out.Run(p.run);
}

void Read(In& in, InternalError& p) {
  in.Text("where", p.where);
  in.Text("error", p.error);
  in.Text("phase", p.phase);
  in.Text("run", p.run);
}
void Write(Out& out, const InternalError& p) {
  out.Text("where", p.where);
  out.Text("error", p.error);
  out.Text("phase", p.phase);
  out.Run(p.run);
}

void Read(In& in, RestoreStarted& p) {
  in.Text("reason", p.reason);
  in.Text("run", p.run);
}
void Write(Out& out, const RestoreStarted& p) {
  out.Text("reason", p.reason);
  out.Run(p.run);
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

void Read(In& in, Scheduled& p) {
  in.Text("file", p.file);
  in.Text("sha256", p.sha256);
  in.Int("sequence", p.sequence);
  in.Time("window_start", p.window_start);
  in.Time("window_end", p.window_end);
  in.Texts("targets", p.targets);
  in.Text("invite", p.invite);
  in.Text("lead_override", p.lead_override);
}
void Write(Out& out, const Scheduled& p) {
  out.Text("file", p.file);
  out.Text("sha256", p.sha256);
  out.Int("sequence", p.sequence);
  out.Time("window_start", p.window_start);
  out.Time("window_end", p.window_end);
  out.Texts("targets", p.targets);
  out.Text("invite", p.invite);
  out.TextIfAny("lead_override", p.lead_override);
}

void Read(In& in, Cancelled& p) {
  in.Text("reason", p.reason);
  in.Int("sequence", p.sequence);
  in.Text("invite", p.invite);
}
void Write(Out& out, const Cancelled& p) {
  out.Text("reason", p.reason);
  out.Int("sequence", p.sequence);
  out.Text("invite", p.invite);
}

void Read(In& in, NotRun& p) {
  in.Text("blackout", p.blackout);
  in.Text("reason", p.reason);
  in.Time("window_start", p.window_start);
}
void Write(Out& out, const NotRun& p) {
  out.Text("blackout", p.blackout);
  out.Text("reason", p.reason);
  out.Time("window_start", p.window_start);
}

void Read(In& in, BlackoutAdded& p) {
  in.Text("name", p.name);
  in.Time("start", p.start);
  in.Time("end", p.end);
}
void Write(Out& out, const BlackoutAdded& p) {
  out.Text("name", p.name);
  out.Time("start", p.start);
  out.Time("end", p.end);
}

void Read(In& in, NoticeSent& p) {
  in.Text("event", p.event);
  in.Text("channel", p.channel);
  in.Text("target", p.target);
  in.Int("attempts", p.attempts);
  in.Int("status", p.status);
  in.Text("error", p.error);
}
void Write(Out& out, const NoticeSent& p) {
  out.Text("event", p.event);
  out.Text("channel", p.channel);
  out.Text("target", p.target);
  out.Int("attempts", p.attempts);
  out.Int("status", p.status);
  out.Text("error", p.error);
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

void Read(In& in, TokenChange& p) {
  in.Text("id", p.id);
  in.Text("role", p.role);
  in.Text("name", p.name);
}
void Write(Out& out, const TokenChange& p) {
  out.Text("id", p.id);
  out.Text("role", p.role);
  out.Text("name", p.name);
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
