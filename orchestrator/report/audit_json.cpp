// The audit report as JSON text, and the writer that streams it.
#include "orchestrator/report/audit_json.h"

#include <boost/json.hpp>
#include <cstdint>
#include <string_view>
#include <vector>

#include "drills/zoned_time.h"
#include "orchestrator/report/audit_render.h"
#include "orchestrator/report/json_text.h"
#include "orchestrator/report/metrics.h"

namespace firedrill {
namespace {

namespace json = boost::json;

// Writes JSON text exactly as PrettyJson would write the same value, straight into a string:
// an audit of 10,000 runs is about 12 MB of JSON, and building it as a DOM first cost more than
// deriving the runs. Calls must nest properly (Key before each member of an object).
class JsonOut {
 public:
  explicit JsonOut(std::string& out) : out_(out) {}

  JsonOut& BeginObject() { return Open('{'); }
  JsonOut& BeginArray() { return Open('['); }
  /// Closes the innermost object or array.
  JsonOut& End() {
    Level level = levels_.back();
    levels_.pop_back();
    if (level.members != 0) {
      out_ += '\n';
      Indent();
    }
    out_ += level.close;
    return *this;
  }
  JsonOut& Key(std::string_view key) {
    Member();
    Quoted(key);
    out_ += ": ";
    keyed_ = true;
    return *this;
  }
  JsonOut& String(std::string_view s) {
    Value();
    Quoted(s);
    return *this;
  }
  JsonOut& Int(std::int64_t n) {
    Value();
    out_ += std::to_string(n);
    return *this;
  }
  JsonOut& Double(double d) {
    Value();
    out_ += json::serialize(json::value(d));  // boost's own number format, as PrettyJson has it
    return *this;
  }
  JsonOut& Bool(bool b) {
    Value();
    out_ += b ? "true" : "false";
    return *this;
  }
  JsonOut& Null() {
    Value();
    out_ += "null";
    return *this;
  }

 private:
  struct Level {
    char close;
    int members = 0;
  };

  void Indent() { out_.append(levels_.size() * 2, ' '); }
  // Starts a member of the innermost object or array: separator, new line, indentation.
  void Member() {
    if (levels_.empty()) return;
    out_ += levels_.back().members++ == 0 ? "\n" : ",\n";
    Indent();
  }
  // A value: an object's member has had its key written; an array's element starts here.
  void Value() {
    if (!keyed_) Member();
    keyed_ = false;
  }
  JsonOut& Open(char open) {
    Value();
    out_ += open;
    levels_.push_back({open == '{' ? '}' : ']'});
    return *this;
  }
  void Quoted(std::string_view s) { AppendJsonString(out_, s); }

  std::string& out_;
  std::vector<Level> levels_;
  bool keyed_ = false;
};

}  // namespace

std::string AuditJson(const AuditReport& report) {
  std::string text;
  text.reserve(4096 + report.rows.size() * 1280 + report.services.size() * 640);
  JsonOut j(text);
  auto utc = [&](const char* key, const std::optional<SysTime>& t) {
    j.Key(key);
    if (t) {
      j.String(FormatUtc(*t));
    } else {
      j.Null();
    }
  };
  auto ms = [&](const char* key, const std::optional<Duration>& d) {
    j.Key(key);
    if (d) {
      j.Int(d->count());
    } else {
      j.Null();
    }
  };
  auto status = [&](const char* key, const std::string& value, const std::string& detail) {
    j.Key(key).BeginObject();
    j.Key("status").String(value);
    j.Key("detail").String(detail);
    j.End();
  };
  auto against = [&](const char* key, const std::optional<Duration>& measured,
                     const std::optional<Duration>& objective, Verdict v) {
    j.Key(key).BeginObject();
    ms("measured_ms", measured);
    ms("objective_ms", objective);
    j.Key("verdict").String(VerdictName(v));
    j.End();
  };
  auto spread = [&](const char* key, const Spread& s) {
    j.Key(key).BeginObject();
    j.Key("count").Int(static_cast<std::int64_t>(s.count));
    ms("median_ms", s.median);
    ms("p90_ms", s.p90);
    j.End();
  };

  j.BeginObject();
  j.Key("format").String("firedrill-audit/1");
  j.Key("period").BeginObject();
  utc("from", report.period.from);
  utc("to", report.period.to);
  j.End();
  j.Key("runs").BeginArray();
  for (const AuditRow& r : report.rows) {
    j.BeginObject();
    j.Key("run").String(r.run_id);
    j.Key("drill").String(r.drill_id);
    j.Key("service").String(r.service);
    j.Key("quarter").String(r.quarter);
    utc("window_start", r.window_start);
    utc("window_end", r.window_end);
    status("announced", r.announced, r.announced_detail);
    status("briefed", r.briefed, r.briefed_detail);
    status("window_respected", r.window_respected, r.window_detail);
    j.Key("faults").BeginObject();
    j.Key("injected").Int(r.faults_injected);
    j.Key("restored_verified").Int(r.faults_restored_verified);
    j.Key("restored_unverified").Int(r.faults_restored_unverified);
    j.Key("not_restored").BeginArray();
    for (const std::string& f : r.faults_not_restored) j.String(f);
    j.End();
    j.Key("all_restored_verified").Bool(r.all_restored_verified);
    j.End();
    j.Key("outcome").String(OutcomeName(r.outcome));
    j.Key("recovered_by").String(r.recovered_by);
    against("ttd_human", r.ttd_human, r.detect_objective, r.ttd_human_verdict);
    against("ttd_alert", r.ttd_alert, r.detect_objective, r.ttd_alert_verdict);
    against("ttr", r.ttr, r.recover_objective, r.ttr_verdict);
    j.Key("postmortem").Bool(r.postmortem);
    j.End();
  }
  j.End();
  j.Key("services").BeginArray();
  for (const ServiceQuarter& s : report.services) {
    j.BeginObject();
    j.Key("service").String(s.service);
    j.Key("quarter").String(s.quarter);
    j.Key("runs").Int(s.runs);
    j.Key("drills").Int(s.drills);
    spread("ttd_human", s.ttd_human);
    spread("ttd_alert", s.ttd_alert);
    spread("ttr", s.ttr);
    j.Key("auto_restored").Int(s.auto_restored);
    j.Key("auto_restored_share").Double(s.auto_restored_share);
    j.End();
  }
  j.End();
  j.Key("not_drilled").BeginArray();
  for (const std::string& s : report.not_drilled) j.String(s);
  j.End();
  j.Key("definitions").BeginObject();
  for (const auto& d : AuditDefinitions()) j.Key(d[0]).String(d[1]);
  j.End();
  j.End();
  text += '\n';
  return text;
}

}  // namespace firedrill
