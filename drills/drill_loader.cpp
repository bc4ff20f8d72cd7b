#include "drills/drill_loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "drills/drill_validator.h"
#include "drills/quoted.h"
#include "drills/suggest.h"
#include "drills/toml_nesting.h"
#include "drills/toml_reader.h"
#include "drills/zoned_time.h"

namespace firedrill {
namespace {

bool IsSlug(const std::string& s, bool allow_underscore) {
  if (s.empty() || s.size() > 64) return false;
  if (!std::isalnum(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              (allow_underscore && (c == '_' || (c >= 'A' && c <= 'Z')));
    if (!ok) return false;
  }
  return true;
}

// "2026-12-03T10:00:00", "2026-12-03T10:00:00+01:00", "01:30:00": a time as the file wrote it.
std::string Written(const toml::date& d, const toml::time& t,
                    const std::optional<toml::time_offset>& offset) {
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", d.year, d.month, d.day,
                                t.hour, t.minute, t.second);
  if (t.nanosecond != 0) out += fmt::format(".{:03}", t.nanosecond / 1'000'000);
  if (offset) {
    int m = offset->minutes < 0 ? -offset->minutes : offset->minutes;
    out += fmt::format("{}{:02}:{:02}", offset->minutes < 0 ? '-' : '+', m / 60, m % 60);
  }
  return out;
}

// Reports `written` (the value of `key`) when it, or the instant `t` it names, lies outside the
// years a drill may use; returns whether it is inside.
bool InDrillYears(TomlReader& r, const SourcePos& pos, const std::string& key,
                  const std::string& written, std::optional<SysTime> t) {
  if (!t || InDrillTimeRange(*t)) return t.has_value();
  r.Report(pos, fmt::format("{}: \"{}\": {} is {} in UTC; a drill's times must be between "
                            "1970-01-01 and 9999-12-31 (UTC)",
                            r.where(), key, written, FormatUtc(*t)));
  return false;
}

// Reads the drill file's date-time forms. `zone` is null when the zone is unknown (already
// reported): local forms are then skipped quietly rather than reported twice. Every time must
// exist exactly once in the zone and lie in 1970..9999 (InDrillTimeRange).
std::optional<SysTime> ReadInstant(TomlReader& r, const std::string& key, bool required,
                                   const std::string* zone,
                                   std::optional<SysTime> bare_time_after) {
  const toml::node* n = r.Node(key, required);
  if (n == nullptr) return std::nullopt;
  SourcePos pos = r.PosOf(key);
  std::string forms = bare_time_after
                          ? "a date-time like 2026-12-03T10:00:00 (or with an offset, "
                            "2026-12-03T10:00:00+01:00), or a time like 01:30:00 meaning the "
                            "first such time after the start"
                          : "a date-time like 2026-12-03T10:00:00 (or with an offset, "
                            "2026-12-03T10:00:00+01:00)";
  if (n->is_date_time()) {
    const toml::date_time dt = n->as_date_time()->get();
    const std::string written = Written(dt.date, dt.time, dt.offset);
    // Before any zone arithmetic: the tz database has no business with year 0 or 10000.
    if (dt.date.year < 1970 || dt.date.year > 9999) {
      r.Report(pos, fmt::format("{}: \"{}\": {} is not between 1970-01-01 and 9999-12-31; a "
                                "drill's times must be in those years",
                                r.where(), key, written));
      return std::nullopt;
    }
    LocalDateTime l{dt.date.year,
                    dt.date.month,
                    dt.date.day,
                    dt.time.hour,
                    dt.time.minute,
                    dt.time.second,
                    static_cast<int>(dt.time.nanosecond / 1'000'000)};
    if (dt.offset) {
      auto utc = LocalToSys(l, "UTC");
      if (!utc.ok()) {
        r.Report(pos, fmt::format("{}: \"{}\": {}", r.where(), key, utc.error().message));
        return std::nullopt;
      }
      SysTime t = *utc - std::chrono::minutes(dt.offset->minutes);
      return InDrillYears(r, pos, key, written, t) ? std::optional<SysTime>(t) : std::nullopt;
    }
    if (zone == nullptr) return std::nullopt;
    auto t = LocalToSys(l, *zone);
    if (!t.ok()) {
      r.Report(pos, fmt::format("{}: \"{}\": {}", r.where(), key, t.error().message));
      return std::nullopt;
    }
    return InDrillYears(r, pos, key, written, *t) ? std::optional<SysTime>(*t) : std::nullopt;
  }
  if (n->is_time() && bare_time_after) {
    if (zone == nullptr) return std::nullopt;
    const toml::time tm = n->as_time()->get();
    auto t = NextLocalTimeAfter(*bare_time_after, tm.hour, tm.minute, tm.second,
                                static_cast<int>(tm.nanosecond / 1'000'000), *zone);
    if (!t.ok()) {
      r.Report(pos, fmt::format("{}: \"{}\": {}", r.where(), key, t.error().message));
      return std::nullopt;
    }
    std::string written = Written(toml::date{}, tm, std::nullopt).substr(11);
    return InDrillYears(r, pos, key, written, *t) ? std::optional<SysTime>(*t) : std::nullopt;
  }
  std::string found = TomlTypeName(*n);
  if (n->is_string()) found += " (write date-times without quotes)";
  if (n->is_date()) found += " (a time of day is missing)";
  r.Report(pos, fmt::format("{}: \"{}\" must be {}, found {}", r.where(), key, forms, found));
  return std::nullopt;
}

// Replaces, in a fault kind's message, each parameter value that Quoted() would not show as it
// is (too long, or holding a line break or tab) with what Quoted() shows.
std::string ShortenValues(std::string message, const ParamValues& values) {
  auto shorten = [&message](const std::string& value) {
    std::string shown = Shown(value);
    if (value.empty() || shown == value) return;
    for (std::size_t at = message.find(value); at != std::string::npos;
         at = message.find(value, at + shown.size())) {
      message.replace(at, value.size(), shown);
    }
  };
  for (const auto& [name, v] : values.All()) {
    if (const auto* s = std::get_if<std::string>(&v.value)) shorten(*s);
    if (const auto* list = std::get_if<std::vector<std::string>>(&v.value)) {
      for (const std::string& item : *list) shorten(item);
    }
  }
  return message;
}

class Loader {
 public:
  Loader(const std::string& file, const FaultCatalog& faults, Diagnostics& out)
      : file_(file), faults_(faults), out_(out) {}

  Drill Load(const toml::table& root) {
    Drill d;
    d.source_file = file_;
    TomlReader r(root, "drill", file_, out_);
    if (auto id = r.String("id", true)) {
      if (!IsSlug(*id, false)) {
        r.Report(r.PosOf("id"),
                 fmt::format("drill: \"id\" must be lowercase letters, digits and '-', starting "
                             "with a letter or digit, at most 64 characters; found {}",
                             Quoted(*id)));
      }
      d.id = *id;
    }
    d.title = r.String("title", true).value_or("");
    d.service = r.String("service", true).value_or("");
    d.owner = r.String("owner", true).value_or("");
    d.playbook = r.String("playbook", true).value_or("");
    d.hypothesis = r.String("hypothesis", false, TextForm::kMultiLine).value_or("");
    d.briefing_required = r.Bool("briefing_required", false).value_or(false);

    if (const toml::table* t = r.Table("objectives", false)) LoadObjectives(*t, d.objectives);
    if (const toml::table* t = r.Table("window", true)) LoadWindow(*t, d.window);
    if (const toml::table* t = r.Table("announce", false)) LoadAnnounce(*t, d.announce);
    if (const toml::array* a = r.TableArray("participants", false)) {
      int i = 0;
      for (const toml::node& n : *a) LoadParticipant(*n.as_table(), ++i, d.participants);
    }
    if (const toml::table* t = r.Table("targets", true)) LoadTargets(*t, d.targets);
    if (const toml::array* a = r.TableArray("faults", true)) {
      int i = 0;
      for (const toml::node& n : *a) LoadFault(*n.as_table(), ++i, d.faults);
    }
    if (const toml::array* a = r.TableArray("probes", false)) {
      int i = 0;
      for (const toml::node& n : *a) LoadProbe(*n.as_table(), ++i, d.probes);
    }
    if (const toml::array* a = r.TableArray("guards", false)) {
      int i = 0;
      for (const toml::node& n : *a) LoadGuard(*n.as_table(), ++i, d.guards);
    }
    if (const toml::table* t = r.Table("detection", false)) {
      TomlReader dr(*t, "[detection]", file_, out_);
      d.detection.match = dr.StringMap("match", false).value_or(decltype(d.detection.match){});
      dr.Finish();
    }
    if (const toml::array* a = r.TableArray("blackouts", false)) {
      int i = 0;
      for (const toml::node& n : *a) LoadBlackout(*n.as_table(), ++i, d.window, d.blackouts);
    }
    if (const toml::table* t = r.Table("wheel", false)) d.wheel = LoadWheel(*t);
    r.Finish();
    return d;
  }

 private:
  void LoadObjectives(const toml::table& t, Objectives& o) {
    TomlReader r(t, "[objectives]", file_, out_);
    o.detect_within = r.DurationKey("detect_within", false, false);
    o.recover_within = r.DurationKey("recover_within", false, false);
    o.availability = r.Number("availability", false, 0, 100, true);
    o.slo_period = r.DurationKey("slo_period", false, false).value_or(o.slo_period);
    r.Finish();
  }

  void LoadWindow(const toml::table& t, Window& w) {
    TomlReader r(t, "[window]", file_, out_);
    w.pos = r.Pos();
    std::optional<std::string> zone = r.String("zone", true);
    if (zone && !IsKnownZone(*zone)) {
      r.Report(r.PosOf("zone"),
               fmt::format("[window]: unknown time zone {} (expected an IANA name such as "
                           "\"Europe/Copenhagen\" or \"UTC\")",
                           Quoted(*zone)));
      zone.reset();
    }
    if (zone) zone_ = *zone;
    w.zone = zone.value_or("");
    const std::string* z = zone ? &zone_ : nullptr;
    auto start = ReadInstant(r, "start", true, z, std::nullopt);
    // A bare time as `end` needs a start to count from; without one, the start error suffices.
    auto end = ReadInstant(r, "end", true, z, start ? start : std::optional<SysTime>(SysTime{}));
    if (start) w.start = *start;
    if (end) w.end = *end;
    w.grace = r.DurationKey("grace", false, false).value_or(w.grace);
    if (auto repeat = r.String("repeat", false)) {
      Expected<Recurrence> rule = ParseRRule(*repeat);
      if (rule) {
        w.repeat = std::move(*rule);
      } else {
        r.Report(r.PosOf("repeat"), fmt::format("[window]: repeat: {}", rule.error().message));
      }
    }
    window_ok_ = start && end;
    r.Finish();
  }

  // The fault ids are checked against [[faults]] by the validator.
  Wheel LoadWheel(const toml::table& t) {
    TomlReader r(t, "[wheel]", file_, out_);
    Wheel w;
    w.pos = r.Pos();
    w.faults = r.StringList("faults", false).value_or(std::vector<std::string>{});
    w.pick = static_cast<int>(r.Integer("pick", false, 1, 1000).value_or(1));
    w.inject_within = r.DurationKey("inject_within", false, false).value_or(Duration{0});
    if (!t.contains("faults") && !t.contains("inject_within")) {
      r.Report(r.Pos(),
               "[wheel]: give the faults to draw from (faults = [\"ID\", ...]), or "
               "inject_within for a random injection moment, or both");
    } else if (!t.contains("faults") && t.contains("pick")) {
      r.Report(r.PosOf("pick"), "[wheel]: pick needs faults = [\"ID\", ...] to pick from");
    }
    r.Finish();
    return w;
  }

  void LoadAnnounce(const toml::table& t, Announce& a) {
    TomlReader r(t, "[announce]", file_, out_);
    a.lead = r.DurationKey("lead", false, true).value_or(a.lead);
    a.attendees = r.StringList("attendees", false).value_or(std::vector<std::string>{});
    if (auto channels = r.StringList("channels", false)) {
      static const std::vector<std::string> kChannels = {"calendar", "chat", "webhook"};
      for (const std::string& c : *channels) {
        if (c == "calendar") {
          a.channels.push_back(Channel::kCalendar);
        } else if (c == "chat") {
          a.channels.push_back(Channel::kChat);
        } else if (c == "webhook") {
          a.channels.push_back(Channel::kWebhook);
        } else {
          r.Report(r.PosOf("channels"),
                   fmt::format("[announce]: unknown channel {} (expected calendar, chat or "
                               "webhook){}",
                               Quoted(c), DidYouMean(c, kChannels)));
        }
      }
    } else {
      a.channels = {Channel::kCalendar};
    }
    r.Finish();
  }

  void LoadParticipant(const toml::table& t, int index, std::vector<Participant>& out) {
    TomlReader r(t, fmt::format("participant #{}", index), file_, out_);
    Participant p;
    p.name = r.String("name", true).value_or("");
    p.role = r.String("role", true).value_or("");
    r.Finish();
    out.push_back(std::move(p));
  }

  void LoadTargets(const toml::table& t, std::map<std::string, Target>& out) {
    for (auto&& [k, v] : t) {
      std::string name(k.str());
      SourcePos pos = ToPos(k.source(), file_);
      if (!IsSlug(name, true)) {
        out_.push_back(Error{fmt::format("[targets]: target name {} must be letters, digits, "
                                         "'-' and '_', at most 64 characters",
                                         Quoted(name)),
                             pos});
      }
      const toml::table* tt = v.as_table();
      if (tt == nullptr) {
        out_.push_back(Error{fmt::format("[targets]: {} must be a table ([targets.{}]), "
                                         "found {}",
                                         Quoted(name), Shown(name), TomlTypeName(v)),
                             pos});
        continue;
      }
      TomlReader r(*tt, fmt::format("[targets.{}]", Shown(name)), file_, out_);
      Target target;
      target.name = name;
      target.pos = r.Pos();
      bool has_local = tt->contains("local");
      bool has_host = tt->contains("host");
      if (has_local && has_host) {
        r.Report(r.Pos(), fmt::format("[targets.{}]: use either local = true or host = ... "
                                      "(an SSH target), not both",
                                      name));
      } else if (!has_local && !has_host) {
        r.Report(r.Pos(), fmt::format("[targets.{}]: say where it is: local = true, or host, "
                                      "user and identity for an SSH target",
                                      name));
      }
      if (has_local) {
        auto local = r.Bool("local", true);
        if (local && !*local) {
          r.Report(r.PosOf("local"),
                   fmt::format("[targets.{}]: local = false is not a target; remove the target "
                               "or describe an SSH target with host, user and identity",
                               name));
        }
        target.where = LocalTarget{};
        r.Finish("a local target has only \"local\"");
      } else {
        SshTarget ssh;
        ssh.host = r.String("host", true).value_or("");
        ssh.port = static_cast<int>(r.Integer("port", false, 1, 65535).value_or(22));
        ssh.user = r.String("user", true).value_or("");
        ssh.identity = r.String("identity", true).value_or("");
        ssh.known_hosts = r.String("known_hosts", false).value_or("~/.ssh/known_hosts");
        ssh.accept_new_host_key = r.Bool("accept_new_host_key", false).value_or(false);
        target.where = ssh;
        r.Finish();
      }
      out.emplace(name, std::move(target));
    }
  }

  void LoadFault(const toml::table& t, int index, std::vector<FaultSpec>& out) {
    FaultSpec f;
    // Named by its id when it has one (its place in the file otherwise); the kind decides
    // which keys are valid, so peek at both before building the reader's name.
    std::string where = fmt::format("fault #{}", index);
    if (const toml::node* id = t.get("id"); id != nullptr && id->is_string()) {
      where = fmt::format("fault {}", Shown(id->as_string()->get()));
    }
    if (const toml::node* k = t.get("kind"); k != nullptr && k->is_string()) {
      where += fmt::format(" ({})", Shown(k->as_string()->get()));
    }
    TomlReader r(t, where, file_, out_);
    f.pos = r.Pos();
    auto kind = r.String("kind", true);
    // One target, or several: the fault then fans out to each of them.
    std::vector<std::string> targets = TargetList(t, r, where, f.target);
    f.parallel = static_cast<int>(r.Integer("parallel", false, 1, 1000).value_or(16));
    if (auto policy = r.Enum("on_partial", false, {"rollback", "continue"})) {
      f.on_partial = *policy == "continue" ? PartialPolicy::kContinue : PartialPolicy::kRollback;
    }
    f.delay = r.DurationKey("delay", false, true).value_or(Duration{0});
    auto restore_timeout = r.DurationKey("restore_timeout", false, false);
    f.restore_command = r.String("restore", false, TextForm::kMultiLine);
    const FaultKindSpec* spec = nullptr;
    if (kind) {
      f.kind = *kind;
      spec = faults_.Find(*kind);
      if (spec == nullptr) {
        r.Report(r.PosOf("kind"),
                 fmt::format("{}: unknown fault kind {}{}; known kinds: {}", where, Quoted(*kind),
                             DidYouMean(*kind, faults_.Names()), ShownList(faults_.Names())));
      }
    }
    f.id = r.String("id", false)
               .value_or(fmt::format("{}-{}", f.kind.empty() ? "fault" : f.kind, index));
    f.group = f.id;
    // A fault on several targets is one fault per target, "ID@TARGET", sharing the group.
    auto emit = [&](FaultSpec&& done) {
      if (targets.empty()) {
        out.push_back(std::move(done));
        return;
      }
      for (const std::string& target : targets) {
        FaultSpec one = done;
        one.target = target;
        one.id = fmt::format("{}@{}", done.id, target);
        out.push_back(std::move(one));
      }
    };
    if (spec == nullptr) {
      // Without a schema the remaining keys cannot be judged; don't report them as unknown.
      for (auto&& kv : t) r.Known(std::string(kv.first.str()));
      emit(std::move(f));
      return;
    }
    f.restore_timeout = restore_timeout.value_or(spec->default_restore_timeout);
    if (spec->restore_key_required && !t.contains("restore")) {
      r.Report(r.Pos(), fmt::format("{}: missing required key \"restore\" (a {} fault has no "
                                    "restore of its own: give the shell command that undoes it)",
                                    where, spec->name));
    }
    std::size_t errors_before = out_.size();
    for (const ParamSpec& p : spec->params) r.Param(p, f.raw);
    r.Finish(fmt::format("not a parameter of {}", spec->name));
    if (out_.size() == errors_before && spec->build) {
      f.params = spec->build(f.raw, f.pos, out_);
      // The kind's messages say what is wrong; the prefix says which fault. They quote values as
      // written, however long: those are cut to what Quoted() shows.
      for (std::size_t i = errors_before; i < out_.size(); ++i) {
        out_[i].message = fmt::format("{}: {}", where, ShortenValues(out_[i].message, f.raw));
      }
    }
    emit(std::move(f));
  }

  // Reads "target": one name (into `single`, returning no list) or a list of names (returned:
  // the entry fans out to each of them).
  std::vector<std::string> TargetList(const toml::table& t, TomlReader& r, const std::string& where,
                                      std::string& single) {
    std::vector<std::string> targets;
    const toml::array* many = t.get_as<toml::array>("target");
    if (many == nullptr) {
      single = r.String("target", true).value_or("");
      return targets;
    }
    r.Known("target");
    for (const toml::node& n : *many) {
      if (const auto* name = n.as_string()) {
        if (r.CheckText(ToPos(n.source(), file_), "\"target\"", name->get(), TextForm::kLine)) {
          targets.push_back(name->get());
        }
      } else {
        r.Report(
            r.PosOf("target"),
            fmt::format("{}: \"target\" must be a target name or a list of target names", where));
      }
    }
    if (many->empty()) {
      r.Report(r.PosOf("target"), fmt::format("{}: \"target\" lists no target", where));
    }
    return targets;
  }

  void LoadProbe(const toml::table& t, int index, std::vector<Probe>& out) {
    Probe p;
    const std::string where = fmt::format("probe #{}", index);
    TomlReader r(t, where, file_, out_);
    p.pos = r.Pos();
    p.name = r.String("name", true).value_or("");
    auto kind = r.Enum("kind", true, {"http", "tcp", "command"});
    // A probe on several targets is one probe per target, "NAME@TARGET", each with its own state.
    std::vector<std::string> targets = TargetList(t, r, where, p.target);
    p.interval = r.DurationKey("interval", false, false).value_or(p.interval);
    p.timeout = r.DurationKey("timeout", false, false).value_or(p.timeout);
    p.healthy_after = static_cast<int>(r.Integer("healthy_after", false, 1, 1000).value_or(3));
    p.unhealthy_after = static_cast<int>(r.Integer("unhealthy_after", false, 1, 1000).value_or(1));
    std::string hint;
    if (kind == "http") {
      p.kind = ProbeKind::kHttp;
      if (auto url = r.String("url", true)) {
        if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) {
          r.Report(r.PosOf("url"), fmt::format("probe #{}: \"url\" must start with http:// or "
                                               "https://, found {}",
                                               index, Quoted(*url)));
        }
        p.url = *url;
      }
      p.expect_status = static_cast<int>(r.Integer("expect_status", false, 100, 599).value_or(200));
      p.expect_body = r.String("expect_body", false, TextForm::kMultiLine).value_or("");
      hint = "not a key of an http probe";
    } else if (kind == "tcp") {
      p.kind = ProbeKind::kTcp;
      p.host = r.String("host", false).value_or("127.0.0.1");
      p.port = static_cast<int>(r.Integer("port", true, 1, 65535).value_or(0));
      hint = "not a key of a tcp probe";
    } else if (kind == "command") {
      p.kind = ProbeKind::kCommand;
      p.command = r.String("command", true, TextForm::kMultiLine).value_or("");
      hint = "not a key of a command probe";
    } else {
      // Unknown kind (reported): accept any key rather than pile on errors.
      for (auto&& kv : t) r.Known(std::string(kv.first.str()));
    }
    r.Finish(hint);
    if (targets.empty()) {
      out.push_back(std::move(p));
      return;
    }
    for (const std::string& target : targets) {
      Probe one = p;
      one.target = target;
      one.name = fmt::format("{}@{}", p.name, target);
      out.push_back(std::move(one));
    }
  }

  void LoadGuard(const toml::table& t, int index, std::vector<Guard>& out) {
    Guard g;
    TomlReader r(t, fmt::format("guard #{}", index), file_, out_);
    g.pos = r.Pos();
    g.name = r.String("name", true).value_or("");
    auto kind = r.Enum("kind", true, {"probe", "command", "alert"});
    std::string hint;
    if (kind == "probe") {
      g.kind = GuardKind::kProbe;
      g.probe = r.String("probe", true).value_or("");
      g.max_red = r.DurationKey("max_red", true, false).value_or(Duration{0});
      hint = "not a key of a probe guard";
    } else if (kind == "command") {
      g.kind = GuardKind::kCommand;
      g.command = r.String("command", true, TextForm::kMultiLine).value_or("");
      g.target = r.String("target", true).value_or("");
      g.interval = r.DurationKey("interval", false, false).value_or(g.interval);
      hint = "not a key of a command guard";
    } else if (kind == "alert") {
      g.kind = GuardKind::kAlert;
      g.match = r.StringMap("match", true).value_or(decltype(g.match){});
      hint = "not a key of an alert guard";
    } else {
      for (auto&& kv : t) r.Known(std::string(kv.first.str()));
    }
    r.Finish(hint);
    out.push_back(std::move(g));
  }

  void LoadBlackout(const toml::table& t, int index, const Window& w, std::vector<Blackout>& out) {
    Blackout b;
    TomlReader r(t, fmt::format("blackout #{}", index), file_, out_);
    b.pos = r.Pos();
    b.name = r.String("name", true).value_or("");
    const std::string* z = w.zone.empty() ? nullptr : &w.zone;
    auto start = ReadInstant(r, "start", true, z, std::nullopt);
    auto end = ReadInstant(r, "end", true, z, start ? start : std::optional<SysTime>(SysTime{}));
    r.Finish();
    if (!start || !end) return;  // reported; a half-read blackout must not veto anything
    b.start = *start;
    b.end = *end;
    out.push_back(std::move(b));
  }

  const std::string& file_;
  const FaultCatalog& faults_;
  Diagnostics& out_;
  std::string zone_;
  bool window_ok_ = false;

 public:
  bool window_ok() const { return window_ok_; }
};

}  // namespace

LoadResult LoadDrillText(std::string_view text, const std::string& file,
                         const FaultCatalog& faults) {
  LoadResult result;
  if (text.size() > kMaxDrillFileBytes) {
    result.diagnostics.push_back(
        Error{fmt::format("is larger than {} KiB; not a drill file", kMaxDrillFileBytes / 1024),
              SourcePos{file, 0, 0}});
    return result;
  }
  // toml++ recurses once per level of nesting: a deep file must never reach it.
  if (std::optional<Error> deep = CheckTomlNesting(text, file)) {
    result.diagnostics.push_back(std::move(*deep));
    return result;
  }
  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& e) {
    result.diagnostics.push_back(Error{fmt::format("invalid TOML: {}", Shown(e.description(), 300)),
                                       ToPos(e.source(), file)});
    return result;
  }
  Loader loader(file, faults, result.diagnostics);
  Drill drill = loader.Load(root);
  // Cross-key checks run even when keys had errors, so one pass shows every problem; the
  // validator skips whatever the key errors left empty.
  ValidateDrill(drill, result.diagnostics, loader.window_ok());
  if (result.diagnostics.empty()) {
    result.drill = std::move(drill);
    return result;
  }
  Diagnostics& out = result.diagnostics;
  // In the order of the file (problems of the whole file first), as an editor lists them.
  std::stable_sort(out.begin(), out.end(), [](const Error& a, const Error& b) {
    auto key = [](const Error& e) {
      return e.where ? std::pair(e.where->line, e.where->column) : std::pair(0, 0);
    };
    return key(a) < key(b);
  });
  for (Error& e : out) {
    // A last bound, for messages that quote something this loader did not shorten.
    if (e.message.size() > kMaxDiagnosticBytes)
      e.message = Truncated(e.message, kMaxDiagnosticBytes);
  }
  if (out.size() > kMaxDiagnostics) {
    const std::size_t more = out.size() - kMaxDiagnostics;
    out.resize(kMaxDiagnostics);
    out.push_back(Error{fmt::format("{} more problems not shown; fix the ones above first", more),
                        SourcePos{file, 0, 0}});
  }
  return result;
}

LoadResult LoadDrillFile(const std::string& path, const FaultCatalog& faults) {
  LoadResult result;
  auto fail = [&](std::string message) {
    result.diagnostics.push_back(Error{std::move(message), SourcePos{path, 0, 0}});
    return result;
  };
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return fail(
        fmt::format("cannot read drill file: {}", ec ? ec.message() : "no such file or directory"));
  }
  if (std::filesystem::is_directory(status)) {
    return fail("is a directory; expected a drill file (.toml)");
  }
  if (!std::filesystem::is_regular_file(status)) return fail("is not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot open drill file (permission denied?)");
  std::string text;
  text.resize(kMaxDrillFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxDrillFileBytes) {
    return fail(fmt::format("is larger than {} KiB; not a drill file", kMaxDrillFileBytes / 1024));
  }
  if (text.find('\0') != std::string::npos) {
    return fail("contains NUL bytes; not a text (TOML) file");
  }
  return LoadDrillText(text, path, faults);
}

}  // namespace firedrill
